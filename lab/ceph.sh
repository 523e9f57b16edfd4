# hopeless lab: a real single-machine Ceph cluster, for the lab and the tests.
# A bash library: source it, then
#
#   ceph_start NETNS ADDR WORKDIR [TIMEOUT]
#       Brings up, inside the network namespace NETNS ("" = the caller's own)
#       and on the address ADDR (already on one of its interfaces, e.g. the
#       lab's bridge), a Ceph cluster with cephx: mon.a, mgr.x, osd.0
#       (BlueStore on a sparse file), mds.a, a CephFS "cephfs" (pools
#       cephfs_metadata, cephfs_data), an RBD pool "rbd" (rbd pool init) and
#       the pool "nfs-ganesha" whose namespace "grace" holds nfs-ganesha's
#       rados_cluster grace and recovery data. Keys: client.admin and
#       client.ganesha (mon r, mds rw, osd rw on cephfs_data and on the grace
#       namespace only). Every file is under WORKDIR (an empty or missing
#       folder): ceph.conf, keys/, mon/ mgr/ osd/ mds/ (data), run/ (pids,
#       admin sockets), log/. Waits (TIMEOUT seconds, default 120) for
#       HEALTH_OK and an up:active MDS. On failure prints one line naming the
#       log to read, stops what it started and returns 1.
#   ceph_stop WORKDIR
#       Stops the daemons ceph_start started, by their recorded PIDs, in the
#       order clients-first: mds, osd, mgr, mon (SIGTERM, then SIGKILL after
#       CEPH_STOP_WAIT seconds, default 10). Leaves WORKDIR (logs) in place.
#   ceph_cmd WORKDIR PROGRAM ARGS...
#       Runs a Ceph client program (ceph, rados, rbd, ganesha-rados-grace,
#       ...) inside the cluster's namespace with CEPH_CONF set to its
#       ceph.conf, as client.admin unless ARGS say otherwise (-n/--id).
#   ceph_pids WORKDIR
#       Prints the PIDs ceph_start started, one a line.
#
# Needs root (namespaces) and Debian 12's ceph-mon, ceph-mgr, ceph-osd,
# ceph-mds and ceph-common (scripts/deps.sh installs them). Cost measured on
# the 2-core test machine: see docs/scale-out.md.

# _ceph_in WORKDIR PROGRAM ARGS...: PROGRAM in the cluster's namespace.
_ceph_in() {
	local w=$1; shift
	local ns
	ns=$(cat "$w/netns" 2>/dev/null) || ns=""
	if [ -n "$ns" ]; then
		CEPH_CONF="$w/ceph.conf" ip netns exec "$ns" "$@"
	else
		CEPH_CONF="$w/ceph.conf" "$@"
	fi
}

ceph_cmd() {
	local w=$1; shift
	_ceph_in "$w" "$@"
}

ceph_pids() {
	[ -f "$1/run/daemons" ] || return 0
	awk '{print $2}' "$1/run/daemons"
}

# _ceph_conf WORKDIR ADDR FSID: writes WORKDIR/ceph.conf.
_ceph_conf() {
	local w=$1 addr=$2 fsid=$3
	cat > "$w/ceph.conf" <<EOF
# Written by lab/ceph.sh: a one-machine lab cluster, every path under $w.
[global]
fsid = $fsid
mon host = [v2:$addr:3300,v1:$addr:6789]
public addr = $addr
public network = $addr/32
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $w/keys/\$name.keyring
run dir = $w/run
admin socket = $w/run/\$name.asok
pid file = $w/run/\$name.pid
log file = $w/log/\$name.log
crash dir = $w/crash
exec dir = $w/run
# one OSD: one copy, placement by OSD (not host), few PGs, no autoscaler
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
# one mon: commit map changes at once rather than batching them for 1 s
paxos propose interval = 0.05
paxos min wait = 0.01
mon warn on pool no redundancy = false
# the machine's disk is shared: its fill level is not this cluster's health
mon data avail warn = 1
mon data avail crit = 0
mon osd full ratio = .99
mon osd backfillfull ratio = .99
mon osd nearfull ratio = .99
osd failsafe full ratio = .99
# 2 cores: fewer threads everywhere, faster beacons and ticks for start-up
ms async op threads = 1
mon osd reporter subtree level = osd
mds beacon interval = 1
mon mgr beacon grace = 10
osd op num shards = 1
osd op num threads per shard = 2
osd recovery max active = 1
osd max backfills = 1
osd scrub begin hour = 23
osd scrub end hour = 0
osd deep scrub interval = 31536000
osd scrub min interval = 31536000
osd scrub max interval = 31536000

[client]
# every client process has its own socket (else each one complains)
admin socket = $w/run/\$name.\$pid.asok
log file = $w/log/\$name.log

[mon]
mon data = $w/mon
keyring = $w/mon/keyring
mon initial members = a
mon cluster log file = $w/log/cluster.log
mon cluster log file level = info
mon_cluster_log_to_file = true

[mgr]
mgr data = $w/mgr
mgr initial modules =
# the mgr imports every module it finds (~310 MiB RSS); the always-on ones
# must load (HEALTH_ERR otherwise), the rest are never imported (~160 MiB)
mgr disabled modules = alerts,influx,insights,iostat,localpool,mirroring,nfs,osd_perf_query,osd_support,prometheus,restful,selftest,snap_schedule,stats,telegraf,test_orchestrator,zabbix,diskprediction_local

[osd]
osd data = $w/osd
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 10737418240
osd memory target = 1073741824
bluestore cache autotune = true
osd fast shutdown = true
# A client that dies without unmapping (a node powered off with its RBD
# upper mounted) keeps its watch, and so its image's exclusive lock, for
# this long; 30 s by default. The node's next boot waits for it.
osd client watch timeout = 15

[mds]
mds data = $w/mds
mds cache memory limit = 268435456
# A lookup by one client of a directory another client just changed waits
# for the MDS to gather the scattered locks, at most every nudge interval
# and MDS tick (5 s by default): two heads writing the tree in turn waited
# ~5 s an entry (t-ceph-tree.sh; docs/scale-out.md).
mds scatter nudge interval = 0.5
mds tick interval = 0.2
EOF
}

# _ceph_keys WORKDIR: every entity's keyring, and the mon's keyring that
# holds them all (ceph-mon --mkfs imports it: no auth command is needed
# later). Written here rather than by ceph-authtool, which costs ~0.2 s a call.
_ceph_keys() {
	local k=$1/keys
	_ceph_key "$k" mon. mon 'allow *' || return 1
	_ceph_key "$k" client.admin mon 'allow *' mgr 'allow *' osd 'allow *' mds 'allow *' || return 1
	_ceph_key "$k" mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' || return 1
	_ceph_key "$k" osd.0 mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' || return 1
	_ceph_key "$k" mds.a mon 'allow profile mds' mgr 'allow profile mds' osd 'allow rwx' mds 'allow' || return 1
	# nfs-ganesha's key: the file system's data and its grace namespace, nothing else
	_ceph_key "$k" client.ganesha mon 'allow r' mds 'allow rw' \
		osd 'allow rw pool=cephfs_data, allow rw pool=nfs-ganesha namespace=grace' || return 1
	cat "$k"/mon..keyring "$k"/client.admin.keyring "$k"/mgr.x.keyring "$k"/osd.0.keyring \
		"$k"/mds.a.keyring "$k"/client.ganesha.keyring > "$k/mon-init.keyring"
}

# _ceph_key KEYDIR ENTITY [SUBSYSTEM CAP]...: a new keyring KEYDIR/ENTITY.keyring
# with a fresh secret. A cephx secret is the base64 of: type 1 (AES, le16),
# creation time (le32 seconds, le32 ns), length 16 (le16), 16 random bytes.
_ceph_key() {
	local k=$1 e=$2; shift 2
	local key
	key=$( { printf '\001\000'; head -c 8 /dev/zero; printf '\020\000'; head -c 16 /dev/urandom; } | base64 -w0) || return 1
	( umask 077
	  { printf '[%s]\n\tkey = %s\n' "$e" "$key"
	    while [ $# -ge 2 ]; do printf '\tcaps %s = "%s"\n' "$1" "$2"; shift 2; done
	  } > "$k/$e.keyring" )
}

# _ceph_bg WORKDIR OUTFILE PROGRAM ARGS...: PROGRAM in the cluster's
# namespace as a background job; its PID in CEPH_BG_PID. A simple command run
# with & is forked and exec'd, and ip netns exec execs too: the PID is the
# program's own.
_ceph_bg() {
	local w=$1 out=$2; shift 2
	local ns
	ns=$(cat "$w/netns")
	[ -z "$ns" ] || set -- ip netns exec "$ns" "$@"
	"$@" >"$out" 2>&1 </dev/null &
	CEPH_BG_PID=$!
}

# _ceph_daemon WORKDIR NAME PROGRAM ARGS...: starts a daemon in the
# foreground (-f) as a background job and records its PID.
_ceph_daemon() {
	local w=$1 name=$2; shift 2
	_ceph_bg "$w" "$w/log/$name.out" "$@" -f -c "$w/ceph.conf"
	echo "$name $CEPH_BG_PID" >> "$w/run/daemons"
}

# _ceph_mark WORKDIR WHAT: appends the seconds since ceph_start began.
_ceph_mark() {
	local now
	now=$(date +%s.%N)
	awk -v a="$CEPH_T0" -v b="$now" -v w="$2" 'BEGIN {printf "%6.2f s  %s\n", b - a, w}' >> "$1/log/start.times"
}

# _ceph_running PID: the process runs (a zombie, exited but not yet
# reaped, does not).
_ceph_running() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# _ceph_alive WORKDIR NAME: the daemon NAME still runs.
_ceph_alive() {
	local pid
	pid=$(awk -v n="$2" '$1 == n {print $2}' "$1/run/daemons")
	[ -n "$pid" ] && _ceph_running "$pid"
}

# _ceph_wait WORKDIR DEADLINE WHAT LOG COMMAND...: polls COMMAND until it
# succeeds; fails with one line when DEADLINE (epoch seconds) passes or a
# daemon died.
_ceph_wait() {
	local w=$1 deadline=$2 what=$3 log=$4; shift 4
	local d
	while ! "$@" >/dev/null 2>&1; do
		for d in mon.a mgr.x osd.0 mds.a; do
			grep -q "^$d " "$w/run/daemons" 2>/dev/null || continue
			if ! _ceph_alive "$w" "$d"; then
				echo "ceph: $d exited while waiting for $what; read $w/log/$d.log and $w/log/$d.out" >&2
				return 1
			fi
		done
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "ceph: no $what after the timeout; read $log" >&2
			return 1
		fi
		sleep 0.2
	done
}

_ceph_mds_active() { ceph_cmd "$1" ceph mds stat | grep -q 'up:active'; }
_ceph_health_ok() { ceph_cmd "$1" ceph health | grep -q '^HEALTH_OK'; }
_ceph_osd_up() { ceph_cmd "$1" ceph osd stat | grep -q '1 up'; }
_ceph_mon_up() { ceph_cmd "$1" ceph --connect-timeout 2 mon stat; }

ceph_start() {
	local ns=$1 addr=$2 w=$3 timeout=${4:-120}
	if [ -e "$w" ] && [ -n "$(ls -A "$w" 2>/dev/null)" ]; then
		echo "ceph: $w is not empty; give ceph_start a new folder" >&2
		return 1
	fi
	mkdir -p "$w"/{keys,mon,mgr,osd,mds,run,log,crash} || return 1
	w=$(cd "$w" && pwd)
	printf '%s\n' "$ns" > "$w/netns"
	: > "$w/run/daemons"
	local deadline=$(( $(date +%s) + timeout ))
	CEPH_T0=$(date +%s.%N)
	local fsid osd_uuid
	fsid=$(cat /proc/sys/kernel/random/uuid)
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	_ceph_conf "$w" "$addr" "$fsid"
	if ! _ceph_keys "$w"; then
		echo "ceph: could not make the keys under $w/keys" >&2
		return 1
	fi
	if ! command -v ceph-mon >/dev/null; then
		echo "ceph: ceph-mon is not installed; run scripts/deps.sh" >&2
		return 1
	fi
	# The mon: a monmap with its one address, a store holding every key.
	if ! { monmaptool --create --fsid "$fsid" --addv a "[v2:$addr:3300,v1:$addr:6789]" "$w/run/monmap" >/dev/null &&
	       _ceph_in "$w" ceph-mon -c "$w/ceph.conf" --mkfs -i a --monmap "$w/run/monmap" \
			--keyring "$w/keys/mon-init.keyring" >"$w/log/mon.a.mkfs" 2>&1; }; then
		echo "ceph: ceph-mon --mkfs failed; read $w/log/mon.a.mkfs" >&2
		return 1
	fi
	_ceph_mark "$w" "mon store made"
	# The OSD's BlueStore: made while the mon starts and the pools are made
	# (ceph-osd --mkfs reads its configuration from the mon).
	_ceph_bg "$w" "$w/log/osd.0.mkfs" ceph-osd -c "$w/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid"
	local mkfs=$CEPH_BG_PID
	_ceph_daemon "$w" mon.a ceph-mon -i a
	_ceph_daemon "$w" mgr.x ceph-mgr -i x
	_ceph_daemon "$w" mds.a ceph-mds -i a
	if ! { _ceph_wait "$w" "$deadline" "mon.a in quorum" "$w/log/mon.a.log" _ceph_mon_up "$w" &&
	       _ceph_mark "$w" "mon.a in quorum" && _ceph_setup "$w" "$osd_uuid"; }; then
		kill -KILL "$mkfs" 2>/dev/null; wait "$mkfs" 2>/dev/null
		ceph_stop "$w"; return 1
	fi
	if ! wait "$mkfs"; then
		echo "ceph: ceph-osd --mkfs failed; read $w/log/osd.0.mkfs and $w/log/osd.0.log" >&2
		ceph_stop "$w"; return 1
	fi
	_ceph_mark "$w" "osd.0 BlueStore made"
	_ceph_daemon "$w" osd.0 ceph-osd -i 0
	_ceph_wait "$w" "$deadline" "osd.0 up" "$w/log/osd.0.log" _ceph_osd_up "$w" || { ceph_stop "$w"; return 1; }
	_ceph_mark "$w" "osd.0 up"
	if ! ceph_cmd "$w" rbd pool init rbd >>"$w/log/setup.out" 2>&1; then
		echo "ceph: rbd pool init failed; read $w/log/setup.out and $w/log/osd.0.log" >&2
		ceph_stop "$w"; return 1
	fi
	_ceph_mark "$w" "rbd pool init done"
	_ceph_wait "$w" "$deadline" "up:active MDS" "$w/log/mds.a.log" _ceph_mds_active "$w" || { ceph_stop "$w"; return 1; }
	_ceph_mark "$w" "mds.a up:active"
	if ! _ceph_wait "$w" "$deadline" "HEALTH_OK" "$w/log/cluster.log" _ceph_health_ok "$w" 2>/dev/null; then
		echo "ceph: no HEALTH_OK ($(ceph_cmd "$w" ceph health 2>&1 | head -1)); read $w/log/cluster.log" >&2
		ceph_stop "$w"; return 1
	fi
	_ceph_mark "$w" "HEALTH_OK"
}

# _ceph_mon_commands WORKDIR: sends the mon commands on stdin (JSON, one a
# line) as client.admin through librados, in one process, stopping at the
# first that fails (a ceph command per line costs ~0.7 s each: Python,
# connecting, fetching the command descriptions).
_ceph_mon_commands() {
	ceph_cmd "$1" /usr/bin/python3 -c '
import json, os, sys, rados
r = rados.Rados(conffile=os.environ["CEPH_CONF"], name="client.admin")
r.connect(timeout=30)
for line in sys.stdin:
    ret, out, err = r.mon_command(line, b"", timeout=30)
    print(json.loads(line)["prefix"], "->", ret, err)
    if ret != 0:
        sys.exit(1)
r.shutdown()'
}

# _ceph_setup WORKDIR OSD_UUID: registers the OSD, makes the pools and the
# file system. Needs only the mon.
_ceph_setup() {
	local w=$1 uuid=$2 p
	{
		echo '{"prefix": "osd new", "uuid": "'"$uuid"'", "id": 0}'
		for p in cephfs_metadata cephfs_data rbd nfs-ganesha; do
			echo '{"prefix": "osd pool create", "pool": "'"$p"'", "pg_num": 8}'
		done
		echo '{"prefix": "fs new", "fs_name": "cephfs", "metadata": "cephfs_metadata", "data": "cephfs_data"}'
		echo '{"prefix": "osd pool application enable", "pool": "nfs-ganesha", "app": "nfs"}'
	} | _ceph_mon_commands "$w" >"$w/log/setup.out" 2>&1
	if [ "${PIPESTATUS[1]}" != 0 ]; then
		echo "ceph: registering the OSD or creating the pools failed; read $w/log/setup.out" >&2
		return 1
	fi
	_ceph_mark "$w" "osd.0 registered, pools and file system made"
}

ceph_stop() {
	local w=$1 name pid i
	[ -f "$w/run/daemons" ] || return 0
	for name in mds.a osd.0 mgr.x mon.a; do
		pid=$(awk -v n="$name" '$1 == n {print $2}' "$w/run/daemons")
		[ -n "$pid" ] || continue
		# only a process of this cluster: its command line names the conf
		if _ceph_running "$pid" && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$w/ceph.conf"; then
			kill -TERM "$pid" 2>/dev/null
			for i in $(seq 1 $(( ${CEPH_STOP_WAIT:-10} * 10 ))); do
				_ceph_running "$pid" || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		sed -i "/^$name /d" "$w/run/daemons"
	done
	return 0
}
