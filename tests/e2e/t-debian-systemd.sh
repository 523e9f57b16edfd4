#!/bin/bash
# End to end with a real distribution: a Debian bookworm root (mmdebstrap
# minbase + systemd-sysv, openssh-server, ..., linux-image-cloud-amd64; built
# once per machine, cached in cache/roots/), the cluster overlay from the
# netroot template, node1 from the default host template, booted twice through
# the iPXE chain with state=image and systemd as init (hopeless lab --root
# debian). A lab-only service reports on the console once the boot is over,
# then powers the node off with systemctl poweroff.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
# --hold 20: while each boot holds, the lab logs in over ssh (root, its own
# key in the overlay, the node's host key from clients/<ip> as the only
# known host).
HOPELESS=$HOPELESS "$HOPELESS" lab --root debian --boot ipxe --state image --boots 2 --hold 20 \
	--workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
out=$SCRATCH/lab.out c1=$W/console-1.log c2=$W/console-2.log
check "lab exits 0" test "$rc" = 0
# (--keep adds 'lab: files kept in DIR' after it, from the lab's cleanup)
check "the lab's output ends with the node-up line" \
	sh -c "grep -v '^lab: files kept in ' '$out' | tail -n 1 | grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$'"
check "node-up line printed for both boots" test "$(grep -c '^hopeless: node node1 (.*) up in [0-9.]* s$' "$out")" = 2
check "iPXE chain: nginx sent the node's iPXE script" grep -q '"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1" 200 ' "$W/tree/log/http-access.log"
check "the cluster overlay comes from the netroot template" \
	test -f "$W/tree/roots/compute/1/etc/systemd/network/00-hopeless-boot.network"
for c in "$c1" "$c2"; do
	b=$(basename "$c" .log)
	check "$b: systemd is PID 1" grep -q 'LAB: pid1 systemd' "$c"
	state=$(grep -o 'LAB: system state [a-z-]*' "$c" | head -n 1 | sed 's/LAB: system state //')
	check "$b: systemd reached 'running' (got '${state:-nothing}')" test "$state" = running
	if [ "$state" != running ]; then
		grep 'LAB: failed units\|LAB: failed-log' "$c" | tr -d '\r' | sed 's/^/# /'
	fi
	check "$b: no failed units" grep -q 'LAB: failed units none' "$c"
	check "$b: sshd active" grep -q 'LAB: sshd active' "$c"
	check "$b: hostname is the node's" grep -q 'LAB: hostname node1' "$c"
	check "$b: the root's files are owned by root on the node" grep -q 'LAB: owner /usr/bin/mount 0:0 ' "$c"
	check "$b: ssh login as root with the host overlay's host key" \
		grep -q "boot ${b#console-}: ssh root@.*: ok: node1 running" "$out"
	check "$b: powered off by itself after the marker" grep -q "boot ${b#console-}: powered off .* after the marker" "$out"
done
ip=$(ls "$W/tree/clients" | head -n 1)
hostkey=$(cut -d' ' -f2 "$W/tree/clients/$ip/etc/ssh/ssh_host_ed25519_key.pub" 2>/dev/null)
rootkey=$(cut -d' ' -f2 "$W/tree/roots/lab-root/1/etc/ssh/ssh_host_ed25519_key.pub" 2>/dev/null)
nodekey=$(grep -o 'LAB: sshkey [^ ]*' "$c1" | head -n 1 | tr -d '\r' | sed 's/LAB: sshkey //')
check "ed25519 host key on the node is the host overlay's" test -n "$hostkey" -a "$nodekey" = "$hostkey"
check "the host overlay's key is not the root's" test -n "$rootkey" -a "$hostkey" != "$rootkey"
check "file in all three layers reads as the host's" grep -q 'LAB: layer all = host' "$c1"
check "file in overlay and root reads as the overlay's" grep -q 'LAB: layer overlay-root = overlay' "$c1"
check "file only in the root reads as the root's" grep -q 'LAB: layer root-only = root' "$c1"
check "first boot finds no earlier state" grep -q 'LAB: persisted = none' "$c1"
w1=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c1" | sed 's/LAB: wrote //' | head -n 1)
w2=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c2" | sed 's/LAB: wrote //' | head -n 1)
check "first boot wrote a file in /var" test -n "$w1"
check "second boot reads the file of the first" grep -q "LAB: persisted = $w1" "$c2"
img=$W/tree/state/$ip/rw.img
got=$(debugfs -R 'cat /upper/var/lab/persist' "$img" 2>/dev/null | tr -d '\r')
check "head node reads the node's last write from rw.img ($got)" test -n "$got" -a "$got" = "$w2"
check "the state image is clean after the power-off" \
	sh -c "dumpe2fs -h '$img' 2>/dev/null | grep -q '^Filesystem state: *clean'"
# Without Only_Numeric_Owners every file showed as uid 4294967294 and
# systemd's API mounts failed (setuid mount ran as that user).
check "hopeless config gives nfs-ganesha Only_Numeric_Owners" grep -q 'Only_Numeric_Owners = true;' "$W/tree/etc/ganesha.conf"
check "Debian's absolute /sbin/init symlink was found in the new root" grep -q 'switchroot: exec /sbin/init' "$c1"
grep -o 'Debian root built in [0-9.]* s.*' "$out" | sed 's/^/# root build (first time): /'
grep -o 'Debian root imported from .* in [0-9.]* s' "$out" | sed 's/^/# root: /'
grep -o 'node node1 (.*) up in [0-9.]* s' "$out" | sed 's/^/# qemu start to marker: /'
grep -o 'boot [0-9]: powered off .* after the marker' "$out" | sed 's/^/# marker to power-off: /'
grep -h -o 'LAB: startup .*' "$c1" "$c2" | tr -d '\r' | sed 's/^/# systemd: /'
rm -rf "$W"
done_testing
