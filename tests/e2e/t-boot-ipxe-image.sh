#!/bin/bash
# End to end: a node boots through the iPXE chain with state=image, twice.
# (a) the three layers resolve as they should; (c) a file written on the first
# boot is there on the second and readable on the head node afterwards;
# (e) hopeless-init is static and the initramfs is under 4 MiB.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
HOPELESS=$HOPELESS "$HOPELESS" lab --boot ipxe --state image --boots 2 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
check "node-up line printed for both boots" test "$(grep -c '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out")" = 2
c1=$W/console-1.log c2=$W/console-2.log
check "iPXE chain: dnsmasq sent boot.ipxe" grep -q 'sent .*boot.ipxe' "$W/dnsmasq.log"
check "iPXE chain: nginx sent the node's iPXE script" grep -q '"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1" 200 ' "$W/tree/log/http-access.log"
check "file in all three layers reads as the host's" grep -q 'LAB: layer all = host' "$c1"
check "file in overlay and root reads as the overlay's" grep -q 'LAB: layer overlay-root = overlay' "$c1"
check "file only in the root reads as the root's" grep -q 'LAB: layer root-only = root' "$c1"
check "first boot finds no earlier state" grep -q 'LAB: persisted = none' "$c1"
w1=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c1" | sed 's/LAB: wrote //' | head -1)
check "first boot wrote a file" test -n "$w1"
check "second boot reads the file of the first" grep -q "LAB: persisted = $w1" "$c2"
img=$(ls "$W"/tree/state/*/rw.img 2>/dev/null | head -1)
got=$(debugfs -R 'cat /upper/var/lab/persist' "$img" 2>/dev/null | tr -d '\r')
w2=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c2" | sed 's/LAB: wrote //' | head -1)
check "head node reads the node's last write from rw.img ($got)" test -n "$got" -a "$got" = "$w2"
check "init logged the time to the root's init" grep -q 'switchroot: exec /sbin/init' "$c1"
check "hopeless-init is a static binary" sh -c "file -L '$TOP/build/hopeless-init' | grep -q 'statically linked'"
size=$(stat -c %s "$W/tree/tftp/boot/lab-root/initrd.img")
echo "# initramfs size: $size bytes"
check "initramfs is smaller than 4 MiB ($size bytes)" test "$size" -lt 4194304
rm -rf "$W"
done_testing
