#!/bin/bash
# Two NFS heads on one real Ceph (issue 11, "Heads"): a hopeless tree on
# CephFS (ceph-fuse, in this test's mount namespace) with two heads declared
# (hopeless head add), hopeless config writes etc/heads/<name>/ganesha.conf,
# and two nfs-ganesha processes run from exactly those files on two
# addresses. A node, in a network namespace of its own with its registered
# address, reads a file written into the tree through both heads, finds a
# shared layer read-only through both, and another host gets nothing; both
# heads joined one grace database. Runs in network and mount namespaces of
# its own (unshare -n -m; private /run and /var/lib/nfs); stops only the
# PIDs it started.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec unshare -n -m --propagation private env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-ceph-heads.sh needs network and mount namespaces (run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/lab/ceph.sh"
T0=$(date +%s)
for tool in ceph-mon ceph-osd ceph-mds ceph-mgr ceph-fuse ganesha.nfsd ganesha-rados-grace nfs-cat nfs-cp nfs-ls; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed; run scripts/deps.sh"
		done_testing; exit
	fi
done
if [ ! -e /usr/lib/x86_64-linux-gnu/ganesha/libfsalceph.so ]; then
	fail "nfs-ganesha-ceph (FSAL_CEPH) is not installed; run scripts/deps.sh"
	done_testing; exit
fi

MON=10.9.8.1 H1=10.9.8.2 H2=10.9.8.3 NODE=10.9.8.11 OTHER=10.9.8.12
W=$SCRATCH/ceph
MNT=$SCRATCH/cephfs
mkdir -p "$SCRATCH/nfs-lib" "$SCRATCH/run" "$MNT"
mount --bind "$SCRATCH/nfs-lib" /var/lib/nfs
mount --bind "$SCRATCH/run" /run
mkdir -p /run/ganesha
ip link set lo up
# the host kernel has no dummy netdev: a bridge carries the heads' addresses
ip link add hlheads0 type bridge
for a in $MON $H1 $H2; do ip addr add "$a/24" dev hlheads0; done
ip link set hlheads0 up
# The node and a stranger: network namespaces of their own on the bridge.
for n in node other; do
	ip netns add "hl$n"
	ip link add "hl$n-h" type veth peer name eth0 netns "hl$n"
	ip link set "hl$n-h" master hlheads0 up
	ip -n "hl$n" link set lo up
	ip -n "hl$n" link set eth0 up
done
ip -n hlnode addr add "$NODE/24" dev eth0
ip -n hlother addr add "$OTHER/24" dev eth0

G1="" G2="" FUSE=""
stop_pid() { [ -z "$1" ] || { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }; }
cleanup() {
	stop_pid "$G1"; stop_pid "$G2"
	[ -z "$FUSE" ] || { umount "$MNT" 2>/dev/null; stop_pid "$FUSE"; }
	ceph_stop "$W"
	ip netns del hlnode 2>/dev/null; ip netns del hlother 2>/dev/null
	umount /run/netns 2>/dev/null
	[ -z "${KEEP:-}" ] || { mkdir -p /tmp/ceph-heads-logs; cp -r "$W/log" "$SCRATCH"/*.log /tmp/ceph-heads-logs/ 2>/dev/null; }
	umount /run /var/lib/nfs 2>/dev/null
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
ALL_PIDS=$(ceph_pids "$W" | tr "\n" " ")
ceph-fuse -f -c "$C" -n client.admin "$MNT" >"$SCRATCH/fuse.log" 2>&1 &
FUSE=$!
ALL_PIDS="$ALL_PIDS$FUSE"
for _ in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
check "ceph-fuse mounts CephFS" mountpoint -q "$MNT"

# The tree: one root, one overlay, one node, two heads. Made on local disk
# and its layers copied into CephFS at /hopeless (ceph_path): the tree on
# CephFS itself is t-ceph-tree.sh; this test is about the heads.
T=$SCRATCH/tree
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
echo "shared layer $$" > "$R/etc/marker"
check "hopeless init" sh -c "'$HOPELESS' -C '$T' init --server $MON --interface hlheads0 --image-size 16M >/dev/null"
check "root add" sh -c "'$HOPELESS' -C '$T' root add deb12 --from '$R' >/dev/null"
check "overlay add" sh -c "'$HOPELESS' -C '$T' overlay add compute >/dev/null"
check "node add" sh -c "'$HOPELESS' -C '$T' node add n1 --ip $NODE --mac 52:54:00:00:08:11 --root deb12 --overlay compute --state image >/dev/null"
check "head add h1" sh -c "'$HOPELESS' -C '$T' head add h1 --ip $H1 >/dev/null"
check "head add h2" sh -c "'$HOPELESS' -C '$T' head add h2 --ip $H2 >/dev/null"
printf 'ceph_conf = %s\nceph_path = /hopeless\n' "$C" >> "$T/hopeless.conf"
check "hopeless config" sh -c "'$HOPELESS' -C '$T' config >'$SCRATCH/config.log' 2>&1"
check "the node's boot file names both heads" grep -Eq "hopeless.servers=10.9.8.[23] hopeless.server=10.9.8.[23] " "$T/tftp/ipxe/52-54-00-00-08-11.ipxe"
VER=$(cat "$T/roots/deb12/current" 2>/dev/null)
check "the root has a current version ($VER)" test -n "$VER"
mkdir -p "$MNT/hopeless"
check "the tree's layers copied into CephFS" cp -a "$T/roots" "$T/clients" "$T/state" "$MNT/hopeless/"

# Both node ids in the grace database, then a ganesha per head, each
# from the file hopeless config wrote for it.
check "ganesha-rados-grace adds h1 and h2" \
	env CEPH_CONF="$C" ganesha-rados-grace --cephconf "$C" --userid ganesha --pool nfs-ganesha --ns grace add h1 h2
start_head() {
	CEPH_CONF=$C ganesha.nfsd -F -f "$T/etc/heads/$1/ganesha.conf" -L "$SCRATCH/ganesha-$1.log" \
		-p "/run/ganesha/$1.pid" -N NIV_EVENT >/dev/null 2>&1 &
}
start_head h1; G1=$!
start_head h2; G2=$!
ALL_PIDS="$ALL_PIDS $G1 $G2"
for _ in $(seq 1 300); do
	[ "$(ss -ltn | grep -c ":2049 ")" -ge 2 ] && break
	sleep 0.1
done
ss -ltnp | grep 2049 | sed 's/^/# /'
# ganesha listens on an IPv6 socket: the address shows as [::ffff:A.B.C.D]
check "both heads listen, each on its own address" sh -c "ss -ltn | grep -Fq ':$H1]:2049 ' && ss -ltn | grep -Fq ':$H2]:2049 '"
check "and nothing else listens on port 2049" test "$(ss -ltn | grep -c ':2049 ')" = 2
check "both heads loaded the tree's exports" sh -c "! grep -q 'No export entries' '$SCRATCH/ganesha-h1.log' '$SCRATCH/ganesha-h2.log'"

# A file written into the tree (the node's host layer) through CephFS.
echo "written into the tree $$" > "$MNT/hopeless/clients/$NODE/hello"
sync
asnode() { ip netns exec hlnode "$@"; }
read_through() { # HEADADDR PATH: nfs-cat as the node, waiting out a grace period
	local got=""
	for _ in $(seq 1 90); do
		kill -0 "$G1" 2>/dev/null && kill -0 "$G2" 2>/dev/null || break
		got=$(asnode nfs-cat "nfs://$1$2?version=4" 2>/dev/null) && [ -n "$got" ] && break
		sleep 1
	done
	printf '%s' "$got"
}
t=$(date +%s)
check "the node reads it through h1" test "$(read_through $H1 "/clients/$NODE/hello")" = "written into the tree $$"
check "and through h2" test "$(read_through $H2 "/clients/$NODE/hello")" = "written into the tree $$"
echo "# first reads after $(( $(date +%s) - t )) s (grace period)"
check "the shared root reads through h1" test "$(read_through $H1 "/roots/deb12/$VER/etc/marker")" = "shared layer $$"
check "and through h2" test "$(read_through $H2 "/roots/deb12/$VER/etc/marker")" = "shared layer $$"
echo "from the node $$" > "$SCRATCH/small"
for a in $H1 $H2; do
	check "the shared root refuses a write through $a" sh -c "! ip netns exec hlnode nfs-cp '$SCRATCH/small' 'nfs://$a/roots/deb12/$VER/etc/intruder?version=4' 2>/dev/null"
	check "the node's host layer refuses a write through $a" sh -c "! ip netns exec hlnode nfs-cp '$SCRATCH/small' 'nfs://$a/clients/$NODE/intruder?version=4' 2>/dev/null"
	check "another host reads nothing through $a" sh -c "! ip netns exec hlother nfs-cat 'nfs://$a/clients/$NODE/hello?version=4' >/dev/null 2>&1"
done
# The node's writable layer: its rw.img, owned by state_uid with mode 0600;
# the state export squashes the node's root to state_uid, so the node reads
# it through either head (libnfs's nfs-cp only creates files: a write over
# the image is for the boot tests).
echo "state of the node $$" | dd of="$MNT/hopeless/state/$NODE/rw.img" conv=notrunc status=none
sync
check "rw.img is state_uid's, 0600, in CephFS" test "$(stat -c %u:%a "$MNT/hopeless/state/$NODE/rw.img")" = 64055:600
check "the node reads its rw.img through h1" sh -c "ip netns exec hlnode nfs-cat 'nfs://$H1/state/$NODE/rw.img?version=4' 2>/dev/null | head -c 100 | grep -qa 'state of the node $$'"
check "and through h2" sh -c "ip netns exec hlnode nfs-cat 'nfs://$H2/state/$NODE/rw.img?version=4' 2>/dev/null | head -c 100 | grep -qa 'state of the node $$'"
check "another host cannot read it" sh -c "! ip netns exec hlother nfs-cat 'nfs://$H2/state/$NODE/rw.img?version=4' 2>/dev/null | grep -qa 'state of the node'"
check "root squashed: the node cannot create files beside it" sh -c "! ip netns exec hlnode nfs-cp '$SCRATCH/small' 'nfs://$H1/state/$NODE/other?version=4' 2>/dev/null"
check "nothing was written" test ! -e "$MNT/hopeless/roots/deb12/$VER/etc/intruder" -a ! -e "$MNT/hopeless/clients/$NODE/intruder" -a ! -e "$MNT/hopeless/state/$NODE/other"

# One grace database: both node ids in it.
DUMP=$(CEPH_CONF=$C ganesha-rados-grace --cephconf "$C" --userid ganesha --pool nfs-ganesha --ns grace dump 2>&1)
echo "$DUMP" | sed 's/^/# /'
check "the grace database lists h1" sh -c "printf '%s\n' '$DUMP' | grep -Eq '^h1([[:space:]]|$)'"
check "and h2" sh -c "printf '%s\n' '$DUMP' | grep -Eq '^h2([[:space:]]|$)'"
check "both heads are MDS clients" sh -c "test \$(CEPH_CONF='$C' ceph tell mds.a client ls 2>/dev/null | grep -c '\"entity_id\": \"ganesha\"') -ge 2"

# Teardown: heads, client, cluster; no process survives.
stop_pid "$G1"; stop_pid "$G2"; G1="" G2=""
umount "$MNT"; stop_pid "$FUSE"; FUSE=""
ceph_stop "$W"
left=""
for p in $ALL_PIDS; do
	[ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left="$left $p"
done
check "no process the test started survives (pids:$ALL_PIDS)" test -z "$left"
check "nothing listens in the namespace any more" sh -c "! ss -ltn | grep -q LISTEN"
echo "# t-ceph-heads.sh wall time $(( $(date +%s) - T0 )) s"
done_testing
