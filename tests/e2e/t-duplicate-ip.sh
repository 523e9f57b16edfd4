#!/bin/bash
# End to end: two nodes with one address. While the node holds (its root's
# init waits), a twin VM with another MAC and the node's own address (static
# ip=) boots the same command line. Its ARP probe must find the address in
# use and the twin must refuse to take it, so the node's state image is never
# mounted twice; after hopeless.timeout it powers off (onfail=halt).
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --twin --hold 40 --timeout 150 \
	--append "hopeless.timeout=20 hopeless.onfail=halt" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log ct=$W/console-twin.log
check "lab exits 0" test "$rc" = 0
check "the node came up" grep -q 'HOPELESS-LAB-MARKER up' "$c1"
check "the node probed its address and found it free" sh -c "! grep -q 'is in use by\|also in use by' '$c1'"
check "the twin booted its init" grep -q 'hopeless-init: starting' "$ct"
check "the twin said: address in use by the node's MAC" grep -q "net: address .* is in use by 52:54:00:.*another machine has this node's address" "$ct"
check "the twin never mounted the state image" sh -c "! grep -q 'upper: rw.img on loop' '$ct'"
check "the twin never switched root" sh -c "! grep -q 'switchroot: exec' '$ct'"
check "the twin gave up and powered off (onfail=halt)" grep -q 'onfail=halt: powering off' "$ct"
check "the node held on to its state to the end" grep -q 'LAB: hold over' "$c1"
check "the lab ended the node's hold once the twin was down" grep -q 'LAB: released after' "$c1"
echo "# node net step: $(grep -o 'net: .* got .*([0-9.]* s)\|net: .* static .*' "$c1" | head -1)"
rm -rf "$W"
done_testing
