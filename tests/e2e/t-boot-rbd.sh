#!/bin/bash
# End to end, state rbd (issue 11): the lab's node, switched to state rbd on
# the lab's Ceph (hopeless lab --ceph, hook tests/e2e/hooks/rbd-state.sh),
# boots twice: hopeless-init maps its RBD clone through the kernel's rbd
# sysfs interface with its own key and mounts it as the upper; a file
# written on the first boot is there on the second; while the node runs,
# its kernel holds the image's exclusive lock and a second writer is
# refused; node diff and inspect read what it wrote, and node reset after
# the last boot keeps it in a backup snapshot.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
HOPELESS=$HOPELESS "$HOPELESS" lab --ceph --boot direct --state image --boots 2 --hold 10 \
	--hook "$TOP/tests/e2e/hooks/rbd-state.sh" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
check "node-up line printed for both boots" test "$(grep -c '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out")" = 2
c1=$W/console-1.log c2=$W/console-2.log
check "the command line says hopeless.state=rbd" grep -q 'command line: .*hopeless.state=rbd' "$SCRATCH/lab.out"
check "the init mapped the RBD image" grep -q 'upper: RBD image rbd/hopeless-state-node1 on /dev/rbd0' "$c1"
check "the upper step reports the RBD image" grep -q 'upper: RBD image (persistent)' "$c1"
check "first boot finds no earlier state" grep -q 'LAB: persisted = none' "$c1"
w1=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c1" | sed 's/LAB: wrote //' | head -1)
check "first boot wrote a file" test -n "$w1"
check "node diff (before boot 2) lists what boot 1 wrote" grep -qx 'A /var/lab/persist' "$W/rbd-diff"
check "  and exits 0" grep -qx 'rc=0' "$W/rbd-diff"
check "node inspect /var/lab/persist prints it" grep -qx "$w1" "$W/rbd-inspect"
check "the node's image carries its snapshot pristine (node reset's)" grep -q ' pristine ' "$W/rbd-snaps"
check "second boot mapped the image again" grep -q 'upper: RBD image rbd/hopeless-state-node1 on /dev/rbd0' "$c2"
check "second boot reads the file of the first" grep -q "LAB: persisted = $w1" "$c2"
check "the node's secret was kept for this check" test -s "$W/node-secret"
check "no secret on the console" sh -c "! grep -qF \"\$(cat '$W/node-secret')\" '$c1' '$c2'"
check "while the node ran, its kernel held the image's lock" grep -q 'auto' "$W/rbd-1.locks"
check "and a second writer was refused" sh -c "! grep -qx 'rc=0' '$W/rbd-1.second'"
check "the lock was still the node's on the second boot" grep -q 'auto' "$W/rbd-2.locks"
check "while the node runs, no other client gets a snapshot of its image" sh -c "! grep -qx 'rc=0' '$W/rbd-1.snap'"
sed 's/^/# snap create while up: /' "$W/rbd-1.snap"
w2=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c2" | sed 's/LAB: wrote //' | head -1)
check "after the last boot (its lock broken), node reset works" grep -qx 'rc=0' "$W/rbd-reset"
check "  its backup snapshot holds what the second boot wrote" test -n "$w2" -a "$(cat "$W/rbd-backup.persist" 2>/dev/null)" = "$w2"
check "  and node diff of the reset image lists nothing" test "$(cat "$W/rbd-diff-after")" = "rc=0"
sed 's/^/# second writer: /' "$W/rbd-1.second"
rm -rf "$W"
done_testing
