#!/bin/bash
# Per-node state on RBD (issue 11): `node add --state rbd` against the lab
# Ceph makes the pristine image once (imported, snapshot "pristine",
# protected), one clone per node with exclusive-lock, one cephx key per node
# that reaches its own image and not another node's, and the node's
# hopeless.rbd (0600) in its host layer; `node rm` deletes the key and keeps
# the image; --purge takes it aside. Runs in a network namespace of its own
# (unshare -n); stops only the PIDs it started.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec unshare -n -m --propagation private env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-ceph-rbd.sh needs network and mount namespaces (run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/lab/ceph.sh"
for tool in ceph-mon ceph-osd ceph-mds ceph-mgr rbd ceph; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed; run scripts/deps.sh"
		done_testing; exit
	fi
done

MON=10.9.7.1
W=$SCRATCH/ceph
mkdir -p "$SCRATCH/run"
mount --bind "$SCRATCH/run" /run
ip link set lo up
ip link add hlrbd0 type bridge
ip addr add "$MON/24" dev hlrbd0
ip link set hlrbd0 up
cleanup() {
	ceph_stop "$W"
	[ -z "${KEEP:-}" ] || { mkdir -p /tmp/ceph-rbd-logs; cp -r "$W/log" /tmp/ceph-rbd-logs/ 2>/dev/null; }
	umount /run 2>/dev/null
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

t=$(date +%s)
if ! ceph_start "" "$MON" "$W" 150; then
	fail "the lab Ceph came up"
	done_testing; exit
fi
ok "the lab Ceph came up ($(( $(date +%s) - t )) s)"
C=$W/ceph.conf
export CEPH_CONF=$C
P=rbd

T=$SCRATCH/tree
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
check "hopeless init" sh -c "'$HOPELESS' -C '$T' init --server $MON --interface hlrbd0 --image-size 16M >/dev/null"
check "root add" sh -c "'$HOPELESS' -C '$T' root add deb12 --from '$R' >/dev/null"
check "overlay add" sh -c "'$HOPELESS' -C '$T' overlay add compute >/dev/null"
check_rejects "node add --state rbd without ceph_mons" \
	node add n1 --ip 10.9.7.11 --mac 52:54:00:00:07:11 --root deb12 --overlay compute --state rbd
printf 'ceph_conf = %s\nceph_mons = %s:6789\n' "$C" "$MON" >> "$T/hopeless.conf"
cp "$T/hopeless.conf" "$SCRATCH/conf.bak"
echo 'ceph_mons = 10.9.7.1' >> "$T/hopeless.conf"
check "hopeless.conf with ceph_mons without a port is refused, naming it" sh -c "out=\$('$HOPELESS' -C '$T' node list 2>&1 >/dev/null); rc=\$?; test \$rc != 0 && echo \"\$out\" | grep -q ceph_mons"
cp "$SCRATCH/conf.bak" "$T/hopeless.conf"

printf '52:54:00:00:07:11\n52:54:00:00:07:12\n' > "$SCRATCH/macs"
t=$(date +%s)
check "node add n[1-2] --state rbd" sh -c "'$HOPELESS' -C '$T' node add 'n[1-2]' --ip 10.9.7.11+ --mac-file '$SCRATCH/macs' --root deb12 --overlay compute --state rbd >'$SCRATCH/add.log' 2>&1"
echo "# node add of two rbd nodes: $(( $(date +%s) - t )) s"
sed 's/^/# /' "$SCRATCH/add.log"
rbd -n client.admin ls -l $P | sed 's/^/# /'
check "the pristine image has a protected snapshot" sh -c "rbd -n client.admin snap ls --format json $P/hopeless-pristine-16777216-plain | grep -q '\"protected\":\"true\"'"
for n in n1 n2; do
	check "$n's image is a clone of the pristine snapshot" sh -c "rbd -n client.admin info $P/hopeless-state-$n | grep -q 'parent: $P/hopeless-pristine-16777216-plain@pristine'"
	check "$n's image has exclusive-lock" sh -c "rbd -n client.admin info $P/hopeless-state-$n | grep -q 'features:.*exclusive-lock'"
	check "$n has its key" ceph -n client.admin auth get "client.hopeless-node-$n" -o /dev/null
done
check "a clone costs nothing until written (0 bytes used)" sh -c "rbd -n client.admin du --format json $P/hopeless-state-n1 | grep -q '\"used_size\":0'"
RF=$T/clients/10.9.7.11/hopeless.rbd
check "n1's host layer has hopeless.rbd, root-only" test "$(stat -c '%a %u' "$RF" 2>/dev/null)" = "600 0"
check "hopeless.rbd names the monitors, the pool, the image and the user" sh -c \
	"grep -qx 'mons = $MON:6789' '$RF' && grep -qx 'pool = $P' '$RF' && grep -qx 'image = hopeless-state-n1' '$RF' && grep -qx 'user = hopeless-node-n1' '$RF'"
K1=$(sed -n 's/^secret = //p' "$RF")
check "and n1's secret is its key" test "$K1" = "$(ceph -n client.admin auth print-key client.hopeless-node-n1)"
K2=$(sed -n 's/^secret = //p' "$T/clients/10.9.7.12/hopeless.rbd")
check "n2 has a key of its own" test -n "$K2" -a "$K1" != "$K2"

# What each key can do: rbd with the key on the command line, as a node would.
# A keyring holding the secret the node finds in its hopeless.rbd.
mkkeyring() { printf '[client.hopeless-node-%s]\n\tkey = %s\n' "$1" "$(sed -n 's/^secret = //p' "$T/clients/$2/hopeless.rbd")" > "$SCRATCH/$1.keyring"; }
mkkeyring n1 10.9.7.11; mkkeyring n2 10.9.7.12
asnode() { local n=$1; shift; rbd --id "hopeless-node-$n" --keyring "$SCRATCH/$n.keyring" "$@"; }
fails() { ! "$@" >/dev/null 2>&1; }
# The node's kernel maps its image by name (rbd_id.<name>), then works on
# rbd_header.<id> and rbd_data.<id>.*: the caps are checked object by object
# with rados, as that key, against objects that exist.
ID1=$(rbd -n client.admin info --format json $P/hopeless-state-n1 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
ID2=$(rbd -n client.admin info --format json $P/hopeless-state-n2 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
IDP=$(rbd -n client.admin info --format json $P/hopeless-pristine-16777216-plain | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
echo "# image ids: n1 $ID1, n2 $ID2, pristine $IDP"
asrados() { local n=$1; shift; rados --id "hopeless-node-$n" --keyring "$SCRATCH/$n.keyring" -p $P "$@"; }
denied() { "$@" 2>&1 | grep -q "(1) Operation not permitted"; }
head -c 4096 /dev/urandom > "$SCRATCH/blk1"; head -c 4096 /dev/urandom > "$SCRATCH/blk2"
O=0000000000000003
check "n1's key resolves its image's name to its id" sh -c "rados --id hopeless-node-n1 --keyring '$SCRATCH/n1.keyring' -p $P stat rbd_id.hopeless-state-n1 >/dev/null"
check "n1's key reads its image's header" asrados n1 stat rbd_header.$ID1
check "n1's key writes its image's data" asrados n1 put rbd_data.$ID1.$O "$SCRATCH/blk1"
check "and reads it back" sh -c "rados --id hopeless-node-n1 --keyring '$SCRATCH/n1.keyring' -p $P get rbd_data.$ID1.$O - | cmp -s - '$SCRATCH/blk1'"
check "n1's image now holds that block at 12 MiB (rbd export as admin)" sh -c \
	"rbd -n client.admin export --no-progress $P/hopeless-state-n1 '$SCRATCH/n1.img' && dd if='$SCRATCH/n1.img' bs=4096 skip=3072 count=1 2>/dev/null | cmp -s - '$SCRATCH/blk1'"
check "the pristine image's data reads as an ext4 superblock for n1's key" sh -c \
	"rados --id hopeless-node-n1 --keyring '$SCRATCH/n1.keyring' -p $P get rbd_data.$IDP.0000000000000000 '$SCRATCH/p0' && test \"\$(od -An -tx1 -j1080 -N2 '$SCRATCH/p0' | tr -d ' ')\" = 53ef"
check "n1's key cannot write the pristine image's data" denied asrados n1 put rbd_data.$IDP.0000000000000000 "$SCRATCH/blk2"
check "n1's key cannot change the pristine image's header" denied asrados n1 setxattr rbd_header.$IDP x y
rados -n client.admin -p $P put rbd_data.$ID2.$O "$SCRATCH/blk2"
check "n1's key cannot read n2's header" denied asrados n1 stat rbd_header.$ID2
check "n1's key cannot read n2's data" denied asrados n1 get rbd_data.$ID2.$O "$SCRATCH/stolen"
check "n1's key cannot write n2's data" denied asrados n1 put rbd_data.$ID2.$O "$SCRATCH/blk1"
check "  and n2's block is as it was" sh -c "rados -n client.admin -p $P get rbd_data.$ID2.$O - | cmp -s - '$SCRATCH/blk2'"
check "n1's key cannot list the pool's objects" sh -c "! rados --id hopeless-node-n1 --keyring '$SCRATCH/n1.keyring' -p $P ls >/dev/null 2>&1"
check "n2's key reads n2's data" sh -c "rados --id hopeless-node-n2 --keyring '$SCRATCH/n2.keyring' -p $P get rbd_data.$ID2.$O - | cmp -s - '$SCRATCH/blk2'"
check "n2's key cannot read n1's data" denied asrados n2 get rbd_data.$ID1.$O "$SCRATCH/stolen"
# With rbd (librbd) too: n1's key opens no other image and lists nothing.
check "rbd info of n2's image with n1's key fails" fails asnode n1 info $P/hopeless-state-n2
check "rbd export of n2's image with n1's key fails" fails asnode n1 export --no-progress $P/hopeless-state-n2 "$SCRATCH/n2.img"
check "rbd ls with n1's key fails" fails asnode n1 ls $P
check "rbd create with n1's key fails" fails asnode n1 create --size 4M $P/n1-made
check "  and made nothing" fails rbd -n client.admin info $P/n1-made
check "rbd rm of n2's image with n1's key fails" fails asnode n1 rm --no-progress $P/hopeless-state-n2
check "  and n2's image is there" sh -c "rbd -n client.admin info $P/hopeless-state-n2 >/dev/null"

# A third node reuses the pristine image (no second import); a failure
# leaves nothing behind.
check "node add n3 --state rbd" sh -c "'$HOPELESS' -C '$T' node add n3 --ip 10.9.7.13 --mac 52:54:00:00:07:13 --root deb12 --overlay compute --state rbd >/dev/null 2>&1"
check "one pristine image for all three" test "$(rbd -n client.admin ls $P | grep -c '^hopeless-pristine-')" = 1
check "hopeless config passes hopeless.state=rbd" sh -c "'$HOPELESS' -C '$T' config >/dev/null 2>&1 && grep -rq 'hopeless.state=rbd' '$T/tftp/'"

check "node show names the RBD image and key" sh -c "'$HOPELESS' -C '$T' node show n3 | grep -qx 'image: RBD $P/hopeless-state-n3 (key client.hopeless-node-n3)'"
mkkeyring n3 10.9.7.13
A="rbd -n client.admin"
check "n3's clone has its snapshot pristine, taken when it was made" sh -c "$A snap ls --format json $P/hopeless-state-n3 | grep -q '\"name\":\"pristine\"'"
check "node show n3: not locked, no backups" sh -c "'$HOPELESS' -C '$T' node show n3 >'$SCRATCH/show' && grep -qx 'image state: not locked' '$SCRATCH/show' && grep -qx 'backups: none' '$SCRATCH/show'"
# n3 writes /etc/hello in its writable layer. Written through librbd (the
# image's snapshot context, as the node's kernel does): debugfs -w on an
# export, imported to a scratch image, whose export-diff is import-diff'ed
# into n3's image. A raw rados put would skip the snapshot context.
writeimg() { # writeimg IMAGE CONTENT: /upper/etc/hello = CONTENT in IMAGE
	rm -f "$SCRATCH/w.img" "$SCRATCH/w.diff"; echo "$2" > "$SCRATCH/hello"
	$A export --no-progress "$P/$1" "$SCRATCH/w.img" >/dev/null 2>&1 &&
	debugfs -w -R "mkdir /upper" "$SCRATCH/w.img" >/dev/null 2>&1
	debugfs -w -R "mkdir /upper/etc" "$SCRATCH/w.img" >/dev/null 2>&1
	debugfs -w -R "rm /upper/etc/hello" "$SCRATCH/w.img" >/dev/null 2>&1
	debugfs -w -R "write $SCRATCH/hello /upper/etc/hello" "$SCRATCH/w.img" >/dev/null 2>&1 &&
	$A import --no-progress "$SCRATCH/w.img" "$P/scratch" >/dev/null 2>&1 &&
	$A export-diff --no-progress "$P/scratch" "$SCRATCH/w.diff" >/dev/null 2>&1 &&
	$A import-diff --no-progress "$SCRATCH/w.diff" "$P/$1" >/dev/null 2>&1 &&
	$A rm --no-progress "$P/scratch" >/dev/null 2>&1
}
# catimg SPEC: /upper/etc/hello of the image (or snapshot) SPEC
catimg() { rm -f "$SCRATCH/c.img"; $A export --no-progress "$P/$1" "$SCRATCH/c.img" >/dev/null 2>&1 && debugfs -R "cat /upper/etc/hello" "$SCRATCH/c.img" 2>/dev/null; }
check "n3 writes /etc/hello into its image (librbd, import-diff)" writeimg hopeless-state-n3 "n3 was here"
check "  and the image holds it" test "$(catimg hopeless-state-n3)" = "n3 was here"
$A export --no-progress "$P/hopeless-pristine-16777216-plain@pristine" "$SCRATCH/pristine.img" >/dev/null 2>&1
check "node diff n3 lists the file it wrote" sh -c "'$HOPELESS' -C '$T' node diff n3 2>'$SCRATCH/err' | grep -qx 'A /etc/hello'"
check "node diff n3 --json names it" sh -c "'$HOPELESS' -C '$T' node diff n3 --json 2>/dev/null | grep -q '\"path\":\"/etc/hello\",\"change\":\"added\"'"
check "node inspect n3 /etc/hello prints what the node wrote" test "$("$HOPELESS" -C "$T" node inspect n3 /etc/hello 2>"$SCRATCH/err")" = "n3 was here"
check "  from its RBD image, it says" grep -q "from the node's writable layer (RBD $P/hopeless-state-n3)" "$SCRATCH/err"
check "node inspect n3 of a file it never wrote: looked for in the layers below" sh -c "'$HOPELESS' -C '$T' node inspect n3 /etc/nothing 2>&1 | grep -qx 'hopeless: node inspect: /etc/nothing: in no layer of n3'"
check "reading left no snapshot and no export behind" sh -c "test \"\$($A snap ls $P/hopeless-state-n3 | grep -c hopeless-read)\" = 0 && ! ls '$T/.work/' | grep -q '^rbd\.'"
check_rejects "node inspect n3 with a relative path" node inspect n3 etc/hello
check_rejects "node inspect n3 with .." node inspect n3 /etc/../etc/hello

# A locked image (a running node): reset, purge and capture refused; diff
# reads it as it is, with a warning.
rbd -n client.admin lock add $P/hopeless-state-n3 test-holder
check_rejects "node reset of an rbd node whose image is locked" node reset n3
check_rejects "node reset --force of an rbd node whose image is locked" node reset n3 --force
check_rejects "node reset --from of an rbd node whose image is locked" node reset n3 --from backup-20260101T000000
check_rejects "node rm --purge of an rbd node whose image is locked" node rm n3 --purge
check_rejects "node capture of an rbd node whose image is locked" node capture n3 --into compute
check "node diff of a locked image lists the file, with a warning" sh -c "'$HOPELESS' -C '$T' node diff n3 2>'$SCRATCH/err' | grep -qx 'A /etc/hello' && grep -q 'is locked' '$SCRATCH/err'"
check "node show n3: locked" sh -c "'$HOPELESS' -C '$T' node show n3 | grep -qx 'image state: locked (in use: rbd lock ls)'"
L=$(rbd -n client.admin lock ls --format json $P/hopeless-state-n3 | sed 's/.*"locker":"\([^"]*\)".*/\1/')
rbd -n client.admin lock rm $P/hopeless-state-n3 test-holder "$L"
check "node capture n3 --into compute (from a snapshot export)" sh -c "'$HOPELESS' -C '$T' node capture n3 --into compute >/dev/null 2>&1"
check "  the overlay's new version has /etc/hello" test "$(cat "$T/roots/compute/$(cat "$T/roots/compute/current")/etc/hello" 2>/dev/null)" = "n3 was here"

# node reset: a backup snapshot, then a rollback to "pristine".
ID3=$($A info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
check "node reset n3" sh -c "'$HOPELESS' -C '$T' node reset n3 >'$SCRATCH/reset.log' 2>&1"
sed 's/^/# /' "$SCRATCH/reset.log"
B=$($A snap ls --format json $P/hopeless-state-n3 | grep -o '"name":"backup-[0-9T.]*"' | cut -d'"' -f4)
check "n3's old content is kept as a snapshot backup-<stamp>" test "$(echo "$B" | grep -c '^backup-[0-9]\{8\}T[0-9]\{6\}$')" = 1
check "  which the reset names" grep -q "kept as $P/hopeless-state-n3@$B" "$SCRATCH/reset.log"
check "  and which holds /etc/hello" test "$(catimg "hopeless-state-n3@$B")" = "n3 was here"
check "n3's image is pristine again (byte for byte the pristine snapshot)" sh -c "rm -f '$SCRATCH/c.img'; $A export --no-progress $P/hopeless-state-n3 '$SCRATCH/c.img' >/dev/null 2>&1 && cmp -s '$SCRATCH/c.img' '$SCRATCH/pristine.img'"
ID3B=$($A info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
check "  with the same id (the key's caps and hopeless.rbd stand)" test "$ID3B" = "$ID3"
check "  which n3's key still reaches" asrados n3 stat rbd_header.$ID3
check "node diff n3 after the reset: nothing, exit 0" sh -c "out=\$('$HOPELESS' -C '$T' node diff n3 2>/dev/null) && test -z \"\$out\""
check "node show n3 lists the backup and how to restore it" sh -c "'$HOPELESS' -C '$T' node show n3 | grep -qx 'backups: $B (snapshots; hopeless node reset n3 --from BACKUP restores one)'"
check_rejects "node reset --from a name that is no backup" node reset n3 --from pristine
check_rejects "node reset --from a name with a slash" node reset n3 --from "backup-1/../x"
check_rejects "node reset --from a backup n3 does not have" node reset n3 --from backup-19990101T000000
check "node reset n3 --from $B --no-backup restores it" sh -c "'$HOPELESS' -C '$T' node reset n3 --from '$B' --no-backup >/dev/null 2>&1"
check "  /etc/hello is back in the image" test "$("$HOPELESS" -C "$T" node inspect n3 /etc/hello 2>/dev/null)" = "n3 was here"
check "  the backup stays, and no other was taken" test "$($A snap ls $P/hopeless-state-n3 | grep -c ' backup-')" = 1
check "node reset n3 --no-backup: pristine, still one backup" sh -c "'$HOPELESS' -C '$T' node reset n3 --no-backup >/dev/null 2>&1 && test \$($A snap ls $P/hopeless-state-n3 | grep -c ' backup-') = 1 && rm -f '$SCRATCH/c.img' && $A export --no-progress $P/hopeless-state-n3 '$SCRATCH/c.img' >/dev/null 2>&1 && cmp -s '$SCRATCH/c.img' '$SCRATCH/pristine.img'"

check "rbd rm of n3's image (as the admin)" sh -c "rbd -n client.admin snap purge --no-progress $P/hopeless-state-n3 >/dev/null 2>&1 && rbd -n client.admin rm --no-progress $P/hopeless-state-n3 >/dev/null 2>&1"
check "node set n3 --state rbd makes its clone again" sh -c "'$HOPELESS' -C '$T' node set n3 --state rbd >/dev/null 2>&1 && rbd -n client.admin info $P/hopeless-state-n3 >/dev/null"
ID3=$(rbd -n client.admin info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
mkkeyring n3 10.9.7.13
check "and n3's key reaches the new image's header" asrados n3 stat rbd_header.$ID3

# An image made before clones got their "pristine" snapshot: reset still
# renames it aside and clones a fresh one (which has the snapshot).
check "an image without the snapshot pristine (as made before)" sh -c "$A snap rm --no-progress $P/hopeless-state-n3@pristine >/dev/null 2>&1"
check "node reset n3 of such an image" sh -c "'$HOPELESS' -C '$T' node reset n3 >'$SCRATCH/reset.log' 2>&1 && grep -q 'kept as $P/hopeless-backup-n3-' '$SCRATCH/reset.log'"
check "  renames it aside and clones a fresh one with pristine" sh -c "$A ls $P | grep -q '^hopeless-backup-n3-' && $A snap ls $P/hopeless-state-n3 | grep -q ' pristine '"
mkkeyring n3 10.9.7.13
check "  and n3's key follows the new image" asrados n3 stat rbd_header.$($A info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')

# node set --state rbd on an image node.
check "node add n4 --state image" sh -c "'$HOPELESS' -C '$T' node add n4 --ip 10.9.7.14 --mac 52:54:00:00:07:14 --root deb12 --overlay compute --state image >/dev/null 2>&1"
check_rejects "node reset --from for an image-state node" node reset n4 --from "$B"
check "node set n4 --state rbd" sh -c "'$HOPELESS' -C '$T' node set n4 --state rbd >/dev/null 2>&1"
check "node show n4: the RBD image, and the image file it kept" sh -c "'$HOPELESS' -C '$T' node show n4 >'$SCRATCH/show' && grep -qx 'image: RBD $P/hopeless-state-n4 (key client.hopeless-node-n4)' '$SCRATCH/show' && grep -qx 'backups: none' '$SCRATCH/show' && grep -q '^image file: .*/state/10.9.7.14/rw.img (kept' '$SCRATCH/show'"
check "n4 has its clone, key and hopeless.rbd" sh -c "rbd -n client.admin info $P/hopeless-state-n4 >/dev/null && ceph -n client.admin auth get client.hopeless-node-n4 -o /dev/null && test -s '$T/clients/10.9.7.14/hopeless.rbd'"

# node rm: the key goes, the image stays; --purge takes it aside.
check "node rm n2" sh -c "'$HOPELESS' -C '$T' node rm n2 >'$SCRATCH/rm.log' 2>&1"
sed 's/^/# /' "$SCRATCH/rm.log"
check "n2's key is gone" sh -c "! ceph -n client.admin auth get client.hopeless-node-n2 -o /dev/null 2>/dev/null"
check "n2's image is kept" sh -c "rbd -n client.admin info $P/hopeless-state-n2 >/dev/null"
check "node add n2 again takes its image up (nothing lost)" sh -c "'$HOPELESS' -C '$T' node add n2 --ip 10.9.7.12 --mac 52:54:00:00:07:12 --root deb12 --overlay compute --state rbd >/dev/null 2>&1 && rbd -n client.admin info $P/hopeless-state-n2 >/dev/null"
check "with a new key" sh -c "test -n \"\$(sed -n 's/^secret = //p' '$T/clients/10.9.7.12/hopeless.rbd')\" && test \"\$(sed -n 's/^secret = //p' '$T/clients/10.9.7.12/hopeless.rbd')\" != '$K2'"
check "node rm n1 --purge" sh -c "'$HOPELESS' -C '$T' node rm n1 --purge >'$SCRATCH/rm.log' 2>&1"
sed 's/^/# /' "$SCRATCH/rm.log"
check "n1's image is renamed aside, not deleted" sh -c "! rbd -n client.admin info $P/hopeless-state-n1 >/dev/null 2>&1 && rbd -n client.admin ls $P | grep -q '^hopeless-backup-n1-'"
check "  with its snapshots" sh -c "rbd -n client.admin snap ls $P/\$(rbd -n client.admin ls $P | grep '^hopeless-backup-n1-') | grep -q ' pristine '"
check "node rm n3 --purge --no-backup" sh -c "'$HOPELESS' -C '$T' node rm n3 --purge --no-backup >/dev/null 2>&1"
check "n3's image is deleted, backups and all" sh -c "! rbd -n client.admin ls $P | grep -qx 'hopeless-state-n3'"
done_testing
