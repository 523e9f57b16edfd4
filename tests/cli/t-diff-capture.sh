#!/bin/bash
# hopeless node diff / node capture on a real ext4 state image made with
# mkfs.ext4 -d from an upper built as overlayfs writes one (whiteouts:
# char 0/0; opaque directories: trusted.overlay.opaque=y): the listing, the
# published overlay version (whiteout kept, untouched files still hard links
# to the previous version, captured ones new inodes), what is left out, the
# refusals, and an image in use (read from a copy; capture needs a reflink).
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }
xattr() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$@" 2>/dev/null; }
ino() { stat -c %i "$1"; }
check "init" q H init --server 10.9.0.1 --image-size 16M
R=$SCRATCH/rootsrc
mkdir -p "$R/etc" "$R/opt/app" "$R/boot"
echo "root motd" > "$R/etc/motd"; echo gone > "$R/etc/gone"; echo a > "$R/opt/app/a"; echo b > "$R/opt/app/b"
check "root add" q H root add deb --from "$R"
check "overlay add" q H overlay add compute
check "node add n1 (image)" q H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb --overlay compute
check "node add n2 (tmpfs)" q H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root deb --overlay compute --state tmpfs
check "layers are versioned" test -f "$T/roots/deb/current" -a -f "$T/roots/compute/current"
V1=$T/roots/compute/1
mkdir -p "$V1/etc" && echo "cluster issue" > "$V1/etc/issue"

# The node's upper, as overlayfs leaves it in /upper of its image.
U=$SCRATCH/img/upper
mkdir -p "$U/etc/ssh" "$U/opt/app" "$U/srv/data" "$SCRATCH/img/work"
echo "node motd" > "$U/etc/motd"
mknod "$U/etc/gone" c 0 0
echo c > "$U/opt/app/c"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$U/opt/app"
echo data > "$U/srv/data/file"
echo n1 > "$U/etc/hostname"
echo 0123456789abcdef > "$U/etc/machine-id"
echo key > "$U/etc/ssh/ssh_host_ed25519_key" && chmod 600 "$U/etc/ssh/ssh_host_ed25519_key"
IMG=$T/state/10.9.0.11/rw.img
owner=$(stat -c %u:%g "$IMG")
check "state image made with mkfs.ext4 -d" q mkfs.ext4 -q -F -L hopeless-state -d "$SCRATCH/img" "$IMG" 16M
chown "$owner" "$IMG"

# diff
out=$(H node diff n1 2>"$SCRATCH/err"); rc=$?
expect="D /etc/gone (hides root deb@1)
M /etc/hostname (shadows host overlay clients/10.9.0.11: identical copy)
A /etc/machine-id
M /etc/motd (shadows root deb@1: content)
M /etc/ssh/ssh_host_ed25519_key (shadows host overlay clients/10.9.0.11: content)
O /opt/app (hides root deb@1)
A /opt/app/c
A /srv
A /srv/data
A /srv/data/file"
check "diff exits 0" test "$rc" = 0
check "diff lists the node's changes, sorted" test "$out" = "$expect"
[ "$out" = "$expect" ] || diff <(echo "$expect") <(echo "$out")
check "diff --json parses" python3 -c "
import json,subprocess
a=json.loads(subprocess.check_output(['$HOPELESS','-C','$T','node','diff','n1','--json'],stderr=subprocess.DEVNULL))
m={e['path']:e for e in a}
assert m['/etc/motd']['change']=='changed' and m['/etc/motd']['differs']==['content'], a
assert m['/etc/motd']['layer']=='root deb@1' and m['/etc/gone']['change']=='deleted', a
assert m['/opt/app']['change']=='opaque' and m['/srv/data/file']['layer'] is None, a"
check "diff of a tmpfs node: one line, nothing to diff" \
	sh -c "'$HOPELESS' -C '$T' node diff n2 2>&1 | grep -c 'nothing on the head node to diff' | grep -qx 1"
check "diff leaves no copy behind" test -z "$(ls -A "$T/.work" 2>/dev/null | grep -v -e drafts -e "^pristine\.")"

# The node booted deb@1 and compute@1 (its union event in the events log);
# deb@2 changes /etc/motd, which the node holds its own copy of.
mkdir -p "$T/log"
echo "2026-01-01T00:00:00.000Z 10.9.0.11 <29>1 - n1 hopeless-init 1 union - clients/10.9.0.11 : roots/compute@1 : roots/deb@1" >> "$T/log/events.log"
cp -a --link "$T/roots/deb/1" "$T/roots/deb/2" && rm "$T/roots/deb/2/etc/motd" && echo "root motd 2" > "$T/roots/deb/2/etc/motd"
rm "$T/roots/deb/2/opt/app/b" && echo 2 > "$T/roots/deb/current"
out=$(H node diff n1 2>"$SCRATCH/err")
check "diff: what changes below the node's own copy at its next boot" grep -qx "! /etc/motd: changed in root deb between version 1 (booted) and 2 (next boot); the node still holds its own copy" <<<"$out"
check "diff: the same for what its opaque directory hides" grep -qx "! /opt/app: changed in root deb between version 1 (booted) and 2 (next boot); the node's opaque directory still hides it" <<<"$out"
check "diff: the listing itself unchanged" test "$(grep -v '^!' <<<"$out")" = "$expect"
check "diff: nothing on stderr when the versions are known" test ! -s "$SCRATCH/err"
check "diff --json names the version change" python3 -c "
import json,subprocess
a=json.loads(subprocess.check_output(['$HOPELESS','-C','$T','node','diff','n1','--json']))
m={e['path']:e for e in a}
assert m['/etc/motd']['changed_below']==[{'layer':'root deb','booted':1,'next':2}], a
assert m['/srv/data/file']['changed_below']==[], a"

# capture: refusals change nothing
check_rejects "capture into an unknown overlay" node capture n1 --into nope
check_rejects "capture into a root" node capture n1 --into deb
check_rejects "capture into OVERLAY@N" node capture n1 --into compute@1
check_rejects "capture without --into" node capture n1
check_rejects "capture of a relative path" node capture n1 --into compute --paths etc/motd
check_rejects "capture of a path with .." node capture n1 --into compute --paths /etc/../etc/motd
check_rejects "capture of a path the node never changed" node capture n1 --into compute --paths /etc/motd /etc/issue
check_rejects "capture of a tmpfs node" node capture n2 --into compute
check_rejects "capture of an unknown node" node capture n9 --into compute

# capture: everything (but each node's own identity)
v1_before=$(tree_digest "$V1")
out=$(H node capture n1 --into compute 2>&1); rc=$?
check "capture exits 0" test "$rc" = 0
check "capture says what it published" \
	grep -qx "hopeless: overlay compute: version 2 published from n1's changes (9 paths)" <<<"$out"
check "capture says what it left out" grep -qx "hopeless: node capture: left out (each node's own; name them with --paths to capture them): /etc/hostname, /etc/machine-id, /etc/ssh/ssh_host_ed25519_key" <<<"$out"
V2=$T/roots/compute/2
check "version 2 is current" test "$(cat "$T/roots/compute/current")" = 2
check "version 1 unchanged" test "$(tree_digest "$V1")" = "$v1_before"
check "the node's deletion is a whiteout in the overlay" test "$(stat -c '%F %t:%T' "$V2/etc/gone")" = "character special file 0:0"
check "captured file: the node's content" test "$(cat "$V2/etc/motd")" = "node motd"
check "added tree captured" test "$(cat "$V2/srv/data/file")" = data
check "opaque directory kept opaque" test "$(xattr "$V2/opt/app" trusted.overlay.opaque)" = y
check "opaque directory holds the node's entries only" test "$(ls "$V2/opt/app")" = c
check "untouched file still a hard link to version 1" test "$(ino "$V2/etc/issue")" = "$(ino "$V1/etc/issue")"
check "no ssh host key, machine-id or hostname captured" \
	test ! -e "$V2/etc/ssh/ssh_host_ed25519_key" -a ! -e "$V2/etc/machine-id" -a ! -e "$V2/etc/hostname"
check "no draft left" test -z "$(ls -A "$T/.work/drafts")"

# capture --paths: only what is named; a sensitive file named exactly is taken
out=$(H node capture n1 --into compute --paths /etc/hostname /srv/data 2>&1)
check "capture --paths publishes version 3" \
	grep -qx "hopeless: overlay compute: version 3 published from n1's changes (2 paths)" <<<"$out"
V3=$T/roots/compute/3
check "named hostname captured" test "$(cat "$V3/etc/hostname")" = n1
check "named file is a new inode" test "$(ino "$V3/srv/data/file")" != "$(ino "$V2/srv/data/file")"
check "file not named is still version 2's (hard link)" test "$(ino "$V3/etc/motd")" = "$(ino "$V2/etc/motd")"

# an image in use: diff reads a copy (the journal replayed in it), capture
# needs a reflink for a consistent snapshot
before=$(H node diff n1 2>/dev/null)
q debugfs -w -R "feature needs_recovery" "$IMG"
check "image marked in use" sh -c "dumpe2fs -h '$IMG' 2>/dev/null | grep -q needs_recovery"
out=$(H node diff n1 2>"$SCRATCH/err"); rc=$?
check "diff of an image in use exits 0" test "$rc" = 0
check "diff of an image in use reads the same changes" test "$out" = "$before"
check "the node's image is left alone" sh -c "dumpe2fs -h '$IMG' 2>/dev/null | grep -q needs_recovery"
check "diff leaves no copy behind" test -z "$(ls -A "$T/.work" | grep -v -e drafts -e "^pristine\.")"
touch "$SCRATCH/r1"
if cp --reflink=always "$SCRATCH/r1" "$SCRATCH/r2" 2>/dev/null; then
	check "copy is a reflink: no warning" sh -c "! grep -q inconsistent '$SCRATCH/err'"
	check "capture of an image in use from a snapshot" sh -c "'$HOPELESS' -C '$T' node capture n1 --into compute | grep -q 'from a snapshot of its image taken at'"
else
	check "diff warns that the copy may be inconsistent" grep -q "no reflinks: read from a copy taken while the node may write, which may be inconsistent" "$SCRATCH/err"
	check_rejects "capture of an image in use without reflinks" node capture n1 --into compute
	check "the refusal says why and what to do" sh -c "'$HOPELESS' -C '$T' node capture n1 --into compute 2>&1 | grep -q 'node n1 is up and .* has no reflinks, so no consistent snapshot of its image can be taken: shut the node down'"
	out=$(H node capture n1 --into compute --paths /etc/machine-id --force 2>&1)
	check "capture --force of a node that is down with its image marked in use" \
		grep -qx "hopeless: overlay compute: version 4 published from n1's changes (1 paths)" <<<"$out"
	check "... says it copied the image" grep -q "marked in use; capturing from a copy with its journal replayed" <<<"$out"
	check "... and leaves no copy behind" test -z "$(ls -A "$T/.work" | grep -v -e drafts -e "^pristine\.")"
fi
q debugfs -w -R "feature -needs_recovery" "$IMG"

# damaged images and uppers hopeless does not read
cp "$IMG" "$SCRATCH/good.img"
q debugfs -w -R "ssv state 2" "$IMG"
check_rejects "diff of an image with errors recorded" node diff n1
cp "$SCRATCH/good.img" "$IMG"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.redirect", b"/opt/old")' "$U/srv"
q mkfs.ext4 -q -F -d "$SCRATCH/img" "$IMG" 16M
check_rejects "diff of an upper with a redirected directory" node diff n1
check "the refusal names the path and the reason" sh -c "'$HOPELESS' -C '$T' node diff n1 2>&1 | grep -q '/srv: a renamed directory (trusted.overlay.redirect)'"
check_rejects "capture of an upper with a redirected directory" node capture n1 --into compute
check "nothing published by the refusals" test "$(cat "$T/roots/compute/current")" = "$(ls "$T/roots/compute" | grep -c '^[0-9]')"
mv "$IMG" "$SCRATCH/img.real" && ln -s "$SCRATCH/good.img" "$IMG"
check_rejects "diff of a state image that is a symlink" node diff n1

done_testing
