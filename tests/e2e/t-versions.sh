#!/bin/bash
# End to end: versions of a root. Boot 1 reads files of its root in a loop
# while `hopeless shell` publishes version 2 (one file changed, one deleted):
# the running node sees no change and no error. Boot 2 gets version 2; after
# `root rollback`, boot 3 gets version 1 again. Then gc: it refuses the
# version the node runs (naming it) and removes only what no one needs.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boots 3 --hold 25 --hook "$(dirname "$0")/hooks/versions.sh" --workdir "$W" --keep \
	> "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
T=$W/tree
H() { "$HOPELESS" -C "$T" "$@"; }
line() { grep -a "LAB: $2" "$W/console-$1.log" | tr -d '\r' | head -1 | sed "s/.*LAB: //"; }

check "boot 1 runs root version 1 ($(line 1 versions))" sh -c "echo '$(line 1 versions)' | grep -q 'root=lab-root@1 '"
check "boot 1 read the version 1 files" test "$(line 1 'data a')" = "data a = v1-a" -a "$(line 1 'data b')" = "data b = v1-b"
check "version 2 was published while boot 1 read" grep -q 'root lab-root: version 2 published' "$W/publish.log"
check "the publish succeeded" grep -q 'publish rc=0 ' "$W/publish.log"
reads=$(line 1 read-loop)
check "boot 1 kept reading ($reads)" sh -c "echo '$reads' | grep -Eq '^read-loop [1-9][0-9]* reads'"
check "boot 1 saw no change and no error across the publish ($reads)" sh -c "echo '$reads' | grep -q ', 0 changed or failed'"
check "boot 2 runs root version 2 ($(line 2 versions))" sh -c "echo '$(line 2 versions)' | grep -q 'root=lab-root@2 '"
check "boot 2 sees the changed file" test "$(line 2 'data a')" = "data a = v2-a"
check "boot 2 sees the deleted file gone" test "$(line 2 'data b')" = "data b = missing"
check "boot 2 sees the unchanged file" test "$(line 2 'data c')" = "data c = v1-c"
check "rollback made version 1 the default" grep -q 'version 1 is the default again (was 2)' "$W/rollback.log"
check "boot 3 runs root version 1 again ($(line 3 versions))" sh -c "echo '$(line 3 versions)' | grep -q 'root=lab-root@1 '"
check "boot 3 sees the old files" test "$(line 3 'data a')" = "data a = v1-a" -a "$(line 3 'data b')" = "data b = v1-b"

# Unchanged files are shared between the versions; changed ones are not.
d1=$T/roots/lab-root/1/etc/hopeless-lab/data d2=$T/roots/lab-root/2/etc/hopeless-lab/data
check "an unchanged file is one inode in both versions" test "$(stat -c %i "$d1/c")" = "$(stat -c %i "$d2/c")"
check "the changed file is a new inode" test "$(stat -c %i "$d1/a")" != "$(stat -c %i "$d2/a")"
check "version 1 was never written" test "$(cat "$d1/a")" = v1-a -a -f "$d1/b"

# What runs where.
st=$(H status)
echo "$st"
check "status: node1 runs lab-root@1" sh -c "echo '$st' | grep -E '^node1 ' | grep -q 'lab-root@1,compute@'"
nl=$(H node list)
echo "$nl"
check "node list: node1 runs lab-root@1 and gets lab-root@1 next" sh -c "echo '$nl' | grep -E '^node1 ' | grep -q 'lab-root@1,compute@[0-9]* *lab-root@1,compute@'"
rl=$(H root list)
echo "$rl"
check "root list: version 1 is the default and runs on node1" sh -c "echo '$rl' | grep -E '^  lab-root@1 ' | grep -q 'default.*running node1'"

# gc: a version 3 (newest), 2 (nobody), 1 (default, running on node1).
H shell --root lab-root -- sh -c 'echo v3 > /etc/hopeless-lab/data/a' 2>/dev/null
out=$(H root gc lab-root --version 1 2>&1); rc=$?
check "gc refuses the version node1 runs, naming it ($out)" sh -c "test $rc != 0 && echo '$out' | grep -q 'lab-root@1: not removed: running on node1'"
check "... and keeps it" test -d "$T/roots/lab-root/1"
out=$(H root gc lab-root --keep 1 2>&1); rc=$?
echo "$out"
check "gc --keep 1 removes version 2 only (rc=$rc)" sh -c "test $rc = 0 -a ! -e '$T/roots/lab-root/2' -a -d '$T/roots/lab-root/1' -a -d '$T/roots/lab-root/3'"
check "gc says what it removed" sh -c "echo '$out' | grep -q 'lab-root@2 removed' && echo '$out' | grep -q '1 version(s) removed'"
check "version 1's files survive gc of version 2 (hard links)" test "$(cat "$d1/c")" = v1-c
rm -rf "$W"
done_testing
