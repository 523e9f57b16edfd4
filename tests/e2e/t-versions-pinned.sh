#!/bin/bash
# End to end: two nodes pinned to different versions of one root boot at the
# same time; each sees its own version, and hopeless status shows both.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --nodes 2 --hook "$(dirname "$0")/hooks/pinned.sh" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
line() { grep -a "LAB: $2" "$1" | tr -d '\r' | head -1 | sed "s/.*LAB: //"; }
c1=$W/console-1.log c2=$W/console-node2-1.log
check "version 2 was published before the boot" grep -q 'version 2 published' "$W/publish.log"
check "node1 pinned to lab-root@1" grep -q 'node node1 updated (root lab-root@1,' "$W/pin.log"
check "node1 runs version 1 ($(line "$c1" versions))" sh -c "echo '$(line "$c1" versions)' | grep -q 'root=lab-root@1 '"
check "node2 runs version 2 ($(line "$c2" versions))" sh -c "echo '$(line "$c2" versions)' | grep -q 'root=lab-root@2 '"
check "node1 sees version 1's files" test "$(line "$c1" 'data a')" = "data a = v1-a" -a "$(line "$c1" 'data b')" = "data b = v1-b"
check "node2 sees version 2's files" test "$(line "$c2" 'data a')" = "data a = v2-a" -a "$(line "$c2" 'data b')" = "data b = missing"
st=$("$HOPELESS" -C "$W/tree" status)
echo "$st"
check "status: node1 runs lab-root@1, pinned" sh -c "echo '$st' | grep -E '^node1 ' | grep -q 'lab-root@1,storage@\|lab-root@1,compute@' && echo '$st' | grep -E '^node1 ' | grep -q 'lab-root@1\*'"
check "status: node2 runs lab-root@2, pinned" sh -c "echo '$st' | grep -E '^node2 ' | grep -q 'lab-root@2,storage@' && echo '$st' | grep -E '^node2 ' | grep -q 'lab-root@2\*'"
rl=$("$HOPELESS" -C "$W/tree" root list)
echo "$rl"
check "root list: each version runs on its node and is pinned by it" sh -c "echo '$rl' | grep -E '^  lab-root@1 ' | grep -q 'running node1 .*pinned node1' && echo '$rl' | grep -E '^  lab-root@2 ' | grep -q 'running node2 .*pinned node2'"
rm -rf "$W"
done_testing
