#!/bin/bash
# hopeless config: every generated file is accepted by the real service
# (dnsmasq --test, dhcpd -t), a running dnsmasq picks up new nodes on the
# SIGHUP config sends, stale files go, and 10,000 nodes stay fast.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
NS_PID=""
cleanup() { [ -n "$NS_PID" ] && kill "$NS_PID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT

H init --server 10.9.0.1 --interface br9 --image-size 16M >/dev/null
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
H root add deb12 --from "$R" >/dev/null
H overlay add compute >/dev/null
H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb12 --overlay compute --state tmpfs >/dev/null
H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root deb12 --overlay compute --state tmpfs --boot pxelinux >/dev/null
check "config" H config
# Output directories cleared by hand come back; a symlink in their place is refused.
rm -rf "$T/tftp/ipxe" "$T/tftp/pxelinux.cfg"
check "config makes tftp/ipxe and tftp/pxelinux.cfg again when they were removed" \
	sh -c "'$HOPELESS' -C '$T' config >/dev/null && test -s '$T/tftp/ipxe/52-54-00-00-09-11.ipxe' && test -s '$T/tftp/pxelinux.cfg/01-52-54-00-00-09-12'"
mv "$T/tftp/ipxe" "$SCRATCH/ipxe.real"; ln -s "$SCRATCH/ipxe.real" "$T/tftp/ipxe"
out=$(H config 2>&1); rc=$?
check "config refuses tftp/ipxe as a symlink, in one line (rc=$rc: $out)" sh -c "[ $rc != 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'tftp/ipxe'" sh "$out"
rm "$T/tftp/ipxe"; mv "$SCRATCH/ipxe.real" "$T/tftp/ipxe"
check "dnsmasq accepts dnsmasq.conf" dnsmasq --test -C "$T/etc/dnsmasq.conf"
check "dnsmasq.conf names the hosts file" grep -qx "dhcp-hostsfile=$T/etc/dnsmasq-hosts.conf" "$T/etc/dnsmasq.conf"
check "hosts file lines have no dhcp-host= prefix" grep -qx "52:54:00:00:09:12,set:pxelinux,10.9.0.12,n2" "$T/etc/dnsmasq-hosts.conf"
if command -v dhcpd >/dev/null; then
	check "dhcpd -t accepts dhcpd.conf" dhcpd -t -q -cf "$T/etc/dhcpd.conf"
	sed 's/deny unknown-clients;/deny unknown-clients/' "$T/etc/dhcpd.conf" > "$SCRATCH/broken.conf"
	check "dhcpd -t rejects a broken copy (the check can fail)" sh -c "! dhcpd -t -q -cf '$SCRATCH/broken.conf' 2>/dev/null"
else
	fail "dhcpd is not installed (scripts/deps.sh installs isc-dhcp-server)"
fi
# Kea checks that the interface exists: validate a copy that serves lo.
if command -v kea-dhcp4 >/dev/null; then
	sed 's/"interfaces": \[ "br9" \]/"interfaces": [ "lo" ]/' "$T/etc/kea-dhcp4.conf" > "$SCRATCH/kea.conf"
	check "kea-dhcp4 -t accepts kea-dhcp4.conf" sh -c "kea-dhcp4 -t '$SCRATCH/kea.conf' >/dev/null 2>&1"
	sed 's/"subnet4"/"subnet5"/' "$SCRATCH/kea.conf" > "$SCRATCH/kea-broken.conf"
	check "kea-dhcp4 -t rejects a broken copy (the check can fail)" sh -c "! kea-dhcp4 -t '$SCRATCH/kea-broken.conf' >/dev/null 2>&1"
	check "kea: a reservation per node, pxelinux node gets pxelinux.0" \
		grep -q '"hw-address": "52:54:00:00:09:12", "ip-address": "10.9.0.12", "hostname": "n2", "boot-file-name": "pxelinux.0"' "$T/etc/kea-dhcp4.conf"
	check "kea: no pools (registered nodes only)" grep -q '"pools": \[ \]' "$T/etc/kea-dhcp4.conf"
else
	fail "kea-dhcp4 is not installed (scripts/deps.sh installs kea-dhcp4-server)"
fi
check "dhcpd.conf has a host block per node" test "$(grep -c '^	host n[12] {' "$T/etc/dhcpd.conf")" = 2
check "/etc/hosts in the cluster overlay" grep -qP '^10\.9\.0\.12\tn2\.cluster n2$' "$T/roots/compute/$(cat "$T/roots/compute/current")/etc/hosts"
check "the tree's etc/hosts equals the overlay's" cmp -s "$T/etc/hosts" "$T/roots/compute/$(cat "$T/roots/compute/current")/etc/hosts"
# Exports: each layer to the nodes that use it, nothing to every host.
G=$T/etc/ganesha.conf
check "ganesha: no export of all of roots/" sh -c "! grep -q 'Path = \"$T/roots\";' '$G'"
check "ganesha: the root deb12 is its own export" grep -q "Pseudo = \"/roots/deb12\";" "$G"
check "ganesha: the overlay's clients are its two nodes" grep -q "Clients = 10.9.0.11, 10.9.0.12;" "$G"
check "ganesha: an unlisted host gets nothing" grep -Pzq 'EXPORT_DEFAULTS \{\n\tAccess_Type = None;' "$G"
check "exports: the overlay to its two nodes" \
	grep -qx "$T/roots/compute 10.9.0.11(ro,no_root_squash,no_subtree_check) 10.9.0.12(ro,no_root_squash,no_subtree_check)" "$T/etc/exports"
check "exports: state root-squashed to state_uid" \
	grep -qx "$T/state/10.9.0.11 10.9.0.11(rw,sync,root_squash,anonuid=64055,anongid=64055,no_subtree_check)" "$T/etc/exports"
H overlay add unused >/dev/null
H config >/dev/null
check "a layer no node uses is not exported" sh -c "! grep -q '/roots/unused' '$G' '$T/etc/exports'"

# Boot method grub (Secure Boot): shim for its UEFI firmware in every DHCP
# flavour, a GRUB file of its own, the signed loaders in tftp/.
H node add g1 --ip 10.9.0.31 --mac 52:54:00:00:09:31 --root deb12 --overlay compute --state tmpfs --boot grub >/dev/null
check "config with a grub node" H config
check "dnsmasq accepts dnsmasq.conf (grub tags)" dnsmasq --test -C "$T/etc/dnsmasq.conf"
check "dnsmasq: grub nodes' UEFI firmware gets shimx64.efi" grep -qx "dhcp-boot=tag:grub,tag:!ipxe,tag:efi64,shimx64.efi" "$T/etc/dnsmasq.conf"
check "dnsmasq: the grub node is tagged" grep -qx "52:54:00:00:09:31,set:grub,10.9.0.31,g1" "$T/etc/dnsmasq-hosts.conf"
if command -v dhcpd >/dev/null; then
	check "dhcpd -t accepts dhcpd.conf with a grub group" dhcpd -t -q -cf "$T/etc/dhcpd.conf"
	check "dhcpd: the grub group hands out shimx64.efi" grep -q 'filename "shimx64.efi";' "$T/etc/dhcpd.conf"
fi
if command -v kea-dhcp4 >/dev/null; then
	sed 's/"interfaces": \[ "br9" \]/"interfaces": [ "lo" ]/' "$T/etc/kea-dhcp4.conf" > "$SCRATCH/kea.conf"
	check "kea-dhcp4 -t accepts the grub-efi class" sh -c "kea-dhcp4 -t '$SCRATCH/kea.conf' >/dev/null 2>&1"
	check "kea: grub-efi names the node's MAC" grep -q "pkt4.mac == 0x525400000931)\", \"boot-file-name\": \"shimx64.efi\"" "$T/etc/kea-dhcp4.conf"
fi
check "tftp/grub/grub.cfg (the default GRUB reads)" grep -q 'source "$prefix/grub.cfg-01-' "$T/tftp/grub/grub.cfg"
check "the grub node's own GRUB file boots its root's kernel" \
	grep -q '^linux (tftp,10.9.0.1)/boot/deb12/vmlinuz .*hopeless.hostname=g1 BOOTIF=01-52-54-00-00-09-31$' "$T/tftp/grub/grub.cfg-01-52-54-00-00-09-31"
check "no GRUB file for an iPXE node" test ! -e "$T/tftp/grub/grub.cfg-01-52-54-00-00-09-11"
for f in shimx64.efi grubx64.efi mmx64.efi; do
	check "config copied the signed loader $f" test -s "$T/tftp/$f"
done
check "grubx64.efi is Debian's signed network GRUB" cmp -s "$T/tftp/grubx64.efi" /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
H node set g1 --boot ipxe >/dev/null
H config >/dev/null
check "a node that leaves grub loses its GRUB file" test ! -e "$T/tftp/grub/grub.cfg-01-52-54-00-00-09-31"
check "... and its shim" sh -c "grep -qx '52:54:00:00:09:31,10.9.0.31,g1' '$T/etc/dnsmasq-hosts.conf' && ! grep -q 'grub-efi' '$T/etc/kea-dhcp4.conf'"
H node rm g1 >/dev/null
H config >/dev/null

# State images made before root squash: config gives them to state_uid
# (the squashed node must open rw.img) and the directory to root, 0755.
H node add s1 --ip 10.9.0.21 --mac 52:54:00:00:09:21 --root deb12 --overlay compute --state image >/dev/null
chown 0:0 "$T/state/10.9.0.21/rw.img"; chmod 600 "$T/state/10.9.0.21/rw.img"; chmod 777 "$T/state/10.9.0.21"
out=$(H config)
check "config reports the state fix-up ($out)" sh -c "echo '$out' | grep -q '1 state dir(s) set to root 0755'"
check "rw.img owned by state_uid, 0600" test "$(stat -c '%u:%g %a' "$T/state/10.9.0.21/rw.img")" = "64055:64055 600"
check "state dir root's, 0755" test "$(stat -c '%u:%g %a' "$T/state/10.9.0.21")" = "0:0 755"
check "a second run changes nothing" sh -c "! '$HOPELESS' -C '$T' config | grep -q 'state dir'"
# A node that replaced its image by a symlink: nothing outside the tree changes.
echo decoy > "$SCRATCH/decoy"; chown 0:0 "$SCRATCH/decoy"; chmod 644 "$SCRATCH/decoy"
mv "$T/state/10.9.0.21/rw.img" "$SCRATCH/s1.img"
ln -s "$SCRATCH/decoy" "$T/state/10.9.0.21/rw.img"
err=$(H config 2>&1 >/dev/null)
one_line() { test "$(printf '%s\n' "$err" | grep -c .)" = 1 && [[ "$err" == *"state/10.9.0.21/rw.img: not a regular file"* ]]; }
check "a symlinked rw.img: one line ($err)" one_line
check "the symlink's target keeps its owner and mode" test "$(stat -c '%u:%g %a' "$SCRATCH/decoy")" = "0:0 644"
rm "$T/state/10.9.0.21/rw.img"; mv "$SCRATCH/s1.img" "$T/state/10.9.0.21/rw.img"
# A value that would break a config format: refused in one line, nothing written.
H config >/dev/null
cp "$T/nodes/n1.conf" "$SCRATCH/n1.conf"
sed -i 's/^append = .*/append = quiet ${net0\/ip}/' "$T/nodes/n1.conf"
check_rejects "an append with \${ (iPXE would expand it)" config
cp "$SCRATCH/n1.conf" "$T/nodes/n1.conf"
D="$SCRATCH/a tree"
if "$HOPELESS" -C "$D" init --server 10.7.0.1 --interface br7 >/dev/null 2>&1; then
	out=$("$HOPELESS" -C "$D" config 2>&1 >/dev/null); rc=$?
	one_refusal() { test "$rc" != 0 && test "$(printf '%s\n' "$out" | wc -l)" = 1 && { [[ "$out" == *"tree directory"* ]] || [[ "$out" == *"tree path"* ]]; }; }
	check "a tree path with a space: config refuses it in one line ($out)" one_refusal
	check "... and writes no config" test ! -e "$D/etc/dnsmasq.conf"
else
	ok "a tree path with a space is refused by init already"
fi

before=$(stat -c %Y.%i "$T/roots/compute/$(cat "$T/roots/compute/current")/etc/hosts")
sleep 1.1
H config >/dev/null
check "unchanged files are not rewritten" test "$(stat -c %Y.%i "$T/roots/compute/$(cat "$T/roots/compute/current")/etc/hosts")" = "$before"
check "second run reports nothing changed" sh -c "'$HOPELESS' -C '$T' config | grep -q '(0 changed)'"

# A real dnsmasq for this tree, in a private network namespace, with the pid
# file where hopeless serve keeps it: config must make it reread the nodes.
mkdir -p "$T/run"
if unshare -n sh -c "ip link add br9 type bridge && ip addr add 10.9.0.1/24 dev br9 && ip link set br9 up &&
	dnsmasq -C '$T/etc/dnsmasq.conf' --user=root --pid-file='$T/run/dnsmasq.pid' \
	--log-facility='$SCRATCH/dnsmasq.log' --dhcp-leasefile='$SCRATCH/leases'" 2>"$SCRATCH/dnsmasq.err"; then
	NS_PID=$(cat "$T/run/dnsmasq.pid")
	sleep 0.3
	check "dnsmasq read the hosts file at start" test "$(grep -c 'read .*dnsmasq-hosts.conf' "$SCRATCH/dnsmasq.log")" = 1
	H node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute --state tmpfs >/dev/null
	out=$(H config)
	check "config says dnsmasq reloaded ($out)" sh -c "echo '$out' | grep -q 'dnsmasq (pid $NS_PID) reloaded its node list'"
	sleep 0.5
	check "dnsmasq reread the hosts file on SIGHUP" test "$(grep -c 'read .*dnsmasq-hosts.conf' "$SCRATCH/dnsmasq.log")" = 2
	check "dnsmasq found no bad line" sh -c "! grep -q 'bad\|at line' '$SCRATCH/dnsmasq.log'"
	out=$(H config)
	check "no reload when nothing changed" sh -c "! echo '$out' | grep -q reloaded"
	kill "$NS_PID"; NS_PID=""
	sleep 0.2
	check "a stale pid file is ignored" sh -c "'$HOPELESS' -C '$T' node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 --root deb12 --overlay compute --state tmpfs >/dev/null && ! '$HOPELESS' -C '$T' config | grep -q reloaded"
else
	fail "could not start dnsmasq in a namespace: $(cat "$SCRATCH/dnsmasq.err")"
fi

# pxelinux files only where pxelinux.0 is ever sent.
check "a pxelinux node has its pxelinux file" test -f "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-12"
check "an iPXE node has none (its DHCP answer never names pxelinux.0)" test ! -e "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-11"
check "every node has its iPXE script (UEFI pxelinux nodes chain through iPXE)" test -f "$T/tftp/ipxe/52-54-00-00-09-12.ipxe"

# A removed node's boot files go.
rm "$T/nodes/n1.conf"
H config >/dev/null
check "stale pxelinux file removed" test ! -e "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-11"
check "stale iPXE script removed" test ! -e "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"
check "other nodes' files kept" test -e "$T/tftp/ipxe/52-54-00-00-09-12.ipxe"
check "removed node gone from the hosts file" sh -c "! grep -q 52:54:00:00:09:11 '$T/etc/dnsmasq-hosts.conf'"
H node set n2 --boot ipxe >/dev/null && H config >/dev/null
check "a node switched from pxelinux to ipxe loses its pxelinux file" test ! -e "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-12"
check "and keeps its iPXE script" test -f "$T/tftp/ipxe/52-54-00-00-09-12.ipxe"

# Scale: 10,000 registered nodes (written directly; node add would make
# 10,000 state images).
B=$SCRATCH/big
H2() { "$HOPELESS" -C "$B" "$@"; }
H2 init --server 10.8.0.1 --netmask 255.255.192.0 --interface br8 >/dev/null 2>&1 || H2 init --server 10.8.0.1 --interface br8 >/dev/null
H2 root add deb12 --from "$R" >/dev/null
H2 overlay add compute >/dev/null
awk -v B="$B" 'BEGIN {
	for (i = 0; i < 10000; i++) {
		ip = sprintf("10.8.%d.%d", int((i + 20) / 250), (i + 20) % 250 + 1)
		printf "hostname = n%d\nip = %s\nmac = 52:54:01:00:%02x:%02x\nstate = tmpfs\nboot = ipxe\nappend = \n", i, ip, int(i / 256), i % 256 > (B "/nodes/n" i ".conf")
		close(B "/nodes/n" i ".conf")
		print ip
	}
}' | while read -r ip; do echo "$B/clients/$ip"; done | xargs mkdir -p
start=$(date +%s.%N)
check "config over 10,000 nodes" H2 config
echo "# config over 10,000 nodes: $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s"
check "10,000 iPXE scripts" test "$(ls "$B/tftp/ipxe" | wc -l)" = 10000
check "dhcpd accepts the 10,000-node dhcpd.conf" dhcpd -t -q -cf "$B/etc/dhcpd.conf"
before=$(find "$B/etc" "$B/tftp" -type f -printf '%p %T@ %i\n' | sort | sha256sum)
start=$(date +%s.%N)
H2 config >/dev/null
echo "# unchanged rerun over 10,000 nodes: $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s"
check "an unchanged rerun over 10,000 nodes rewrites no file" test "$(find "$B/etc" "$B/tftp" -type f -printf '%p %T@ %i\n' | sort | sha256sum)" = "$before"
check "config --help" H config --help
done_testing
