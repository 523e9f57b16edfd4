#!/bin/bash
# End to end: the DHCP server starts 15 s after the node (direct kernel boot:
# PXE itself would need DHCP). The init's DHCP client keeps asking, with
# backoff, and the node comes up once dnsmasq answers.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --dhcp-delay 15 --timeout 120 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node-up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
check "the init retried DHCP" grep -q 'hopeless-init: dhcp: no answer on eth0, retry' "$c1"
check "then got a lease" grep -q 'hopeless-init: net: eth0 got 10\.' "$c1"
check "dnsmasq acknowledged the node" grep -q 'DHCPACK.*node1' "$W/dnsmasq.log"
check "the root's init ran" grep -q 'LAB: root init running' "$c1"
t0=$(grep -m1 'hopeless-init: starting' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
t1=$(grep -m1 'hopeless-init: net: eth0 got' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "# the lease came $(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s after /init started"
rm -rf "$W"
done_testing
