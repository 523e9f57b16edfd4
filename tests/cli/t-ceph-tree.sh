#!/bin/bash
# The tree on CephFS (issue 11, "The tree on Ceph"): two ceph-fuse mounts
# of one CephFS directory stand for two heads. hopeless init, root add and
# overlay add on head A; then A and B at the same time add 25 nodes each
# and change a node: the tree lock (flock, which ceph-fuse forwards to the
# MDS: cluster-wide) serialises them, every command succeeds, both heads
# list all the nodes, hopeless check passes from B, hopeless config from B
# writes what A reads. Layer and node directories are published with the
# RENAME_NOREPLACE fallback of lib/treefs.c (ceph-fuse refuses the flag with
# EINVAL); a second root add of a name from the other head is refused with
# one line and changes nothing. Runs in network and mount namespaces of its
# own (unshare -n -m); stops only the PIDs it started.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec unshare -n -m --propagation private env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-ceph-tree.sh needs network and mount namespaces (run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/lab/ceph.sh"
T0=$(date +%s)
for tool in ceph-mon ceph-osd ceph-mds ceph-mgr ceph-fuse; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed; run scripts/deps.sh"
		done_testing; exit
	fi
done

MON=10.9.10.1
W=$SCRATCH/ceph
MA=$SCRATCH/headA MB=$SCRATCH/headB
A=$MA/tree B=$MB/tree
mkdir -p "$MA" "$MB"
ip link set lo up
# the host kernel has no dummy netdev: a bridge carries the address
ip link add hltree0 type bridge
ip addr add "$MON/16" dev hltree0
ip link set hltree0 up

FA="" FB=""
stop_pid() { [ -z "$1" ] || { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }; }
cleanup() {
	[ -z "$FA" ] || { umount "$MA" 2>/dev/null; stop_pid "$FA"; }
	[ -z "$FB" ] || { umount "$MB" 2>/dev/null; stop_pid "$FB"; }
	ceph_stop "$W"
	[ -z "${KEEP:-}" ] || { mkdir -p /tmp/ceph-tree-logs; cp -r "$W/log" "$SCRATCH"/*.log /tmp/ceph-tree-logs/ 2>/dev/null; }
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
# --client_oc=false: no object cacher, a write reaches the OSDs before it
# returns (syncfs does not reach ceph-fuse; docs/scale-out.md).
# --client_dirsize_rbytes=false: a directory's size is its own, not the
# recursive bytes below it (which the MDS updates lazily: digests drift).
FUSE_OPTS=${FUSE_OPTS---client_oc=false --client_dirsize_rbytes=false}
# Two clients of one CephFS, each its own ceph-fuse process and MDS session:
# what two heads are.
ceph-fuse -f -c "$C" -n client.admin $FUSE_OPTS "$MA" >"$SCRATCH/fuse-a.log" 2>&1 &
FA=$!
ceph-fuse -f -c "$C" -n client.admin $FUSE_OPTS "$MB" >"$SCRATCH/fuse-b.log" 2>&1 &
FB=$!
ALL_PIDS="$ALL_PIDS$FA $FB"
for _ in $(seq 1 100); do mountpoint -q "$MA" && mountpoint -q "$MB" && break; sleep 0.1; done
check "two ceph-fuse mounts of one CephFS" sh -c "mountpoint -q '$MA' && mountpoint -q '$MB'"
mkdir "$A"
check "a directory made through A shows through B" test -d "$B"

# The tree, made from head A.
HA() { "$HOPELESS" -C "$A" "$@"; }
HB() { "$HOPELESS" -C "$B" "$@"; }
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc" "$R/lib/modules/6.1.0-9"
echo KERNEL > "$R/boot/vmlinuz-6.1.0-9"
echo "shared layer $$" > "$R/etc/marker"
check "hopeless init on CephFS (A)" sh -c "'$HOPELESS' -C '$A' init --server $MON --netmask 255.255.0.0 --interface hltree0 --image-size 16M >/dev/null"
out=$(HA root add deb12 --from "$R" 2>&1 >/dev/null)
check "root add on CephFS (A) publishes its layer (${out:-no error})" test -z "$out" -a -e "$B/roots/deb12/current"
check "overlay add on CephFS (A)" sh -c "'$HOPELESS' -C '$A' overlay add compute >/dev/null"
check "node add of a node with a state image (A): its rw.img renamed in place" \
	sh -c "'$HOPELESS' -C '$A' node add c1 --ip 10.9.10.5 --mac 52:54:00:0a:00:05 --root deb12 --overlay compute --state image >/dev/null"
check "the state image reads through B" test -f "$B/state/10.9.10.5/rw.img"
check "the layer's marker reads through B" sh -c "grep -q 'shared layer $$' '$B'/roots/deb12/*/etc/marker"

# Both heads at once: two ranges of 25 nodes and a node set, each command
# taking the tree lock on its own mount.
for i in $(seq 1 25); do printf '52:54:00:0a:01:%02x\n' "$i"; done > "$SCRATCH/macs-a"
for i in $(seq 1 25); do printf '52:54:00:0a:02:%02x\n' "$i"; done > "$SCRATCH/macs-b"
NA=(--root deb12 --overlay compute --state tmpfs)
t=$(date +%s.%N)
# A's under strace (renameat2 only): the flag is tried once per process.
ST=()
command -v strace >/dev/null && ST=(strace -f -qq -e trace=renameat2 -o "$SCRATCH/strace-a")
"${ST[@]}" "$HOPELESS" -C "$A" node add 'a[001-025]' --ip 10.9.1.1+ --mac-file "$SCRATCH/macs-a" "${NA[@]}" >"$SCRATCH/add-a.log" 2>&1 &
PA=$!
HB node add 'b[001-025]' --ip 10.9.2.1+ --mac-file "$SCRATCH/macs-b" "${NA[@]}" >"$SCRATCH/add-b.log" 2>&1 &
PB=$!
HB node set c1 --append "console=ttyS0" >"$SCRATCH/set-b.log" 2>&1 &
PS=$!
wait "$PA"; ra=$?
wait "$PB"; rb=$?
wait "$PS"; rs=$?
echo "# the three commands together took $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
check "node add of a001-a025 from A succeeded ($(head -1 "$SCRATCH/add-a.log"))" test "$ra" = 0
check "node add of b001-b025 from B succeeded at the same time ($(head -1 "$SCRATCH/add-b.log"))" test "$rb" = 0
check "node set c1 from B succeeded at the same time ($(head -1 "$SCRATCH/set-b.log"))" test "$rs" = 0
if [ -n "${ST[*]}" ]; then
	check "RENAME_NOREPLACE was tried once by A's node add of 25 nodes, then not again ($(grep -c RENAME_NOREPLACE "$SCRATCH/strace-a") calls)" \
		test "$(grep -c 'RENAME_NOREPLACE.*EINVAL' "$SCRATCH/strace-a")" = 1 -a "$(grep -c RENAME_NOREPLACE "$SCRATCH/strace-a")" = 1
fi
la=$(HA node list 2>/dev/null | awk 'NR > 1 {print $1}' | sort)
lb=$(HB node list 2>/dev/null | awk 'NR > 1 {print $1}' | sort)
check "head A lists all 51 nodes" test "$(printf '%s\n' "$la" | grep -c .)" = 51
check "head B lists the same 51 nodes" test "$la" = "$lb"
check "every node of a range has its host layer" test "$(ls "$A/clients" | wc -l)" = 51
check "and no publishing leftovers (.tmp) in clients/" sh -c "! ls -a '$B/clients' | grep -q tmp"
check "the node set from B is in c1's file as A reads it" grep -q 'console=ttyS0' "$A/nodes/c1.conf"
check "hopeless config from B" sh -c "'$HOPELESS' -C '$B' config >'$SCRATCH/config.log' 2>&1"
# What hopeless initramfs build leaves (its own tests build real ones).
mkdir -p "$B/tftp/boot/deb12"
cp "$B/roots/deb12/$(cat "$B/roots/deb12/current")/boot/vmlinuz-6.1.0-9" "$B/tftp/boot/deb12/vmlinuz"
echo INITRD > "$B/tftp/boot/deb12/initrd.img"
out=$(HB check 2>&1); rc=$?
check "hopeless check passes from B (rc=$rc, output: $out)" test "$rc" = 0 -a -z "$out"
check "A reads the boot file B wrote for a node A added" test -s "$A/tftp/ipxe/52-54-00-0a-01-01.ipxe"
check "and the dnsmasq hosts name nodes of both ranges" sh -c "grep -q 52:54:00:0a:01:19 '$A/etc/dnsmasq-hosts.conf' && grep -q 52:54:00:0a:02:19 '$A/etc/dnsmasq-hosts.conf'"
check "the tree's digest is the same through both mounts" test "$(tree_digest "$A")" = "$(tree_digest "$B")"

# root add of an existing root publishes its next version: through B, the
# fallback again (a new version directory renamed into place).
check "root add deb12 again from B publishes version 2" sh -c "'$HOPELESS' -C '$B' root add deb12 --from '$R' >/dev/null"
check "which A reads as the current version" test "$(cat "$A/roots/deb12/current")" = 2
# A name taken through one head is refused through the other: one line,
# nothing changed (the tree seen through either mount).
T=$B
check_rejects "a root named as an overlay made through A, from B" root add compute --from "$R"
check_rejects "an overlay named as a root made through A, from B" overlay add deb12
T=$A
check_rejects "a second node add of a001 from A" node add a001 --ip 10.9.3.1 --mac 52:54:00:0a:03:01 "${NA[@]}"

# The lock itself: held through A, B waits for it.
flock "$A/.lock" sleep 2 &
FL=$!
sleep 0.5
t=$(date +%s.%N)
HB node set c1 --append "console=ttyS1" >/dev/null 2>&1
waited=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {print (b - a >= 1) ? "yes" : "no"}')
wait "$FL"
check "a command through B waits while the tree lock is held through A" test "$waited" = yes
check "and then does its change" grep -q 'console=ttyS1' "$A/nodes/c1.conf"

# Teardown: both clients, then the cluster; no process survives.
umount "$MA"; stop_pid "$FA"; FA=""
umount "$MB"; stop_pid "$FB"; FB=""
ceph_stop "$W"
left=""
for p in $ALL_PIDS; do
	[ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left="$left $p"
done
check "no process the test started survives (pids:$ALL_PIDS)" test -z "$left"
echo "# t-ceph-tree.sh wall time $(( $(date +%s) - T0 )) s"
done_testing
