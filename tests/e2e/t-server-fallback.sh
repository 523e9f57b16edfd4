#!/bin/bash
# End to end: the node's server list starts with an address nobody answers
# (nodes/node1.conf: server = DEAD,SERVER -> hopeless.server=DEAD
# hopeless.servers=SERVER); the init says so and boots from the second.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --servers unreachable-first --timeout 120 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node-up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
check "the iPXE script lists both servers" sh -c "grep -q 'hopeless.servers=10\\.[0-9.]*\\.1 .*hopeless.server=10\\.[0-9.]*\\.250 ' '$W'/tree/tftp/ipxe/*.ipxe"
check "the first server failed with a reason" grep -q 'ERROR: nfs: mount 10\.[0-9.]*\.250:/clients/[0-9.]* .*(is the server up' "$c1"
check "the init fell back to the next server" sh -c "tr -d '\r' < '$c1' | grep -q 'hopeless-init: server 10\.[0-9.]*\.250 failed; trying next server 10\.[0-9.]*\.1$'"
check "the layers came from the second server" grep -q 'hopeless-init: nfs: 10\.[0-9.]*\.1:/roots/lab-root, /roots/compute and ' "$c1"
check "the root's init ran" grep -q 'LAB: layer all = host' "$c1"
t_fail=$(grep -m1 'ERROR: nfs: mount' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
t_dhcp=$(grep -m1 'hopeless-init: net: eth0 got' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "# the dead server cost $(awk -v a="$t_fail" -v b="$t_dhcp" 'BEGIN { printf "%.1f", a - b }') s (lease to first NFS error)"
rm -rf "$W"
done_testing
