#!/bin/bash
# End to end: UEFI Secure Boot (OVMF with Microsoft's keys enrolled). A node
# of boot method grub boots shimx64.efi (signed by Microsoft) -> grubx64.efi
# (Debian's signed network GRUB, checked by shim) -> the root's Debian kernel
# (checked through shim) -> hopeless-init -> the union root. The booted
# kernel itself says Secure Boot is on and it is locked down; its signed
# modules load (the init's, and efivarfs from the root), an unsigned one is
# refused. Then the negatives: a grub node whose own GRUB file is missing
# gets the default file's message and reboots; an iPXE node (snponly.efi is
# not signed) does not boot under the same firmware.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab-grub
t0=$(date +%s.%N)
"$HOPELESS" lab --firmware secureboot --boot grub --hook "$TOP/tests/e2e/hooks/secureboot.sh" \
	--workdir "$W" --keep > "$SCRATCH/lab-grub.out" 2>&1
rc=$?
cat "$SCRATCH/lab-grub.out"
echo "# secure boot, grub: lab run $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s;" \
	"$(grep -o 'up in [0-9.]* s' "$SCRATCH/lab-grub.out") from qemu start to the root's marker"
c=$W/console-1.log L=$W/dnsmasq.log
MACH=$(grep -o 'grub.cfg-01-[0-9a-f-]*' "$L" | head -n1)
check "grub: lab exits 0" test "$rc" = 0
check "grub: the root's kernel is signed (initramfs build gave no warning)" sh -c "! grep -q 'initramfs: warning' '$SCRATCH/lab-grub.out'"
check "grub: the firmware asked as x86-64 UEFI (arch 7)" grep -q 'PXEClient:Arch:00007' "$L"
check "grub: DHCP named shimx64.efi" grep -q 'bootfile-name  shimx64.efi' "$L"
check "grub: TFTP sent shimx64.efi" grep -q 'sent .*/tftp/shimx64.efi ' "$L"
check "grub: TFTP sent grubx64.efi (shim's second stage)" grep -q 'sent .*/tftp/grubx64.efi ' "$L"
check "grub: TFTP sent grub/grub.cfg" grep -q 'sent .*/tftp/grub/grub.cfg ' "$L"
check "grub: TFTP sent the node's own GRUB file ($MACH)" grep -q "sent .*/tftp/grub/grub.cfg-01-52-54-00-[0-9a-f-]* " "$L"
check "grub: TFTP sent the root's kernel and initramfs" \
	sh -c "grep -q 'sent .*/tftp/boot/lab-root/vmlinuz ' '$L' && grep -q 'sent .*/tftp/boot/lab-root/initrd.img ' '$L'"
check "grub: no iPXE on the way (no snponly.efi, no boot.ipxe)" sh -c "! grep -q 'sent .*/tftp/\(snponly.efi\|boot.ipxe\|ipxe/\)' '$L'"
check "grub: GRUB ran the node's file" grep -q 'hopeless: node1: loading the kernel and initramfs of root lab-root' "$c"
check "grub: the EFI stub saw Secure Boot on" grep -q 'EFI stub: UEFI Secure Boot is enabled' "$c"
check "grub: the init used the NIC that booted (BOOTIF from GRUB)" grep -q 'net: BOOTIF 01-52-54-00' "$c"
check "grub: the init loaded its modules under lockdown" grep -q 'hopeless-init: modules: done' "$c"
check "grub: union of the three layers" grep -q 'union: clients/.* : roots/compute@[0-9]* : roots/lab-root@[0-9]*' "$c"
check "grub: the root's init wrote its state" grep -q 'LAB: wrote written-at-' "$c"
check "grub: the SecureBoot EFI variable is 1" grep -q 'LAB: sb efivar SecureBoot=1' "$c"
check "grub: the kernel logged Secure Boot enabled" grep -qi 'LAB: sb dmesg: .*secure boot enabled' "$c"
check "grub: the kernel is locked down by Secure Boot" grep -q 'LAB: sb dmesg: .*locked down from EFI Secure Boot' "$c"
check "grub: lockdown is integrity (or stricter)" grep -q 'LAB: sb lockdown .*\[\(integrity\|confidentiality\)\]' "$c"
check "grub: virtio_net is loaded (a signed module, under lockdown)" grep -q 'LAB: sb virtio_net in /proc/modules' "$c"
check "grub: a signed module from the root loads (efivarfs)" grep -q 'LAB: sb signed-module efivarfs loaded' "$c"
check "grub: an unsigned module is refused" grep -q 'LAB: sb unsigned-module refused' "$c"
grep 'LAB: sb' "$c" | tr -d '\r' | sed 's/^/# /'
[ "$rc" = 0 ] && rm -rf "$W"

# No GRUB file for the machine: grub/grub.cfg says so and reboots after 30 s.
W=$SCRATCH/lab-nofile
HOPELESS_SB_NO_NODE_FILE=1 "$HOPELESS" lab --firmware secureboot --boot grub --expect-fail --timeout 240 \
	--hook "$TOP/tests/e2e/hooks/secureboot.sh" --workdir "$W" --keep > "$SCRATCH/lab-nofile.out" 2>&1
rc=$?
cat "$SCRATCH/lab-nofile.out"
c=$W/console-1.log L=$W/dnsmasq.log
check "no GRUB file: the node did not come up (--expect-fail)" test "$rc" = 0
check "no GRUB file: GRUB read grub/grub.cfg" grep -q 'sent .*/tftp/grub/grub.cfg ' "$L"
check "no GRUB file: the default file named the MAC and why" \
	grep -q 'hopeless: no GRUB configuration for 52:54:00:[0-9a-f:]*: not a registered node of boot method grub' "$c"
check "no GRUB file: no kernel was fetched" sh -c "! grep -q 'sent .*/tftp/boot/' '$L'"
check "no GRUB file: it rebooted by itself (qemu -no-reboot exited)" grep -q 'qemu exited by itself' "$SCRATCH/lab-nofile.out"
[ "$rc" = 0 ] && rm -rf "$W"

# Enforcement: the same firmware refuses iPXE's unsigned snponly.efi, so an
# iPXE node never reaches iPXE. The verdict comes within ~15 s of the start
# (DHCP and TFTP); the lab stops the VM after 60 s.
W=$SCRATCH/lab-ipxe
"$HOPELESS" lab --firmware secureboot --boot ipxe --expect-fail --timeout 60 --workdir "$W" --keep \
	> "$SCRATCH/lab-ipxe.out" 2>&1
rc=$?
cat "$SCRATCH/lab-ipxe.out"
c=$W/console-1.log L=$W/dnsmasq.log
check "ipxe under secure boot: the node did not come up (--expect-fail)" test "$rc" = 0
check "ipxe under secure boot: the firmware did fetch snponly.efi" grep -q 'sent .*/tftp/snponly.efi ' "$L"
check "ipxe under secure boot: iPXE never ran (no boot.ipxe fetched)" sh -c "! grep -q 'sent .*/tftp/boot.ipxe' '$L'"
check "ipxe under secure boot: no kernel was fetched" sh -c "! grep -q 'sent .*/tftp/boot/' '$L'"
check "ipxe under secure boot: the firmware refused it (Access Denied)" grep -q 'failed to load .*UEFI PXEv4.*: Access Denied' "$c"
tr -d '\r' < "$c" | grep -o 'BdsDxe: failed to load .*UEFI PXEv4.*' | sed 's/^/# console: /'
[ "$rc" = 0 ] && rm -rf "$W"
done_testing
