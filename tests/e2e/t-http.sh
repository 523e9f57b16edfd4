#!/bin/bash
# End to end: the HTTP transport. With http_port set (the default), the
# firmware fetches only its first loader over TFTP; iPXE fetches the node's
# script, kernel and initramfs from nginx (its access log shows it, and
# dnsmasq's TFTP log does not). With http_port = 0 (lab --transport tftp)
# the same node boots with everything over TFTP.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
A=$W/tree/log/http-access.log
echo "# --- http-access.log"; sed 's/^/# /' "$A" 2>/dev/null
check "http: lab exits 0" test "$rc" = 0
check "http: the node script fetched over HTTP (200)" grep -q '^10\.[0-9.]*\.10 .*"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1" 200 ' "$A"
check "http: the kernel fetched over HTTP (200)" grep -q '"GET /boot/lab-root/vmlinuz HTTP/1\.1" 200 ' "$A"
check "http: the initramfs fetched over HTTP (200)" grep -q '"GET /boot/lab-root/initrd.img HTTP/1\.1" 200 ' "$A"
check "http: by iPXE" grep -q '"iPXE/' "$A"
check "http: the whole kernel was sent" sh -c "grep '/boot/lab-root/vmlinuz' '$A' | awk '{ print \$10 }' | grep -qx \"\$(stat -c %s '$W/tree/tftp/boot/lab-root/vmlinuz')\""
check "http: TFTP carried boot.ipxe" grep -q 'sent .*/tftp/boot.ipxe' "$W/dnsmasq.log"
check "http: TFTP did not carry the kernel" sh -c "! grep -q 'sent .*vmlinuz' '$W/dnsmasq.log'"
check "http: TFTP did not carry the initramfs" sh -c "! grep -q 'sent .*initrd.img' '$W/dnsmasq.log'"
check "http: node reached its root" grep -q 'LAB: layer all = host' "$W/console-1.log"
rm -rf "$W"

W=$SCRATCH/lab-tftp
"$HOPELESS" lab --transport tftp --workdir "$W" --keep > "$SCRATCH/lab-tftp.out" 2>&1
rc=$?
cat "$SCRATCH/lab-tftp.out"
check "tftp: lab exits 0" test "$rc" = 0
check "tftp: http_port = 0 in the tree" grep -qx 'http_port = 0' "$W/tree/hopeless.conf"
check "tftp: the node script names plain paths" grep -q '^kernel /boot/lab-root/vmlinuz ' "$W"/tree/tftp/ipxe/*.ipxe
check "tftp: the kernel went over TFTP" grep -q 'sent .*/tftp/boot/lab-root/vmlinuz' "$W/dnsmasq.log"
check "tftp: the initramfs went over TFTP" grep -q 'sent .*/tftp/boot/lab-root/initrd.img' "$W/dnsmasq.log"
check "tftp: no HTTP server ran" test ! -s "$W/tree/log/http-access.log"
check "tftp: node reached its root" grep -q 'LAB: layer all = host' "$W/console-1.log"
rm -rf "$W"
done_testing
