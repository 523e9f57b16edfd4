#!/bin/bash
# The tree's content is hostile (docs/security.md): symlinks, hard links and
# ".." planted in each part of the tree (state dirs, host layers, overlays,
# roots, the TFTP tree), then every command that touches that part. A decoy
# directory outside the tree is digested before and after: nothing in it may
# change, and each command either works inside the tree or fails with one
# line.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
D=$SCRATCH/decoy
L() { echo "$T/roots/$1/$(cat "$T/roots/$1/current")"; }
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }
mkdir -p "$D/etc" "$D/dir"
echo "decoy secret" > "$D/secret"
echo "decoy hosts" > "$D/etc/hosts"
printf 'decoy:x:0:0::/:/bin/sh\n' > "$D/etc/passwd"
truncate -s 16M "$D/victim.img"
echo "victim content" | dd of="$D/victim.img" conv=notrunc status=none
digest() { tree_digest "$D"; }
DECOY=$(digest)
unchanged() { test "$(digest)" = "$DECOY"; }
# one_line_or_ok CMD...: exit 0, or non-zero with exactly one "hopeless:" line
one_line_or_ok() {
	local out rc
	out=$("$HOPELESS" -C "$T" "$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" = 0 ] || { [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ "$out" == hopeless:* ]]; } ||
		{ echo "# $*: rc=$rc: $out"; return 1; }
}
# try DESCRIPTION ARGS...: the command is clean (ok or one line) and the decoy
# is unchanged afterwards.
try() { local d=$1; shift; check "$d: ok or one line" one_line_or_ok "$@"; check "$d: decoy unchanged" unchanged; }

CK=$TOP/cache/kernels/cloud/root
KV=$(cat "$TOP/cache/kernels/cloud/.done" 2>/dev/null)
check "the cloud kernel from make deps is there" test -n "$KV" -a -d "$CK/lib/modules/$KV"

check "init" q H init --server 10.9.0.1 --image-size 16M
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc" "$R/lib/modules"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"; printf 'root:x:0:\n' > "$R/etc/group"
cp -a "$CK/lib/modules/$KV" "$R/lib/modules/"
# The root's kernel is an absolute symlink that, followed on the head node,
# would be the decoy's secret: inside the root it leads nowhere.
ln -s "/../../../../..$D/secret" "$R/boot/vmlinuz-$KV"
check "root add" q H root add r --from "$R"
check "overlay add" q H overlay add o
check "node add n1" q H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root r --overlay o
check "node add n2" q H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root r --overlay o
IP=10.9.0.11 S=$T/state/10.9.0.11 C=$T/clients/10.9.0.11

# --- roots: the kernel symlink must not bring the decoy into the TFTP tree
try "initramfs build with a kernel symlink out of the root" initramfs build --root r
check "no decoy content in the TFTP tree" sh -c "! grep -rq 'decoy secret' '$T/tftp'"
rm "$T/roots/r/1/boot/vmlinuz-$KV"; cp "$CK/boot/vmlinuz-$KV" "$T/roots/r/1/boot/"
check "initramfs build works with a real kernel" q H initramfs build --root r
# --- roots: an absolute symlink for etc/passwd, read by users sync
mv "$T/roots/r/1/etc/passwd" "$T/roots/r/1/etc/passwd.real"
ln -s "$D/etc/passwd" "$T/roots/r/1/etc/passwd"
try "users sync with the root's passwd a symlink out" users sync o --from "$D/etc"
check "the decoy's passwd did not reach the overlay" sh -c "! grep -rqs '^decoy:' '$(L o)/etc'"
rm "$T/roots/r/1/etc/passwd"; mv "$T/roots/r/1/etc/passwd.real" "$T/roots/r/1/etc/passwd"

# --- overlays: etc/ a symlink to the decoy
rm -rf "$(L o)/etc"; ln -s "$D/etc" "$(L o)/etc"
try "config with the overlay's etc/ a symlink" config
try "users sync with the overlay's etc/ a symlink" users sync o --from /etc
check "the decoy's hosts file is not the cluster's" test "$(cat "$D/etc/hosts")" = "decoy hosts"
rm "$(L o)/etc"
check "config works again once etc/ is a directory" q H config
# An overlay pointer holding ".." must not lead config outside roots/
printf '../../..%s\n' "$D" > "$C/hopeless.overlay"
try "config with a pointer file holding .." config
try "node show with a pointer file holding .." node show n1
echo o > "$C/hopeless.overlay"

# --- the TFTP tree
rm -rf "$T/tftp/pxelinux.cfg"; ln -s "$D/dir" "$T/tftp/pxelinux.cfg"
try "config with tftp/pxelinux.cfg a symlink" config
rm "$T/tftp/pxelinux.cfg"; mkdir "$T/tftp/pxelinux.cfg"
rm -f "$T/tftp/pxelinux.0"; ln -s "$D/secret" "$T/tftp/pxelinux.0"
try "config with tftp/pxelinux.0 a symlink" config
rm -rf "$T/tftp/boot/r"; ln -s "$D/dir" "$T/tftp/boot/r"
try "initramfs build with tftp/boot/r a symlink" initramfs build --root r
rm "$T/tftp/boot/r"

# --- host layers
rm -f "$C/hopeless.root"; ln -s "$D/secret" "$C/hopeless.root"
try "node show with hopeless.root a symlink" node show n1
try "node set --root with hopeless.root a symlink" node set n1 --root r
check "the symlink was replaced, not written through" test -f "$C/hopeless.root" -a ! -L "$C/hopeless.root"
rm -rf "$C/etc/ssh"; ln -s "$D/dir" "$C/etc/ssh"
try "node show with etc/ssh a symlink" node show n1
try "config with etc/ssh a symlink" config
rm "$C/etc/ssh"

# --- state: what a node (or an older tree) may have planted
rm -f "$S/rw.img"; ln -s "$D/victim.img" "$S/rw.img"
try "node inspect with rw.img a symlink" node inspect n1 /etc/passwd
try "node show with rw.img a symlink" node show n1
try "config with rw.img a symlink" config
try "node reset with rw.img a symlink" node reset n1
check "rw.img is a regular file again" test -f "$S/rw.img" -a ! -L "$S/rw.img"
rm -f "$S/rw.img"; ln "$D/victim.img" "$S/rw.img"
try "config with rw.img a hard link" config
try "node reset with rw.img a hard link" node reset n1
try "node set --state tmpfs" node set n1 --state tmpfs
rm -f "$S/rw.img"; ln -s "$D/victim.img" "$S/rw.img"
try "node set --state image with rw.img a symlink" node set n1 --state image
try "node rm --purge with rw.img a symlink" node rm n1 --purge
check "n1 is gone" test ! -e "$T/nodes/n1.conf"
# The state directory itself a symlink (a tree from before state/<ip> was
# root's): nothing may be done through it.
S2=$T/state/10.9.0.12
mv "$S2" "$SCRATCH/s2"; ln -s "$D/dir" "$S2"
try "node reset with state/<ip> a symlink" node reset n2
try "node inspect with state/<ip> a symlink" node inspect n2 /etc/passwd
try "config with state/<ip> a symlink" config
try "node rm --purge with state/<ip> a symlink" node rm n2 --purge
# A FIFO where check reads a layer's etc/group: check must not block on it
# (timeout only guards against a hang; no time is asserted).
# (a group-readable shadow of a non-root group makes check read etc/group)
printf 'root:*:1::::::\n' > "$T/roots/r/1/etc/shadow"; chgrp 42 "$T/roots/r/1/etc/shadow"; chmod 640 "$T/roots/r/1/etc/shadow"
mv "$T/roots/r/1/etc/group" "$SCRATCH/group.real"; mkfifo "$T/roots/r/1/etc/group"
timeout 120 "$HOPELESS" -C "$T" check >/dev/null 2>&1; rc=$?
check "check does not block on a FIFO in a root (rc $rc)" test "$rc" != 124
rm "$T/roots/r/1/etc/group"; mv "$SCRATCH/group.real" "$T/roots/r/1/etc/group"
check "decoy dir still empty" test -z "$(ls -A "$D/dir")"
check "no world-writable file in the tree" test -z "$(find "$T" -perm -o+w ! -type l)"
done_testing
