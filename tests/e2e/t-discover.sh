#!/bin/bash
# End to end: discovery of new nodes. During a discovery window two VMs with
# MACs no node has PXE-boot at once and become the next two nodes (n101 and
# n102 at .101 and .102, in the order serve heard them), each reaching the
# marker on the union root; after the window is closed a third unknown VM
# gets nothing (no DHCP offer, not registered). hopeless serve
# --events-only, as the lab runs it, does the discovery.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --hook "$(dirname "$0")/hooks/discover.sh" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
for f in disc-open.txt disc-status-open.txt disc-close.txt disc-status-closed.txt disc-list.txt; do
	echo "# --- $f"; sed 's/^/# /' "$W/$f" 2>/dev/null
done
echo "# --- serve.log"; sed 's/^/# /' "$W/serve.log"
mapfile -t M < "$W/disc-macs.txt"
S=$(cat "$W/disc-subnet.txt")
L=$W/disc-list.txt
row() { awk -v m="$1" '$3 == m {print $1 " " $2}' "$L"; }
check "the window opened" grep -q "window open until" "$W/disc-open.txt"
check "serve (events only) listened during the window" grep -q "discovery window open until" "$W/serve.log"
r1=$(row "${M[0]}") r2=$(row "${M[1]}")
check "VM 1 became a node ($r1)" test -n "$r1"
check "VM 2 became a node ($r2)" test -n "$r2"
check "... the next two names and addresses, distinct and in order" \
	test "$(printf '%s\n%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" = "n101 $S.101 n102 $S.102 "
first=$(grep -m1 "discovery: .* is now node" "$W/serve.log" | sed 's/.*discovery: \([0-9a-f:]*\) is now node \([a-z0-9]*\).*/\1 \2/')
check "the first MAC serve heard got n101 ($first)" sh -c "echo '$first' | grep -q ' n101$'"
check "both are listed as discovered" test "$(grep -cE '^n10[12] .*discovered@' "$L")" = 2
check "node1 is still listed as manual" grep -qE '^node1 .* manual$' "$L"
for i in 1 2; do
	log=$W/console-disc$i.log
	name=$(row "${M[$((i - 1))]}" | cut -d' ' -f1)
	check "VM $i reached the marker on the union root" grep -q "HOPELESS-LAB-MARKER up" "$log"
	check "VM $i runs as $name" grep -q "LAB: hostname ${name:-none}" "$log"
	check "VM $i has the three layers (host, overlay, root)" sh -c "grep -a 'LAB: layer' '$log' | tr -d '\r' | grep -q 'class = compute'"
done
check "status while open: 2 registered" grep -q "^registered: 2 (n101 n102)" "$W/disc-status-open.txt"
check "the window closed" grep -q "window closed" "$W/disc-close.txt"
check "status after: closed by hand" grep -q "^closed: .* (by hand)" "$W/disc-status-closed.txt"
check "serve stopped listening" grep -q "discovery window ended" "$W/serve.log"
d3=$(grep -ci "DHCPDISCOVER.*${M[2]}" "$W/dnsmasq.log")
check "VM 3 asked ($d3 DISCOVERs in dnsmasq's log)" test "$d3" -gt 0
check "VM 3 got no DHCP offer" test "$(grep -ci "DHCPOFFER.*${M[2]}" "$W/dnsmasq.log")" = 0
check "VM 3 was not registered" test -z "$(row "${M[2]}")"
check "VM 3 never booted a kernel" sh -c "! grep -q 'Linux version' '$W/console-disc3.log'"
check "node1 booted afterwards" grep -q "hopeless: node node1 .* up in" "$SCRATCH/lab.out"
rm -rf "$W"
done_testing
