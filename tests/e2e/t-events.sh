#!/bin/bash
# End to end: boot events. The lab runs `hopeless serve --events-only` in its
# namespace; after one boot, `hopeless status` shows the node at switchroot,
# `status --json` names it, and events.log holds every phase the node went
# through (modules, dhcp, mounted, union, switchroot).
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot ipxe --state tmpfs --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
check "the lab printed the status table after the boot" grep -Eq '^lab:   node1 +[0-9.]+ +switchroot ' "$SCRATCH/lab.out"
"$HOPELESS" -C "$W/tree" status > "$SCRATCH/status.out" 2>&1
src=$?
cat "$SCRATCH/status.out"
check "status exits 0" test "$src" = 0
check "status has the header (NODE IP PHASE WHEN AGE RUNNING NEXT-BOOT LAST ERROR)" \
	grep -Eq '^NODE +IP +PHASE +WHEN +AGE +RUNNING +NEXT-BOOT +LAST ERROR$' "$SCRATCH/status.out"
check "status: node1 runs and gets lab-root and compute versions" \
	grep -Eq '^node1 .* lab-root@[0-9]+,compute@[0-9]+ +lab-root@[0-9]+,compute@[0-9]+ +-$' "$SCRATCH/status.out"
# node, IP, last phase, when (date time), age, last error: none for a clean boot
check "status: node1, its IP, last phase switchroot, no error" \
	grep -Eq '^node1 +10\.[0-9]+\.[0-9]+\.10 +switchroot +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} .* -$' "$SCRATCH/status.out"
"$HOPELESS" -C "$W/tree" status --json > "$SCRATCH/status.json" 2>&1
check "status --json exits 0" test $? = 0
check "status --json parses and names node1 at switchroot, registered, no error" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = [x for x in d["nodes"] if x["hostname"] == "node1"]
assert len(n) == 1, d
n = n[0]
assert n["registered"] is True and n["phase"] == "switchroot" and n["last_error"] is None, n
assert n["ip"].endswith(".10") and n["source"] == n["ip"], n
' "$SCRATCH/status.json"
log=$W/tree/log/events.log
for id in modules dhcp mounted union switchroot; do
	check "events.log has a $id event from node1" \
		grep -Eq "^[0-9TZ:.-]+ [0-9.]+ <[0-9]+>1 [^ ]+ node1 hopeless-init [^ ]+ $id " "$log"
done
check "events.log has no failure or retry" sh -c "! grep -Eq ' hopeless-init [^ ]+ (failure|retry) ' '$log'"
check "the receiver accepted events and rejected none" grep -q '[1-9][0-9]* event(s) accepted, 0 datagram(s) rejected' "$W/serve.log"
rm -rf "$W"
done_testing
