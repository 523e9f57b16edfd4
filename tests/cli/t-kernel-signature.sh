#!/bin/bash
# hopeless initramfs build warns, in one line, when the root's kernel carries
# no Authenticode signature (it would not boot under Secure Boot): Debian's
# signed cloud kernel passes silently; the same kernel with its certificate
# table entry zeroed, and a file that is not a PE image, each get the line.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }
CK=$TOP/cache/kernels/cloud/root
KV=$(cat "$TOP/cache/kernels/cloud/.done" 2>/dev/null)
check "the cloud kernel from make deps is there" test -n "$KV" -a -f "$CK/boot/vmlinuz-$KV"

q H init --server 10.9.0.1 --image-size 16M
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc" "$R/lib/modules"
cp -a "$CK/lib/modules/$KV" "$R/lib/modules/"
cp "$CK/boot/vmlinuz-$KV" "$R/boot/"
q H root add r --from "$R"
K=$T/roots/r/1/boot/vmlinuz-$KV
# build_err: the stderr of an initramfs build that succeeds
build_err() { H initramfs build --root r 2>&1 >/dev/null; }
err=$(build_err); rc=$?
check "a signed kernel: build ok, no warning ($err)" test "$rc" = 0 -a -z "$err"
check "the copy in tftp/ is the signed kernel" cmp -s "$K" "$T/tftp/boot/r/vmlinuz"

# The certificate table is data directory 4 of the PE32+ optional header:
# 24 + 112 + 4 * 8 bytes after the "PE\0\0" at the offset in 0x3c.
pe=$(od -An -tu4 -j60 -N4 "$K" | tr -d ' ')
check "the kernel is PE32+ (magic 0x20b)" test "$(od -An -tx2 -j$((pe + 24)) -N2 "$K" | tr -d ' ')" = 020b
check "Debian's kernel has a certificate table" test "$(od -An -tu4 -j$((pe + 172)) -N4 "$K" | tr -d ' ')" -gt 0
chmod u+w "$K"
printf '\0\0\0\0\0\0\0\0' | dd of="$K" bs=1 seek=$((pe + 168)) conv=notrunc status=none
err=$(build_err); rc=$?
one_warning() { test "$rc" = 0 && test "$(printf '%s\n' "$err" | wc -l)" = 1 && [[ "$err" == "hopeless: initramfs: warning: "*"$1"* ]]; }
check "an unsigned kernel: still built, one warning line ($err)" one_warning "no signature attached"
echo "not a kernel" > "$K"
err=$(build_err); rc=$?
check "not a PE image: one warning line ($err)" one_warning "not a PE/EFI image"
done_testing
