#!/bin/bash
# One NFS head on a real Ceph (issue 11, first building block), in a network
# and mount namespace of the test's own (unshare -n -m; private /run and
# /var/lib/nfs): lab/ceph.sh brings up mon, mgr, a BlueStore OSD on a sparse
# file, an MDS and CephFS with cephx; nfs-ganesha exports CephFS through
# FSAL_CEPH with its own key and RecoveryBackend rados_cluster (its node id
# registered with ganesha-rados-grace). A file written into CephFS through
# ceph-fuse reads back through ganesha over NFSv4 (libnfs nfs-cat); a write
# through the read-write export lands in CephFS; the read-only export refuses
# a write; ganesha's key cannot touch RBD, the metadata pool or another
# namespace of its grace pool; teardown leaves no process it started.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec unshare -n -m --propagation private env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-ceph-head.sh needs network and mount namespaces (run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/lab/ceph.sh"
T0=$(date +%s)
for tool in ceph-mon ceph-osd ceph-mds ceph-mgr ceph-fuse ganesha.nfsd ganesha-rados-grace nfs-cat nfs-cp rbd rados; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed; run scripts/deps.sh"
		done_testing; exit
	fi
done
if [ ! -e /usr/lib/x86_64-linux-gnu/ganesha/libfsalceph.so ]; then
	fail "nfs-ganesha-ceph (FSAL_CEPH) is not installed; run scripts/deps.sh"
	done_testing; exit
fi

ADDR=10.9.7.1
W=$SCRATCH/ceph
MNT=$SCRATCH/cephfs
G=$SCRATCH/ganesha
mkdir -p "$SCRATCH/nfs-lib" "$SCRATCH/run" "$MNT" "$G"
mount --bind "$SCRATCH/nfs-lib" /var/lib/nfs
mount --bind "$SCRATCH/run" /run
mkdir -p /run/ganesha
ip link set lo up
# the host kernel has no dummy netdev: a bridge carries the address
ip link add hlceph0 type bridge
ip addr add "$ADDR/24" dev hlceph0
ip link set hlceph0 up

GANESHA="" FUSE=""
cleanup() {
	[ -z "$FUSE" ] || { umount "$MNT" 2>/dev/null; kill "$FUSE" 2>/dev/null; wait "$FUSE" 2>/dev/null; }
	[ -z "$GANESHA" ] || { kill "$GANESHA" 2>/dev/null; wait "$GANESHA" 2>/dev/null; }
	ceph_stop "$W"
	[ -z "${KEEP:-}" ] || cp -r "$W/log" "$G" /tmp/ceph-head-logs/ 2>/dev/null
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

t=$(date +%s)
if ! ceph_start "" "$ADDR" "$W" 150; then
	fail "the lab Ceph came up"
	done_testing; exit
fi
ok "the lab Ceph came up: HEALTH_OK, mds up:active ($(( $(date +%s) - t )) s)"
sed 's/^/# /' "$W/log/start.times"
C=$W/ceph.conf
ALL_PIDS=$(ceph_pids "$W" | tr "\n" " ")
echo "# daemons' RSS $(ps -o rss= -p "$(ceph_pids "$W" | paste -sd,)" | awk '{s += $1} END {print int(s / 1024)}') MiB, disk $(du -sm "$W" | cut -f1) MiB"
check "ceph.conf keeps every path under the work folder" sh -c "! grep -E '^(run dir|admin socket|pid file|log file|keyring|mon data|osd data|mds data|mgr data) = ' '$C' | grep -v ' = $W/'"
check "cephx is required" grep -q '^auth cluster required = cephx' "$C"
check "a client without a key is refused" sh -c "! CEPH_CONF='$C' timeout 20 ceph -n client.nobody --keyring /dev/null --connect-timeout 5 health >/dev/null 2>&1"
check "the OSD is BlueStore" sh -c "CEPH_CONF='$C' ceph osd metadata 0 | grep -q '\"osd_objectstore\": \"bluestore\"'"
check "the RBD pool is initialised (application rbd)" sh -c "CEPH_CONF='$C' ceph osd pool application get rbd | grep -q '\"rbd\"'"
check "the admin key reaches RBD" env CEPH_CONF="$C" rbd ls rbd

# CephFS through ceph-fuse (admin key), in this test's own mount namespace.
ceph-fuse -f -c "$C" -n client.admin "$MNT" >"$SCRATCH/fuse.out" 2>&1 &
FUSE=$!
ALL_PIDS="$ALL_PIDS$FUSE"
for _ in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
check "ceph-fuse mounts CephFS" mountpoint -q "$MNT"
mkdir -p "$MNT/pub"
echo "hello from cephfs $$" > "$MNT/pub/hello"
sync

# ganesha: node id head1 in the grace database, then one head on CephFS.
check "ganesha-rados-grace adds node id head1 with the ganesha key" \
	env CEPH_CONF="$C" ganesha-rados-grace --cephconf "$C" --userid ganesha --pool nfs-ganesha --ns grace add head1
cat > "$G/ganesha.conf" <<EOF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Bind_addr = $ADDR; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { RecoveryBackend = rados_cluster; Lease_Lifetime = 5; Grace_Period = 5; }
RADOS_KV { Ceph_Conf = "$C"; UserId = "ganesha"; Pool = "nfs-ganesha"; Namespace = "grace"; NodeId = "head1"; }
CEPH { Ceph_Conf = "$C"; }
EXPORT {
	Export_Id = 1; Path = "/"; Pseudo = "/cephfs"; Protocols = 4;
	Access_Type = RW; Squash = No_Root_Squash; SecType = sys;
	FSAL { Name = CEPH; User_Id = "ganesha"; Filesystem = "cephfs"; }
}
EXPORT {
	Export_Id = 2; Path = "/pub"; Pseudo = "/ro"; Protocols = 4;
	Access_Type = RO; Squash = No_Root_Squash; SecType = sys;
	FSAL { Name = CEPH; User_Id = "ganesha"; Filesystem = "cephfs"; }
}
EOF
t=$(date +%s)
CEPH_CONF=$C ganesha.nfsd -F -f "$G/ganesha.conf" -L "$G/ganesha.log" -p "$G/ganesha.pid" -N NIV_EVENT >/dev/null 2>&1 &
GANESHA=$!
ALL_PIDS="$ALL_PIDS $GANESHA"
for _ in $(seq 1 300); do ss -ltn | grep -q ':2049 ' && break; sleep 0.1; done
echo "# ganesha up after $(( $(date +%s) - t )) s"
check "ganesha listens on port 2049" sh -c "ss -ltn | grep -q ':2049 '"

# NFSv4 opens fail with NFS4ERR_GRACE until the grace period ends.
U=nfs://$ADDR
got=""
t=$(date +%s)
for _ in $(seq 1 60); do
	got=$(nfs-cat "$U/cephfs/pub/hello?version=4" 2>/dev/null) && [ -n "$got" ] && break
	sleep 1
done
echo "# first NFSv4 read after $(( $(date +%s) - t )) s (grace period)"
check "a file written into CephFS reads back through ganesha over NFSv4" test "$got" = "hello from cephfs $$"
check "and through the read-only export" test "$(nfs-cat "$U/ro/hello?version=4" 2>/dev/null)" = "hello from cephfs $$"
echo "written through ganesha $$" > "$SCRATCH/small"
check "a write through the read-write export succeeds" sh -c "nfs-cp '$SCRATCH/small' '$U/cephfs/pub/from-nfs?version=4' >/dev/null"
check "and lands in CephFS" test "$(cat "$MNT/pub/from-nfs" 2>/dev/null)" = "written through ganesha $$"
check "the read-only export refuses a write" sh -c "! nfs-cp '$SCRATCH/small' '$U/ro/refused?version=4' 2>/dev/null"
check "and nothing was written" test ! -e "$MNT/pub/refused"
check "ganesha's session shows in the MDS's client list" sh -c "CEPH_CONF='$C' ceph tell mds.a client ls 2>/dev/null | grep -q 'client.ganesha\|\"entity_id\": \"ganesha\"'"

# What the ganesha key must not do.
check "the ganesha key cannot list RBD images" sh -c "! CEPH_CONF='$C' timeout 30 rbd -n client.ganesha ls rbd >/dev/null 2>&1"
check "nor create one" sh -c "! CEPH_CONF='$C' timeout 30 rbd -n client.ganesha create --size 16M rbd/intruder >/dev/null 2>&1"
check "nor read the metadata pool" sh -c "! CEPH_CONF='$C' timeout 30 rados -n client.ganesha -p cephfs_metadata ls >/dev/null 2>&1"
check "nor write outside its grace namespace" sh -c "! CEPH_CONF='$C' timeout 30 rados -n client.ganesha -p nfs-ganesha -N other put x /etc/hostname >/dev/null 2>&1"
check "but does read its grace namespace" sh -c "CEPH_CONF='$C' timeout 30 rados -n client.ganesha -p nfs-ganesha -N grace ls | grep -q grace"
check "nor change the cluster" sh -c "! CEPH_CONF='$C' timeout 30 ceph -n client.ganesha osd pool create stolen 8 >/dev/null 2>&1"
check "the intruder image does not exist" sh -c "! CEPH_CONF='$C' rbd ls rbd | grep -q intruder"

# Teardown: clients, ganesha, then the cluster; no process survives.
t=$(date +%s)
umount "$MNT"; kill "$FUSE" 2>/dev/null; wait "$FUSE" 2>/dev/null; FUSE=""
kill "$GANESHA"; wait "$GANESHA" 2>/dev/null; GANESHA=""
ceph_stop "$W"
echo "# teardown took $(( $(date +%s) - t )) s"
left=""
for p in $ALL_PIDS; do
	[ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left="$left $p"
done
check "no process the test started survives (pids:$ALL_PIDS)" test -z "$left"
check "nothing listens in the namespace any more" sh -c "! ss -ltn | grep -q LISTEN"
echo "# t-ceph-head.sh wall time $(( $(date +%s) - T0 )) s"
done_testing
