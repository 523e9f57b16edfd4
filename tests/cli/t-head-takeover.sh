#!/bin/bash
# hopeless head takeover/release without Ceph: what they refuse, and that a
# takeover whose ganesha cannot start (no Ceph here) is undone. The
# survivor h2 is a network namespace holding h2's address, with /run bound
# to a scratch directory (its rpcbind, its takeover records); a second
# namespace on the same veth plays h1's machine. The working takeover and
# release, with a real ganesha on Ceph and a node writing through them, is
# tests/e2e/t-head-failover.sh.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
# tree_digest TREE [1]: lib.sh's, or with 1 without log/ (where a failed
# takeover leaves its ganesha's log, on purpose).
tree_digest() {
	if [ "${2:-0}" = 1 ]; then
		(cd "$1" && find . \( -path ./.lock -o -path ./log \) -prune -o -printf '%p %m %s %l\n' | LC_ALL=C sort) | sha256sum
	else
		(cd "$1" && find . -path ./.lock -prune -o -printf '%p %m %s %l\n' | LC_ALL=C sort &&
		 find . -type f ! -name .lock -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum
	fi
}
NS=hlt-sv-$$ NS1=hlt-h1-$$
RUN=$SCRATCH/run-h2
RPCBIND_PID=""
cleanup() {
	[ -z "$RPCBIND_PID" ] || kill "$RPCBIND_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS1" 2>/dev/null
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

H init --server 10.9.0.1 --interface br9 --image-size 16M >/dev/null
mkdir -p "$SCRATCH/R/boot" "$SCRATCH/R/etc" "$RUN"
H root add deb12 --from "$SCRATCH/R" >/dev/null
H overlay add compute >/dev/null
H node add n01 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb12 --overlay compute --state tmpfs >/dev/null
H head add h1 --ip 10.9.0.2 >/dev/null
H head add h2 --ip 10.9.0.3 >/dev/null
H config >/dev/null

ip netns add "$NS"
ip netns add "$NS1"
ip -n "$NS" link set lo up
ip -n "$NS1" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth0 netns "$NS1"
ip -n "$NS" link set eth0 up
ip -n "$NS1" link set eth0 up

# on_h2 ARGS...: hopeless ARGS as h2's machine runs it.
on_h2() {
	ip netns exec "$NS" unshare -m --propagation private sh -c \
		'mount --bind "$1" /run || exit 1; shift; exec "$@"' sh "$RUN" "$HOPELESS" -C "$T" "$@"
}
# watch_h2 SECS ARGS...: `hopeless head watch ARGS` on h2 for SECS seconds,
# then SIGTERM; its output in $SCRATCH/watch.out.
watch_h2() {
	local secs=$1 pid; shift
	( exec ip netns exec "$NS" unshare -m --propagation private sh -c \
		'mount --bind "$1" /run || exit 1; shift; exec "$@"' sh "$RUN" "$HOPELESS" -C "$T" head watch "$@" ) \
		> "$SCRATCH/watch.out" 2>&1 &
	pid=$!
	sleep "$secs"
	kill -TERM "$pid"; wait "$pid"
}
addrs() { ip -n "$NS" -4 -o addr show dev eth0 | awk '{print $4}' | sort | tr '\n' ' '; }
# rejects_on_h2 DESCRIPTION ARGS...: one "hopeless:" line, non-zero, the
# tree (but for log/ when LOG_OK=1), h2's addresses and its takeover records
# unchanged.
rejects_on_h2() {
	local d=$1 before a0 r0 out rc; shift
	before=$(tree_digest "$T" "${LOG_OK:-0}") a0=$(addrs) r0=$(ls -A "$RUN/hopeless/takeover" 2>/dev/null | grep -v '^.lock$' | tr '\n' ' ')
	out=$(on_h2 "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" != 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ "$out" == hopeless:* ]] &&
	   [ "$(tree_digest "$T" "${LOG_OK:-0}")" = "$before" ] && [ "$(addrs)" = "$a0" ] &&
	   [ "$(ls -A "$RUN/hopeless/takeover" 2>/dev/null | grep -v '^.lock$' | tr '\n' ' ')" = "$r0" ]; then
		ok "rejects $d: $out"
	else
		fail "rejects $d (rc=$rc, output: $out, addresses $(addrs))"
	fi
}

# ---- arguments
rejects_on_h2 "takeover without a name" head takeover
rejects_on_h2 "--wait that is not a number" head takeover h1 --wait soon
rejects_on_h2 "--wait out of range" head takeover h1 --wait 99999
rejects_on_h2 "--force on release" head release h1 --force
rejects_on_h2 "--wait on add" head add h3 --ip 10.9.0.4 --wait 3

# ---- no head's address here
rejects_on_h2 "takeover on a machine that is no head" head takeover h1
ip -n "$NS" addr add 10.9.0.3/24 dev eth0
rejects_on_h2 "takeover of an unknown head" head takeover h9
rejects_on_h2 "release of a head not taken over" head release h1
rejects_on_h2 "release of a name that is a path" head release ../../tmp/x
rejects_on_h2 "takeover of a name that is a path" head takeover ../h1

# ---- h1 is alive: its address answers ARP from the other namespace
ip -n "$NS1" addr add 10.9.0.2/24 dev eth0
rejects_on_h2 "takeover of a head whose address still answers ARP" head takeover h1
out=$(on_h2 head takeover h1 2>&1)
mac1=$(ip netns exec "$NS1" cat /sys/class/net/eth0/address)
check "the refusal names the MAC that answered ($mac1)" grep -q "still answers ARP (from $mac1): the head is not dead" <<< "$out"
ip -n "$NS1" addr del 10.9.0.2/24 dev eth0

# ---- h1 is dead, but this machine has no rpcbind to save
rejects_on_h2 "takeover without rpcbind" head takeover h1 --wait 5

# ---- with rpcbind: ganesha cannot start without Ceph, and all is undone
ip netns exec "$NS" unshare -m --propagation private sh -c \
	'mount --bind "$1" /run && exec rpcbind -f -w' sh "$RUN" &
RPCBIND_PID=$!
for _ in $(seq 1 50); do [ -S "$RUN/rpcbind.sock" ] && break; sleep 0.1; done
check "h2's rpcbind runs" test -S "$RUN/rpcbind.sock"
LOG_OK=1 rejects_on_h2 "a takeover whose ganesha does not come up (undone)" head takeover h1 --wait 10
check "its ganesha log is in the tree's log/" test -s "$T/log/ganesha-h1-on-h2.log"
check "no ganesha of the test is left" sh -c "! pgrep -f -- '[g]anesha.nfsd -f $T/' >/dev/null"
check "h2 holds only its own address afterwards" test "$(addrs)" = "10.9.0.3/24 "

# ---- h2 is h1 too (h1's address here with no takeover recorded)
ip -n "$NS" addr add 10.9.0.2/24 dev eth0
rejects_on_h2 "takeover of a head whose address is this machine's own" head takeover h1
ip -n "$NS" addr del 10.9.0.2/24 dev eth0

# ---- head watch: arguments
rejects_on_h2 "watch with a name" head watch h1
rejects_on_h2 "watch with --interval 0" head watch --interval 0
rejects_on_h2 "watch with --misses 1.5" head watch --misses 1.5
rejects_on_h2 "--interval on takeover" head takeover h1 --interval 1
rejects_on_h2 "--misses on list" head list --misses 2

# ---- h1 is dead: h2 (its only possible successor) takes it over; with no
# Ceph here the takeover is undone, and the watcher carries on
watch_h2 6 --interval 0.2 --misses 2 --wait 3
W=$SCRATCH/watch.out
check "watch: h2 watches the other head" grep -q '^hopeless: head watch: h2 watching 1 other head(s) every 0.2 s, down after 2 missed probes$' "$W"
check "watch: h1 missed its probes and h2 takes it over" grep -q '^hopeless: head watch: h1 (10.9.0.2) missed 2 probes 0.2 s apart: taking over$' "$W"
check "watch: the takeover that failed was undone" grep -q 'head takeover: h1: nfs-ganesha did not \(start\|listen in time\).*undone: address removed' "$W"
check "watch: stops on SIGTERM, saying takeovers stay" grep -q '^hopeless: head watch: stopped (takeovers made here stay' "$W"
check "watch: h2 holds only its own address afterwards" test "$(addrs)" = "10.9.0.3/24 "

# ---- h1's NFS is down but its machine answers ARP: no takeover
ip -n "$NS1" addr add 10.9.0.2/24 dev eth0
watch_h2 4 --interval 0.2 --misses 2
check "watch: a head that answers ARP is not taken over" grep -q 'h1: its address 10.9.0.2 still answers ARP' "$W"
check "watch: and nothing was started" sh -c "! grep -q 'nfs-ganesha did not start' '$W'"
check "watch: h2 holds only its own address" test "$(addrs)" = "10.9.0.3/24 "

# ---- h1 released here: left alone until it answers again
ip -n "$NS1" addr del 10.9.0.2/24 dev eth0
touch "$RUN/hopeless/takeover/h1.released"
watch_h2 3 --interval 0.2 --misses 2
check "watch: a released head is waited for, not taken over" grep -q '^hopeless: head watch: h1 (10.9.0.2) released here: waiting for it to answer again$' "$W"
check "watch: no takeover of it" sh -c "! grep -q 'taking over' '$W'"
ip -n "$NS1" addr add 10.9.0.2/24 dev eth0
ip netns exec "$NS1" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.9.0.2", 2049)); s.listen(8); time.sleep(20)' &
LPID=$!
sleep 0.5
watch_h2 2 --interval 0.2 --misses 2
kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null
check "watch: once h1 answers, the release is forgotten" test ! -e "$RUN/hopeless/takeover/h1.released"

# ---- head watch reloads this head's dnsmasq when config changes the hosts
ip netns exec "$NS" dnsmasq -C "$T/etc/heads/h2/dnsmasq.conf" --user=root \
	--log-facility="$SCRATCH/dnsmasq-h2.log" --dhcp-leasefile="$SCRATCH/dnsmasq-h2.leases"
DPID=$(cat "$T/run/dnsmasq-h2.pid" 2>/dev/null)
check "h2's dnsmasq runs from etc/heads/h2/dnsmasq.conf, its pid in run/dnsmasq-h2.pid" \
	sh -c "[ -n '$DPID' ] && [ \"\$(cat /proc/$DPID/comm)\" = dnsmasq ]"
reads() { grep -c "read $T/etc/dnsmasq-hosts.conf" "$SCRATCH/dnsmasq-h2.log" 2>/dev/null || true; }
reads0=$(reads)
( exec ip netns exec "$NS" unshare -m --propagation private sh -c \
	'mount --bind "$1" /run || exit 1; shift; exec "$@"' sh "$RUN" "$HOPELESS" -C "$T" head watch --interval 0.2 --misses 100 ) \
	> "$SCRATCH/watch-reload.out" 2>&1 &
WPID=$!
sleep 1
H node add n02 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root deb12 --overlay compute --state tmpfs >/dev/null
H config >/dev/null
for _ in $(seq 1 30); do grep -q 'reloaded its node list' "$SCRATCH/watch-reload.out" && break; sleep 0.2; done
sleep 0.5
kill -TERM "$WPID"; wait "$WPID"
check "watch: config's new hosts file made it SIGHUP h2's dnsmasq" \
	grep -q "^hopeless: head watch: dnsmasq (pid $DPID) reloaded its node list$" "$SCRATCH/watch-reload.out"
reads1=$(reads)
check "and dnsmasq reread the hosts ($reads0 reads before, ${reads1:-0} after), now with n02" \
	sh -c "[ '${reads0:-0}' -ge 1 ] && [ '${reads1:-0}' -gt '${reads0:-0}' ] && grep -q '52:54:00:00:09:12' '$T/etc/dnsmasq-hosts.conf'"
check "watch: nothing reloaded at its start (the first look only records)" \
	test "$(grep -c 'reloaded' "$SCRATCH/watch-reload.out")" = 1
kill "$DPID" 2>/dev/null

check "the takeover records are root's alone" test "$(stat -c %a "$RUN/hopeless/takeover")" = 700
done_testing
