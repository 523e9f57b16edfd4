#!/bin/bash
# End to end: what a node may not do. A second node (node2) is registered, so
# its state export exists, but not booted. node1's init tries (LAB: ... lines):
# to mount node2's writable state export (the same mount of its own works, as
# a control), to create a file in its own state export (root is squashed),
# to mount node2's overlay (storage, which has a shadow file) and an overlay
# no node uses, to write the shared roots through a read-write NFS mount and
# through its own mounts under /run/hopeless, and to write its host overlay.
# Then an intruder VM at an unregistered address tries every export and
# forges a boot event for node1 (all refused, the event dropped).
# Meanwhile a VM with a MAC nobody registered PXE-boots for 25 s: it must get
# no DHCP offer and no boot file.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --probe-security --boot ipxe --state image --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
c=$W/console-1.log
T=$W/tree
ip1=$(sed -n 's/^ip *= *//p' "$T/nodes/node1.conf")
ip2=$(sed -n 's/^ip *= *//p' "$T/nodes/node2.conf")
check "node1 came up" grep -q 'HOPELESS-LAB-MARKER up' "$c"
check "node2 is registered and its state export is configured" \
	sh -c "test -n '$ip2' && test -f '$T/state/$ip2/rw.img' && grep -q 'Pseudo = \"/state/$ip2\"' '$T/etc/ganesha.conf'"
check "control: node1 can mount its own state export the same way" grep -q 'LAB: mount-own-state ok' "$c"
check "node1 cannot mount node2's state export" grep -q 'LAB: mount-other-state refused' "$c"
check "no mount of another node's state was allowed" sh -c "! grep -q 'mount-other-state ALLOWED' '$c'"
check "node1 cannot create a file in its own state export (root squashed)" grep -q 'LAB: create-in-own-state refused' "$c"
check "no file created in node1's state dir on the head node" test "$(ls -A "$T/state/$ip1")" = rw.img
check "node1 cannot plant a symlink in its state export" grep -q 'LAB: symlink-in-own-state refused' "$c"
check "node1 cannot replace or move its image" grep -q 'LAB: replace-own-image refused' "$c"
check "node1's rw.img is still a regular file" test -f "$T/state/$ip1/rw.img" -a ! -L "$T/state/$ip1/rw.img"
# The intruder: a VM at an unregistered address on the cluster network.
ci=$W/console-intruder.log
iip=$(sed -n 's/.*intruder: starting qemu (direct boot, unregistered address \([0-9.]*\),.*/\1/p' "$SCRATCH/lab.out")
check "the intruder ran at an unregistered address ($iip)" sh -c "test -n '$iip' && grep -q 'LAB: intruder at $iip/' '$ci' && ! grep -rq '^ip *= *$iip\$' '$T/nodes'"
check "the intruder finished its probes" grep -q 'LAB: intruder done' "$ci"
check "the intruder tried 8 exports, all refused" test "$(grep -c 'LAB: intruder-mount .* refused' "$ci")" = 8
check "no export was allowed to the intruder" sh -c "! grep -q 'LAB: intruder-mount .* ALLOWED' '$ci'"
check "the intruder read no shadow file" sh -c "! grep -q 'LAB: intruder-shadow' '$ci'"
# Not a check: ganesha's NFSv4 pseudo file system shows any host the names
# of the export directories (no content; docs/security.md, "Limits").
echo "# the pseudo root as the intruder sees it: $(grep -o 'LAB: intruder-pseudo-root.*' "$ci" | tr -d '\r')"
check "the intruder sent its forged event" grep -q 'LAB: intruder sent a forged event' "$ci"
check "the forged event is not in events.log" sh -c "! grep -q 'intruder-forged-event' '$T/log/events.log'"
check "nothing from the intruder's address in events.log" sh -c "! grep -q ' $iip ' '$T/log/events.log'"
check "serve dropped the intruder's datagram as from an unregistered address" \
	grep -q "dropped a datagram from $iip.*not a registered node's address" "$W/serve.log"
check "hopeless status shows no forged event for node1" sh -c "! '$HOPELESS' -C '$T' status 2>/dev/null | grep -q intruder-forged"
# What the node tried to plant (and, as if it had succeeded, planted here by
# hand), then the administrator's commands on that node: no head-node file
# outside the tree may change. /etc is digested as the decoy.
ln -s /etc/passwd "$T/state/$ip1/lab-link"
digest_etc() { find /etc -xdev -type f -readable -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum; }
etc_before=$(digest_etc)
H() { "$HOPELESS" -C "$T" "$@"; }
check "node reset --force on node1" sh -c "'$HOPELESS' -C '$T' node reset node1 --force >/dev/null 2>&1"
check "node set --state tmpfs, then image" sh -c "'$HOPELESS' -C '$T' node set node1 --state tmpfs >/dev/null && '$HOPELESS' -C '$T' node set node1 --state image >/dev/null"
check "node inspect node1 /etc/hostname" test "$(H node inspect node1 /etc/hostname 2>/dev/null)" = node1
ln -sfn /etc/passwd "$T/state/$ip1/rw.img"
check "node inspect with rw.img a symlink fails in one line" sh -c "test \$('$HOPELESS' -C '$T' node inspect node1 /etc/hostname 2>&1 >/dev/null | wc -l) = 1"
check "node rm --purge --force on node1" sh -c "'$HOPELESS' -C '$T' node rm node1 --purge --force >/dev/null 2>&1"
check "no file under /etc changed" test "$(digest_etc)" = "$etc_before"
check "node1's state is gone, nothing left behind" test ! -e "$T/state/$ip1"
check "node1 cannot mount node2's overlay (storage)" grep -q 'LAB: mount-layer-storage refused' "$c"
check "node1 cannot mount a layer no node uses" grep -q 'LAB: mount-layer-unused refused' "$c"
check "node1 read no shadow file of another layer" sh -c "! grep -q 'LAB: read-shadow' '$c'"
check "the state export squashes root to state_uid" grep -q "Anonymous_Uid = $(sed -n 's/^state_uid *= *//p' "$T/hopeless.conf");" "$T/etc/ganesha.conf"
check "the roots export mounted read-write on the client side" grep -q 'LAB: roots-rw-mount rw' "$c"
check "writing the root through that mount is refused" grep -q 'LAB: write-roots-rw-mount refused' "$c"
check "writing /run/hopeless/roots/lab-root is refused" grep -q 'LAB: write-roots-lab-root refused' "$c"
check "writing /run/hopeless/roots/compute is refused" grep -q 'LAB: write-roots-compute refused' "$c"
check "writing the host overlay /run/hopeless/client is refused" grep -q 'LAB: write-client refused' "$c"
check "no write was allowed" sh -c "! grep -q 'LAB: write-.* ALLOWED' '$c'"
check "no probe file in the root, the overlay or the host overlay on the head node" \
	sh -c "! ls '$T/roots/lab-root/probe' '$T/roots/compute/probe' '$T/clients/$ip1/probe' 2>/dev/null | grep -q ."
check "node2's state is untouched (empty directory but its image)" test "$(ls -A "$T/state/$ip2")" = rw.img
# The unregistered MAC: seen, never answered.
mac=$(sed -n 's/.*stray: starting qemu (PXE boot, unregistered MAC \([0-9a-f:]*\),.*/\1/p' "$SCRATCH/lab.out")
log=$W/dnsmasq.log
check "the stray VM ran with an unregistered MAC ($mac)" sh -c "test -n '$mac' && ! grep -rqi 'mac *= *$mac' '$T/nodes'"
check "dnsmasq saw the stray's DHCPDISCOVER" grep -qi "DHCPDISCOVER([^)]*) $mac" "$log"
check "dnsmasq had no address for it" grep -qi "DHCPDISCOVER([^)]*) $mac no address available" "$log"
check "no DHCPOFFER to the stray" sh -c "! grep -qi 'DHCPOFFER([^)]*) [0-9.]* $mac' '$log'"
check "no DHCPACK to the stray" sh -c "! grep -qi 'DHCPACK([^)]*) [^ ]* *$mac' '$log'"
xids=$(grep -i "DHCPDISCOVER([^)]*) $mac" "$log" | awk '{print $5}' | sort -u)
sent=0
for x in $xids; do grep -q "]: $x sent " "$log" && sent=1; done
check "dnsmasq sent nothing in the stray's transactions (xids: $(echo $xids))" test -n "$xids" -a "$sent" = 0
check "dnsmasq logged TFTP transfers to node1 ($ip1)" grep -q "dnsmasq-tftp.*sent .* to $ip1\$" "$log"
check "every TFTP transfer went to node1 ($ip1)" \
	sh -c "! grep 'dnsmasq-tftp.* to [0-9.]*' '$log' | grep -v ' to $ip1\$' | grep -q ."
check "the stray never got an address (no DHCP lease)" sh -c "! grep -qi '$mac' '$W/dnsmasq.leases' 2>/dev/null"
rm -rf "$W"
done_testing
