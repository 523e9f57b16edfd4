#!/bin/bash
# End to end: a state image already mounted by a running node is not mounted
# a second time. The image is made with ext4 multi-mount protection (--mmp);
# while the node holds (its root's init waits), a twin VM with another MAC and
# the node's own address (static ip=) boots the same command line: its init
# must refuse the image with "state image in use by another node" and stop.
# hopeless.arp=off: the ARP probe would stop the twin before it reaches the
# image (t-duplicate-ip.sh); here the second guard is tested on its own.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --mmp --twin --hold 60 --timeout 150 \
	--append "hopeless.timeout=20 hopeless.onfail=halt hopeless.arp=off" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log ct=$W/console-twin.log
check "lab exits 0" test "$rc" = 0
check "the node came up" grep -q 'HOPELESS-LAB-MARKER up' "$c1"
check "the node's image has multi-mount protection" sh -c "dumpe2fs -h '$W'/tree/state/*/rw.img 2>/dev/null | grep -q 'features:.*mmp'"
check "the twin booted its init" grep -q 'hopeless-init: starting' "$ct"
check "the twin used the node's address statically" grep -q 'net: .* static ' "$ct"
check "the twin said: state image in use by another node" grep -q 'upper: state image in use by another node' "$ct"
check "the twin named the holder (node1)" grep -q "mounted by 'node1'" "$ct"
check "the twin never switched root" sh -c "! grep -q 'switchroot: exec' '$ct'"
check "the twin gave up and powered off (onfail=halt)" grep -q 'onfail=halt: powering off' "$ct"
check "the node held on to its state to the end" grep -q 'LAB: hold over' "$c1"
# Boot cost of the check (not asserted): the upper step of the node with a
# clean image, and the twin's wait before the kernel refused.
echo "# node upper step: $(grep -o 'upper: rw.img on loop (persistent) ([0-9.]* s)' "$c1" | head -1)"
echo "# twin refusals: $(grep -c 'state image in use by another node' "$ct"); MMP waits (uptime of wait start and refusal):"
grep -E 'multi-mount protection waits|state image in use' "$ct" | sed 's/^\[ *\([0-9.]*\)\].*\(waits\|in use\).*/#   \1 \2/'
rm -rf "$W"
done_testing
