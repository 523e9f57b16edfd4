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
# node reset: a fresh clone; the old image kept aside; refused while locked.
check "n3 writes its image" asrados n3 put rbd_data.$(rbd -n client.admin info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/').$O "$SCRATCH/blk1"
rbd -n client.admin lock add $P/hopeless-state-n3 test-holder
check_rejects "node reset of an rbd node whose image is locked" node reset n3
check_rejects "node reset --force of an rbd node whose image is locked" node reset n3 --force
check_rejects "node rm --purge of an rbd node whose image is locked" node rm n3 --purge
L=$(rbd -n client.admin lock ls --format json $P/hopeless-state-n3 | sed 's/.*"locker":"\([^"]*\)".*/\1/')
rbd -n client.admin lock rm $P/hopeless-state-n3 test-holder "$L"
check "node reset n3" sh -c "'$HOPELESS' -C '$T' node reset n3 >'$SCRATCH/reset.log' 2>&1"
sed 's/^/# /' "$SCRATCH/reset.log"
check "n3's old image is kept aside, with its data" sh -c "b=\$(rbd -n client.admin ls $P | grep '^hopeless-backup-n3-'); test -n \"\$b\" && ! rbd -n client.admin du --format json $P/\$b | grep -q '\"used_size\":0'"
check "n3's new image is a fresh clone (0 bytes used)" sh -c "rbd -n client.admin info $P/hopeless-state-n3 | grep -q 'parent: $P/hopeless-pristine' && rbd -n client.admin du --format json $P/hopeless-state-n3 2>/dev/null | grep -q '\"used_size\":0'"
ID3=$(rbd -n client.admin info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
check "n3's key (the same) reaches the new image" asrados n3 stat rbd_header.$ID3
check "node reset n3 --no-backup" sh -c "'$HOPELESS' -C '$T' node reset n3 --no-backup >/dev/null 2>&1 && test \$(rbd -n client.admin ls $P | grep -c '^hopeless-backup-n3-') = 1"
check_rejects "node diff of an rbd node (not built yet)" node diff n3

check "rbd rm of n3's image (as the admin)" sh -c "rbd -n client.admin rm --no-progress $P/hopeless-state-n3 >/dev/null 2>&1"
check "node set n3 --state rbd makes its clone again" sh -c "'$HOPELESS' -C '$T' node set n3 --state rbd >/dev/null 2>&1 && rbd -n client.admin info $P/hopeless-state-n3 >/dev/null"
ID3=$(rbd -n client.admin info --format json $P/hopeless-state-n3 | sed 's/.*"block_name_prefix":"rbd_data\.\([0-9a-f]*\)".*/\1/')
mkkeyring n3 10.9.7.13
check "and n3's key reaches the new image's header" asrados n3 stat rbd_header.$ID3

# node set --state rbd on an image node.
check "node add n4 --state image" sh -c "'$HOPELESS' -C '$T' node add n4 --ip 10.9.7.14 --mac 52:54:00:00:07:14 --root deb12 --overlay compute --state image >/dev/null 2>&1"
check "node set n4 --state rbd" sh -c "'$HOPELESS' -C '$T' node set n4 --state rbd >/dev/null 2>&1"
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
check "node rm n3 --purge --no-backup" sh -c "'$HOPELESS' -C '$T' node rm n3 --purge --no-backup >/dev/null 2>&1"
check "n3's image is deleted" sh -c "! rbd -n client.admin ls $P | grep -qx 'hopeless-state-n3'"
done_testing
