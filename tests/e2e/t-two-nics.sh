#!/bin/bash
# End to end: two NICs, only the second on the cluster network, no BOOTIF
# (direct kernel boot). The init tries the NICs in order: DHCP on the first
# gives up, the second gets the lease and the node comes up.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot direct --nics 2 --timeout 150 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node-up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
check "no BOOTIF on the command line" sh -c "! grep -q 'BOOTIF' '$c1'"
check "DHCP on the first NIC (eth0) failed" grep -q 'hopeless-init: ERROR: net: dhcp on eth0:' "$c1"
check "the second NIC (eth1) got the lease" grep -q 'hopeless-init: net: eth1 got 10\.' "$c1"
check "eth0 was tried before eth1" sh -c "grep -n 'dhcp on eth0\|eth1 got' '$c1' | head -1 | grep -q eth0"
check "the root's init ran" grep -q 'LAB: root init running' "$c1"
rm -rf "$W"
done_testing
