#!/bin/bash
# hopeless check: a clean tree passes; then each problem, introduced alone,
# is found with its expected line and exit status 1, and check changes nothing.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }

R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/lib/modules/6.1.0-9" "$R/etc/ssh"
echo KERNEL > "$R/boot/vmlinuz-6.1.0-9"
echo debian > "$R/etc/hostname"
echo '# sshd' > "$R/etc/ssh/sshd_config"
echo KEY > "$R/etc/ssh/ssh_host_ed25519_key" && chmod 600 "$R/etc/ssh/ssh_host_ed25519_key"
echo 'root:*:1::::::' > "$R/etc/shadow" && chmod 640 "$R/etc/shadow"
H init --server 10.9.0.1 --interface br9 --image-size 16M >/dev/null
H root add deb12 --from "$R" >/dev/null
H overlay add compute >/dev/null
H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb12 --overlay compute >/dev/null
H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root deb12 --overlay compute --state tmpfs >/dev/null
H config >/dev/null
# The versions the nodes get (config published compute@2 with /etc/hosts).
DEB=roots/deb12/$(cat "$T/roots/deb12/current")
CMP=roots/compute/$(cat "$T/roots/compute/current")
# What hopeless initramfs build leaves (its own tests build real ones).
mkdir -p "$T/tftp/boot/deb12"
cp "$T/$DEB/boot/vmlinuz-6.1.0-9" "$T/tftp/boot/deb12/vmlinuz"
echo INITRD > "$T/tftp/boot/deb12/initrd.img"

out=$(H check 2>&1); rc=$?
check "a clean tree passes (rc=$rc, output: $out)" test "$rc" = 0 -a -z "$out"
check "--quiet prints 0 on a clean tree" test "$(H check --quiet)" = 0
clean=$(tree_digest "$T")

# problem DESCRIPTION EXPECTED-LINE BREAK-COMMAND FIX-COMMAND
problem() {
	local d=$1 want=$2 out rc
	sh -c "$3"
	out=$(H check 2>&1); rc=$?
	local digest; digest=$(tree_digest "$T")
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -qxF "$want"; then
		ok "finds $d"
	else
		fail "finds $d (rc=$rc, want: $want, got: $out)"
	fi
	sh -c "$4"
	[ "$(tree_digest "$T")" = "$clean" ] || fail "$d: the fix did not restore the tree"
	[ -n "$digest" ] || true
}
C=$T/clients/10.9.0.11
problem "a dangling root name" \
	"hopeless check: clients/10.9.0.11/hopeless.root: 'nope' is not a registered root (see: hopeless root list)" \
	"echo nope > $C/hopeless.root" "echo deb12 > $C/hopeless.root"
problem "swapped root and overlay" \
	"hopeless check: clients/10.9.0.11/hopeless.overlay: 'deb12' is a root, not an overlay (root and overlay swapped?)" \
	"echo deb12 > $C/hopeless.overlay" "echo compute > $C/hopeless.overlay"
problem "a duplicate IP" \
	"hopeless check: nodes/n3.conf: address 10.9.0.11 also used by node n1" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.0.11/; s/09:12/09:13/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "a duplicate MAC in another spelling" \
	"hopeless check: nodes/n3.conf: MAC 52-54-00-00-09-12 also used by node n2" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.0.11/; s/mac = .*/mac = 52-54-00-00-09-12/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
# Node files written by hand: node add refuses these addresses.
problem "a node on the subnet's broadcast address" \
	"hopeless check: nodes/n3.conf: ip: 10.9.0.255 is the broadcast address of 10.9.0.0/24" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.0.255/; s/09:12/09:13/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "a node outside the cluster subnet" \
	"hopeless check: nodes/n3.conf: ip: 10.9.7.13 is outside the cluster subnet 10.9.0.0/24 (server and netmask in hopeless.conf)" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.7.13/; s/09:12/09:13/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "a node on the head node's address" \
	"hopeless check: nodes/n3.conf: ip: 10.9.0.1 is the head node's own address (server in hopeless.conf)" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.0.1/; s/09:12/09:13/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "a loopback node address" \
	"hopeless check: nodes/n3.conf: ip: 127.0.0.13 is a loopback address (127.0.0.0/8)" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 127.0.0.13/; s/09:12/09:13/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "an all-zero MAC" \
	"hopeless check: nodes/n3.conf: mac: 00:00:00:00:00:00 is the all-zero MAC address, which no network card has" \
	"sed 's/hostname = n2/hostname = n3/; s/ip = 10.9.0.12/ip = 10.9.0.13/; s/mac = .*/mac = 00:00:00:00:00:00/' $T/nodes/n2.conf > $T/nodes/n3.conf" \
	"rm $T/nodes/n3.conf"
problem "a root without a kernel" \
	"hopeless check: roots/deb12: no kernel (boot/vmlinuz-<version> with lib/modules/<version>) for 2 node(s): install a kernel package in the root" \
	"mv $T/$DEB/boot/vmlinuz-6.1.0-9 $SCRATCH/k" "mv $SCRATCH/k $T/$DEB/boot/vmlinuz-6.1.0-9"
problem "a missing initramfs" \
	"hopeless check: tftp/boot/deb12: no initramfs built (initrd.img and vmlinuz) for 2 node(s): run hopeless initramfs build --root deb12" \
	"mv $T/tftp/boot/deb12/initrd.img $SCRATCH/i" "mv $SCRATCH/i $T/tftp/boot/deb12/initrd.img"
problem "an initramfs older than the root's kernel" \
	"hopeless check: tftp/boot/deb12: initramfs older than the root's kernel 6.1.0-9: rebuild it with hopeless initramfs build --root deb12" \
	"cp -p $T/$DEB/boot/vmlinuz-6.1.0-9 $SCRATCH/k && echo NEWKERNEL > $T/$DEB/boot/vmlinuz-6.1.0-9" \
	"cp -p $SCRATCH/k $T/$DEB/boot/vmlinuz-6.1.0-9"
problem "a missing state image" \
	"hopeless check: state/10.9.0.11/rw.img: missing, and node n1 has state=image: recreate it (hopeless node reset n1)" \
	"mv $T/state/10.9.0.11/rw.img $SCRATCH/img" "mv $SCRATCH/img $T/state/10.9.0.11/rw.img"
problem "one image used by two nodes" \
	"hopeless check: state/10.9.0.12/rw.img: the same image as state/10.9.0.11/rw.img: two nodes writing one ext4 image corrupt it" \
	"sed -i 's/state = tmpfs/state = image/' $T/nodes/n2.conf && ln $T/state/10.9.0.11/rw.img $T/state/10.9.0.12/rw.img" \
	"sed -i 's/state = image/state = tmpfs/' $T/nodes/n2.conf && rm $T/state/10.9.0.12/rw.img"
problem "an orphan state directory" \
	"hopeless check: state/10.9.0.99: orphan: no node has this address (remove it, or register the node again)" \
	"mkdir $T/state/10.9.0.99" "rmdir $T/state/10.9.0.99"
problem "an orphan host overlay" \
	"hopeless check: clients/10.9.0.98: orphan: no node has this address (remove it, or register the node again)" \
	"mkdir $T/clients/10.9.0.98" "rmdir $T/clients/10.9.0.98"
problem "a host-overlay file that shadows nothing (typo)" \
	"hopeless check: clients/10.9.0.11/etc/hostnme: shadows nothing in the layers below: a typo of etc/hostname?" \
	"echo n1 > $C/etc/hostnme" "rm $C/etc/hostnme"
problem "a world-writable file" \
	"hopeless check: $CMP/etc/hosts: world-writable (mode 0666): chmod o-w" \
	"chmod 666 $T/$CMP/etc/hosts" "chmod 644 $T/$CMP/etc/hosts"
problem "a readable private key" \
	"hopeless check: $DEB/etc/ssh/ssh_host_ed25519_key: private key readable by group or others (mode 0644): chmod 600" \
	"chmod 644 $T/$DEB/etc/ssh/ssh_host_ed25519_key" "chmod 600 $T/$DEB/etc/ssh/ssh_host_ed25519_key"
problem "a world-readable shadow file" \
	"hopeless check: $DEB/etc/shadow: password hashes readable beyond root and group shadow (mode 0644, gid 0): chmod 640 and chgrp shadow" \
	"chmod 644 $T/$DEB/etc/shadow" "chmod 640 $T/$DEB/etc/shadow"
problem "a state image readable by others" \
	"hopeless check: state/10.9.0.11/rw.img: a node's writable layer open to others (mode 0644): chmod 600" \
	"chmod 644 $T/state/10.9.0.11/rw.img" "chmod 600 $T/state/10.9.0.11/rw.img"

echo x > "$C/etc/cluster-motd"
check "a new file that is no near miss is not reported" H check
rm "$C/etc/cluster-motd"
chmod 666 "$T/$CMP/etc/hosts"; echo n1 > "$C/etc/hostnme"
check "--quiet prints the count" test "$(H check --quiet)" = 2
before=$(tree_digest "$T")
H check >/dev/null
check "check changes nothing in the tree" test "$(tree_digest "$T")" = "$before"
out=$(H check --bogus 2>&1); rc=$?
check "an unknown option fails with one line" test "$rc" != 0 -a "$(echo "$out" | wc -l)" = 1
check "check --help" H check --help
done_testing
