#!/bin/bash
# End to end: a node boots through pxelinux.0 with state=tmpfs, twice.
# (b) the three layers resolve through the pxelinux chain; (d) what the node
# wrote on its first boot is gone on the second.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --boot pxelinux --state tmpfs --boots 2 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
c1=$W/console-1.log c2=$W/console-2.log
check "pxelinux chain: dnsmasq sent pxelinux.0" grep -q 'sent .*pxelinux.0' "$W/dnsmasq.log"
check "pxelinux chain: dnsmasq sent the node's pxelinux.cfg/01-<mac>" grep -q 'sent .*pxelinux.cfg/01-52-54-00' "$W/dnsmasq.log"
check "pxelinux config asks for BOOTIF (IPAPPEND 2)" grep -q 'IPAPPEND 2' "$W"/tree/tftp/pxelinux.cfg/01-*
check "the init used the NIC that PXE-booted (BOOTIF)" grep -q 'net: BOOTIF 01-52-54-00' "$c1"
check "file in all three layers reads as the host's" grep -q 'LAB: layer all = host' "$c1"
check "file in overlay and root reads as the overlay's" grep -q 'LAB: layer overlay-root = overlay' "$c1"
check "file only in the root reads as the root's" grep -q 'LAB: layer root-only = root' "$c1"
check "first boot wrote a file" grep -q 'LAB: wrote written-at-' "$c1"
check "tmpfs state: the second boot starts clean" grep -q 'LAB: persisted = none' "$c2"
check "tmpfs state: no state image was made" test ! -e "$W/tree/state/"*/rw.img
rm -rf "$W"
done_testing
