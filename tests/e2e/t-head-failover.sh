#!/bin/bash
# End to end, head failover (issue 11): hopeless lab --ceph --state image
# boots node1 from head h1, its state image (rw.img) on CephFS behind h1
# over NFSv3. While it holds, the node appends a counter to a file in its
# state and syncs it every 0.2 s (hook tests/e2e/hooks/head-failover.sh);
# h1 dies (SIGKILL of its ganesha, its address deleted); `hopeless head
# watch` on h2 sees it miss three probes and takes it over (`hopeless head
# takeover h1`: an ARP probe nobody answers, h1's
# address on h2's interface, gratuitous ARP, a ganesha with h1's generated
# configuration and node id beside h2's own). Once the node writes again,
# h2 gives h1 back (`hopeless head release h1`) and h1 restarts. The node
# must keep running without a reboot, its writes must resume after both
# moves, h2's rpcbind must still register NFSv3 after the release, and
# every value the node reported synced, before, during and after, must be
# in the image as a fresh CephFS client reads it afterwards (head side).
. "$(dirname "$0")/../lib.sh"
T0=$(date +%s)
W=$SCRATCH/lab
HOPELESS=$HOPELESS "$HOPELESS" lab --ceph --state image --boot direct --boots 1 --hold 75 \
	--hook "$TOP/tests/e2e/hooks/head-failover.sh" --workdir "$W" --keep --timeout 240 > "$SCRATCH/lab.out" 2>&1
rc=$?
grep -v 'LAB: synced' "$SCRATCH/lab.out"
C=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node1 came up" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
H1=$(sed -n 's/.*head h1: nfs-ganesha (pid [0-9]*, node id h1) listening on \([0-9.]*\) in namespace hl-h1-.*/\1/p' "$SCRATCH/lab.out")
check "h1 ran on its own namespace ($H1)" test -n "$H1"
check "node1 mounted its layers and state from h1" grep -q "nfs: $H1:/state/" "$C"
check "its upper is the state image over NFS" grep -q 'upper: rw.img on loop (persistent)' "$C"
check "h1 was killed while the node wrote" grep -q 'failover: h1 killed (ganesha SIGKILL, address deleted) after the node synced [1-9]' "$SCRATCH/lab.out"
check "hopeless head watch on h2 saw h1 miss its probes and took it over" \
	grep -q "failover: watch: hopeless: head watch: h1 ($H1) missed 3 probes 1.0 s apart: taking over" "$SCRATCH/lab.out"
check "hopeless head takeover h1 on h2: h1's address up, a ganesha with node id h1 listening on it" \
	grep -q "takeover: hopeless: head h1 ($H1) taken over by h2 on eth0: ARP probe unanswered in [0-9.]* s, address up after [0-9.]* s, nfs-ganesha (pid [0-9]*, node id h1) listening after [0-9.]* s; log " "$SCRATCH/lab.out"
T=$W/failover.times
before=$(sed -n 's/^synced-before-kill //p' "$T")
after=$(sed -n 's/^first-value-after //p' "$T")
first=$(sed -n 's/^first-write-after //p' "$T")
check "the node wrote again after the takeover (first write ${first:-never} s after the kill)" test -n "$first"
check "no reboot: the root's init ran once" test "$(tr -d '\r' < "$C" | grep -c '^LAB: root init running')" = 1
check "no boot failure or retry on the console" sh -c "! grep -q 'boot failed:\|attempt [0-9]* failed' '$C'"
check "the node held to the end and stopped its writer" grep -q 'LAB: counter last [0-9]' "$C"
synced=$(tr -d '\r' < "$C" | sed -n 's/^LAB: synced \([0-9]*\) at .*/\1/p')
last=$(printf '%s\n' "$synced" | tail -n 1)
check "values synced before the kill (${before:-none}), and after it (up to ${last:-none})" \
	sh -c "[ '${before:-0}' -gt 0 ] && [ '${last:-0}' -gt '${before:-0}' ] && [ '${after:-0}' -gt '${before:-0}' ]"
H=$W/counter.head
check "hopeless head release h1 on h2: its ganesha stopped, the address removed, rpcbind restored" \
	grep -q "release: hopeless: head h1 released: nfs-ganesha pid [0-9]* stopped after [0-9.]* s, $H1 removed from eth0, [1-9][0-9]* rpcbind registration(s) restored" "$SCRATCH/lab.out"
check "h2's rpcbind still registers NFSv3 after the release" \
	test "$(sed -n 's/^h2-nfs3-registrations-after-release //p' "$T")" -ge 1
check "h1 came back in its own namespace" \
	test "$(grep -c "head h1: nfs-ganesha (pid [0-9]*, node id h1) listening on $H1 in namespace hl-h1-" "$SCRATCH/lab.out")" = 2
fb=$(sed -n 's/^failback-first-write-after //p' "$T")
check "the node wrote again after the failback (first write ${fb:-never} s after the release)" test -n "$fb"
check "the head side read the image back ($(wc -l < "$H" 2>/dev/null) values)" test -s "$H"
missing=0
for v in $synced; do grep -qx "$v" "$H" || missing=$((missing + 1)); done
check "every value the node synced is in its state ($(printf '%s\n' "$synced" | grep -c .) values, $missing missing)" test "$missing" = 0
check "and nothing else: 1 to $(tail -n 1 "$H" 2>/dev/null) in order" sh -c "seq 1 \$(tail -n 1 '$H') | cmp -s - '$H'"
left=$(pgrep -f -- "$W/" | tr '\n' ' ')
# Before the release the watcher may try more than once (a takeover whose
# ganesha does not listen in time is undone and tried again after three
# more misses: seen in CI under load); after it, it must only wait.
again=$(awk '/released here|answers again/ { r = 1 } r && /taking over/ { n++ } END { print n + 0 }' "$W/watch-h2.log")
check "the watcher did not take h1 over again after the release ($again takeover(s) after it)" test "$again" = 0
check "the watcher saw h1 answer again" grep -q "head watch: h1 ($H1) answers again" "$W/watch-h2.log"
check "no process of the lab is left (${left:-none})" test -z "$left"
sed 's/^/# failover: /' "$T"
grep 'head watch' "$W/watch-h2.log" | sed 's/^/# watch-h2: /'
echo "# t-head-failover.sh wall time $(( $(date +%s) - T0 )) s"
rm -rf "$W"
done_testing
