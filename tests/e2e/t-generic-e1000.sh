#!/bin/bash
# End to end: the generic Debian kernel (ext4, crc32c and the NIC drivers are
# modules there) on an emulated Intel e1000 NIC, through the iPXE chain (qemu's
# e1000 carries an iPXE ROM). The init must find the e1000 by matching the
# device's modalias, and the initramfs must stay under 4 MiB.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --kernel generic --nic e1000 --timeout 120 --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
c1=$W/console-1.log
check "lab exits 0" test "$rc" = 0
check "node-up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
check "the initramfs was built for the generic kernel" grep -q 'initramfs for lab-root: kernel [0-9.-]*-amd64,' "$SCRATCH/lab.out"
check "modalias matching picked e1000" grep -q 'hopeless-init: device pci:v00008086d0000100E.* matches e1000' "$c1"
check "e1000 loaded" grep -q 'hopeless-init: module e1000 loaded' "$c1"
check "ext4 loaded as a module" grep -q 'hopeless-init: module ext4 loaded' "$c1"
check "the state image mounted (ext4 module and its crc32c)" grep -q 'hopeless-init: upper: rw.img on loop' "$c1"
check "the root's init ran" grep -q 'LAB: layer all = host' "$c1"
size=$(stat -c %s "$W/tree/tftp/boot/lab-root/initrd.img" 2>/dev/null || echo 0)
echo "# initramfs size with the generic kernel: $size bytes"
check "initramfs is smaller than 4 MiB ($size bytes)" test "$size" -gt 0 -a "$size" -lt 4194304
rm -rf "$W"
done_testing
