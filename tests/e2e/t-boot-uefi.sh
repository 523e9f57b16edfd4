#!/bin/bash
# End to end: UEFI firmware (OVMF, no NIC option ROM: the firmware's own PXE)
# network-boots an iPXE node and a pxelinux-class node to the union root.
# A UEFI machine has no pxelinux.0: both chain snponly.efi into iPXE.
. "$(dirname "$0")/../lib.sh"
for boot in ipxe pxelinux; do
	W=$SCRATCH/lab-$boot
	"$HOPELESS" lab --firmware uefi --boot "$boot" --workdir "$W" --keep > "$SCRATCH/lab-$boot.out" 2>&1
	rc=$?
	cat "$SCRATCH/lab-$boot.out"
	c=$W/console-1.log
	check "uefi $boot: lab exits 0" test "$rc" = 0
	check "uefi $boot: the firmware asked as x86-64 UEFI (arch 7)" grep -q 'PXEClient:Arch:00007' "$W/dnsmasq.log"
	check "uefi $boot: the firmware got snponly.efi" grep -q 'sent .*/tftp/snponly.efi' "$W/dnsmasq.log"
	check "uefi $boot: never pxelinux.0 (BIOS-only)" sh -c "! grep -q 'sent .*pxelinux.0' '$W/dnsmasq.log'"
	check "uefi $boot: iPXE fetched boot.ipxe over TFTP" grep -q 'sent .*/tftp/boot.ipxe' "$W/dnsmasq.log"
	check "uefi $boot: and the node's script over HTTP" grep -q '"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1" 200 .*iPXE' "$W/tree/log/http-access.log"
	check "uefi $boot: the init used the NIC that PXE-booted (BOOTIF)" grep -q 'net: BOOTIF 01-52-54-00' "$c"
	check "uefi $boot: union of the three layers" grep -q 'union: clients/.* : roots/compute@[0-9]* : roots/lab-root@[0-9]*' "$c"
	check "uefi $boot: file in all three layers reads as the host's" grep -q 'LAB: layer all = host' "$c"
	check "uefi $boot: file only in the root reads as the root's" grep -q 'LAB: layer root-only = root' "$c"
	check "uefi $boot: the root's init wrote its state" grep -q 'LAB: wrote written-at-' "$c"
	rm -rf "$W"
done
done_testing
