#!/bin/bash
# End to end: node capture. On boot 1 node1 writes /srv/app/state and syncs;
# while it is up, `node diff` lists the file (read from a copy of the image
# in use) and `node capture` refuses without a reflink snapshot. After it
# powered off, `node capture --into compute --force` publishes the next
# version of the overlay; node2 (until then of the storage class) is set to
# that version and, on boot 2, sees node1's file through it.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --nodes 2 --boots 2 --hold 10 --hook "$(dirname "$0")/hooks/capture.sh" --workdir "$W" --keep \
	> "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
T=$W/tree
line() { grep -a "LAB: $2" "$W/console-$1.log" | tr -d '\r' | head -1 | sed "s/.*LAB: //"; }
line2() { grep -a "LAB: $2" "$W/console-node2-$1.log" | tr -d '\r' | head -1 | sed "s/.*LAB: //"; }
for f in diff-up.out diff-up.err capture-up.log diff-down.out diff-down.err capture.log set.log; do
	echo "# --- $f"; sed 's/^/# /' "$W/$f" 2>/dev/null
done

check "boot 1 wrote the file ($(line 1 app-state))" test "$(line 1 'app-state w')" = "app-state written"
check "diff while the node is up lists it" grep -qx "A /srv/app/state" "$W/diff-up.out"
check "diff while the node is up exits 0" grep -qx "rc=0" "$W/diff-up.err"
check "diff while the node is up says it read a copy of an image in use" grep -q "image is in use" "$W/diff-up.err"
touch "$SCRATCH/r1"
if cp --reflink=always "$SCRATCH/r1" "$SCRATCH/r2" 2>/dev/null; then
	check "capture while up: from a snapshot" grep -q "from a snapshot of its image taken at" "$W/capture-up.log"
else
	check "capture while up: refused, no consistent snapshot" grep -q "is up and .* has no reflinks, so no consistent snapshot" "$W/capture-up.log"
fi
check "diff once the node is down still lists it" grep -qx "A /srv/app/state" "$W/diff-down.out"
check "capture published the next overlay version" grep -q "hopeless: overlay compute: version [0-9]* published from node1's changes" "$W/capture.log"
check "capture exits 0" grep -qx "rc=0" "$W/capture.log"
n=$(sed -n "s/.*overlay compute: version \([0-9]*\) published.*/\1/p" "$W/capture.log" | tail -1)
check "the overlay version holds the file" test "$(cat "$T/roots/compute/$n/srv/app/state" 2>/dev/null)" = "written-by-node1"
check "the node's hostname and ssh keys were left out" test ! -e "$T/roots/compute/$n/etc/hostname" -a ! -e "$T/roots/compute/$n/etc/ssh"
check "node2 was set to the captured version" grep -q "node node2 updated (root lab-root, overlay compute@$n," "$W/set.log"
check "node2 did not see the file on boot 1" test "$(line2 1 'app-state =')" = "app-state = missing"
check "node2 boots the captured overlay version ($(line2 2 versions))" sh -c "echo '$(line2 2 versions)' | grep -q 'overlay=compute@$n'"
check "node2 sees node1's file through the overlay" test "$(line2 2 'app-state =')" = "app-state = written-by-node1"
check "node2 did not write it itself" sh -c "! grep -q 'LAB: app-state written' '$W/console-node2-1.log' '$W/console-node2-2.log'"
rm -rf "$W"
done_testing
