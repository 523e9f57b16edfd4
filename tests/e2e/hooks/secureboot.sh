# lab hook for tests/e2e/t-boot-secureboot.sh: node1's host layer gets the
# script the busybox root's init runs before its marker. It reports, as
# "LAB: sb ..." lines, what the booted kernel says about Secure Boot (the
# SecureBoot EFI variable through efivarfs, the lockdown state through
# securityfs, its log), loads a signed module from the root (efivarfs,
# which the initramfs does not carry) and tries an unsigned copy of another
# (dummy, its appended signature cut off here): lockdown must refuse it.

# The length of a module without its appended signature: the file ends with
# the signature, a 12-byte struct module_signature (its last 4 bytes the
# signature's length, big-endian) and the 28-byte magic string.
module_unsigned_len() { # $1: module
	local size n
	size=$(stat -c %s "$1")
	[ "$(tail -c 28 "$1")" = "~Module signature appended~" ] || { echo "$size"; return; }
	n=$(tail -c 32 "$1" | head -c 4 | od -An -tu1 | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	echo $((size - 28 - 12 - n))
}

hook_setup() {
	local d=$TREE/clients/$NODE_IP/etc/hopeless-lab dummy len
	dummy=$(ls "$KERNEL_CACHE"/lib/modules/*/kernel/drivers/net/dummy.ko)
	mkdir -p "$d"
	len=$(module_unsigned_len "$dummy")
	head -c "$len" "$dummy" > "$d/dummy-unsigned.ko"
	say "hook: dummy.ko $(stat -c %s "$dummy") bytes, $len without its signature"
	cat > "$d/script" <<'SCRIPT'
#!/bin/sh
[ "$1" = start ] || exit 0
b=/bin/busybox
ko=/lib/modules/$(uname -r)/kernel/fs/efivarfs/efivarfs.ko
if $b insmod "$ko" 2>/tmp/sb-err; then
	echo "LAB: sb signed-module efivarfs loaded"
else
	echo "LAB: sb signed-module efivarfs FAILED: $(cat /tmp/sb-err)"
fi
mount -t efivarfs efivarfs /sys/firmware/efi/efivars
v=/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
# 4 bytes of attributes, then the value (busybox od cannot skip in efivarfs)
set -- $($b od -An -tu1 "$v")
echo "LAB: sb efivar SecureBoot=$5"
mount -t securityfs securityfs /sys/kernel/security
echo "LAB: sb lockdown $(cat /sys/kernel/security/lockdown)"
$b dmesg | grep -i -e 'secure boot' -e 'locked down' | $b sed 's/^\[[ 0-9.]*\] //; s/^/LAB: sb dmesg: /'
if $b insmod /etc/hopeless-lab/dummy-unsigned.ko 2>/tmp/sb-err; then
	echo "LAB: sb unsigned-module ALLOWED"
else
	echo "LAB: sb unsigned-module refused: $(cat /tmp/sb-err)"
fi
grep -q '^virtio_net ' /proc/modules && echo "LAB: sb virtio_net in /proc/modules"
SCRIPT
	chmod 755 "$d/script"
}

# HOPELESS_SB_NO_NODE_FILE=1: before the boot, the node's own GRUB file goes
# (config wrote it), so GRUB finds only grub/grub.cfg: the default must say
# so and reboot (the lab's qemu has -no-reboot: it exits).
if [ "${HOPELESS_SB_NO_NODE_FILE:-0}" = 1 ]; then
	hook_before_boot() {
		rm -f "$TREE"/tftp/grub/grub.cfg-01-*
		say "hook: removed the node's GRUB file"
	}
fi
