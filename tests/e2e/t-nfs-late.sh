#!/bin/bash
# End to end: the NFS server is down when the node boots and comes up 20 s
# later. The init logs every failed attempt with the reason, retries with
# backoff and comes up once the server answers. Direct kernel boot, so the
# init starts well before the server.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --nfs-delay 20 --timeout 150 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node-up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
fails=$(grep -c 'hopeless-init: ERROR: nfs: mount .*Connection refused' "$c1")
check "the init logged the refused NFS mounts ($fails)" test "$fails" -ge 2
check "each failure says what to check" grep -q 'Connection refused (is the NFS server running' "$c1"
check "the init announced its retries with backoff" grep -q 'attempt 2 failed (Connection refused); retrying in [345]\.[0-9] s' "$c1"
check "the union was mounted in the end" grep -q 'hopeless-init: union: ' "$c1"
check "the root's init ran" grep -q 'LAB: root init running' "$c1"
t_fail=$(grep -m1 'ERROR: nfs: mount' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
t_union=$(grep -m1 'hopeless-init: union: ' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "# recovery: first NFS failure at ${t_fail} s, union at ${t_union} s (uptime): $(awk -v a="$t_union" -v b="$t_fail" 'BEGIN { printf "%.1f", a - b }') s"
rm -rf "$W"
done_testing
