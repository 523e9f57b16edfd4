#!/bin/bash
# End to end: a state image already mounted by a running node is not mounted
# a second time. The image is made with ext4 multi-mount protection (--mmp);
# while the node holds (its root's init waits), a twin VM with another MAC and
# the node's own address (static ip=) boots the same command line: its init
# must refuse the image with "state image in use by another node" and stop.
# The twin is on a segment of its own behind a second nfs-ganesha from the
# same tree (--twin-segment), as a node of another head would be: on the
# node's own segment the two VMs fight over the address (the server's ARP
# entry flips between them), the node's MMP writes stall, and the twin's
# check could pass for want of them. The twin's ARP probe finds the address
# free on its segment (t-duplicate-ip.sh tests the probe on one segment), so
# here the second guard is tested on its own.
# The node holds until the twin is down (the lab then releases it), at most
# 240 s: the kernel's MMP wait grows with the time the node's MMP writes take,
# past a minute on a loaded machine.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --mmp --twin-segment --hold 240 --timeout 300 \
	--append "hopeless.timeout=20 hopeless.onfail=halt" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log ct=$W/console-twin.log
check "lab exits 0" test "$rc" = 0
check "the node came up" grep -q 'HOPELESS-LAB-MARKER up' "$c1"
check "the node's image has multi-mount protection" sh -c "dumpe2fs -h '$W'/tree/state/*/rw.img 2>/dev/null | grep -q 'features:.*mmp'"
check "the twin booted its init" grep -q 'hopeless-init: starting' "$ct"
check "the twin used the node's address statically" grep -q 'net: .* static ' "$ct"
check "the twin was on a segment of its own, behind a second nfs-ganesha" \
	sh -c "grep -q 'twin: starting qemu .*on its own segment' '$SCRATCH/lab.out' && grep -q 'nfs-ganesha running (pid [0-9]*) in hl-twin-' '$SCRATCH/lab.out'"
check "the twin said: state image in use by another node" grep -q 'upper: state image in use by another node' "$ct"
check "the twin named the holder (node1)" grep -q "mounted by 'node1'" "$ct"
check "the twin never switched root" sh -c "! grep -q 'switchroot: exec' '$ct'"
check "the twin gave up and powered off (onfail=halt)" grep -q 'onfail=halt: powering off' "$ct"
check "the node held on to its state to the end" grep -q 'LAB: hold over' "$c1"
check "the lab ended the node's hold once the twin was down" grep -q 'LAB: released after' "$c1"
# Boot cost of the check (not asserted): the upper step of the node with a
# clean image, and the twin's wait before the kernel refused.
echo "# node upper step: $(grep -o 'upper: rw.img on loop (persistent) ([0-9.]* s)' "$c1" | head -1)"
echo "# twin refusals: $(grep -c 'state image in use by another node' "$ct"); MMP waits (uptime of wait start and refusal):"
grep -E 'multi-mount protection waits|state image in use' "$ct" | sed 's/^\[ *\([0-9.]*\)\].*\(waits\|in use\).*/#   \1 \2/'
rm -rf "$W"
done_testing
