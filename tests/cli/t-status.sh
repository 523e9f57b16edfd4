#!/bin/bash
# hopeless serve --events-only and hopeless status, on real addresses: the
# test runs in a network namespace of its own (unshare -n; it vanishes with
# the test's processes) with a veth interface carrying the server's address
# and the nodes'. Events from registered addresses reach log/events.log and
# status; malformed ones do not; events from an unregistered address are
# dropped and counted; an event from n1's address claiming n3's name is n1's
# and leaves n3 alone; a node added while serving is heard; serve stops on
# SIGTERM. With heads: serve --events-only --head NAME receives on the
# head's address into log/events-NAME.log, and status reads every head's
# log with the main one, the newest event of a node winning.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		exec unshare -n env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-status.sh needs a network namespace (unshare -n: run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }

ip link set lo up
# A veth pair (the dummy driver is not everywhere): hl0 carries the addresses.
ip link add hl0 type veth peer name hl1
for a in 1 11 12 13 14 99; do ip addr add "10.9.1.$a/24" dev hl0; done
ip link set hl1 up
ip link set hl0 up

H init --server 10.9.1.1 --interface hl0 >/dev/null
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
H root add deb12 --from "$R" >/dev/null
H overlay add compute >/dev/null
H node add n1 --ip 10.9.1.11 --mac 52:54:00:00:19:11 --root deb12 --overlay compute --state tmpfs >/dev/null
H node add n2 --ip 10.9.1.12 --mac 52:54:00:00:19:12 --root deb12 --overlay compute --state tmpfs >/dev/null
H node add n3 --ip 10.9.1.13 --mac 52:54:00:00:19:13 --root deb12 --overlay compute --state tmpfs >/dev/null

check "status --help" sh -c "'$HOPELESS' status --help | grep -q usage"
check "serve --help" sh -c "'$HOPELESS' serve --help | grep -q usage"
check "status before any event: n1 never seen" sh -c "'$HOPELESS' -C '$T' status | grep -q '^n1 .*never seen'"
check "serve rejects a bad --listen" sh -c "! '$HOPELESS' -C '$T' serve --events-only --foreground --listen 127.0.0.1:99999 2>/dev/null"
check "status rejects a missing --log" sh -c "! '$HOPELESS' -C '$T' status --log '$SCRATCH/nope' 2>/dev/null"

# The tree's default: the server's address, port 514 (free: our namespace).
# Started directly (not through H) so that $! is hopeless itself.
"$HOPELESS" -C "$T" serve --events-only --foreground >"$SCRATCH/serve.out" 2>&1 &
SERVE=$! WATCH=""
trap 'kill $SERVE $WATCH 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 1 50); do grep -q receiving "$SCRATCH/serve.out" && break; sleep 0.1; done
check "serve is listening on the server's address" grep -q "receiving boot events on 10.9.1.1:514" "$SCRATCH/serve.out"

# send SOURCE-IP MESSAGE...: one datagram per message, from that address.
cat > "$SCRATCH/send.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for m in sys.argv[2:]:
    s.sendto(m.encode(), ("10.9.1.1", 514))
PY
send() { python3 "$SCRATCH/send.py" "$@"; }
LOG=$T/log/events.log
# wait_lines N: until events.log has N lines (or 5 s)
wait_lines() { for _ in $(seq 1 50); do [ "$(wc -l < "$LOG" 2>/dev/null)" -ge "$1" ] && break; sleep 0.1; done; }

SD='[hopeless@32473 phase="x" ip="10.9.1.11" t="1.0"]'
send 10.9.1.11 "<29>1 - - hopeless-init 1 modules $SD kernel modules loaded" \
	"<29>1 - n1 hopeless-init 1 dhcp $SD address 10.9.1.11" \
	"<28>1 - n1 hopeless-init 1 retry - attempt 1 failed: No such device" \
	"<29>1 - n3 hopeless-init 1 failure - forged by n1 in n3's name" \
	"<29>1 - n1 hopeless-init 1 switchroot - union root ready; exec /sbin/init"
send 10.9.1.12 "<29>1 2024-05-01T12:00:00.000Z n2.cluster.lab hopeless-init 1 mounted - 10.9.1.1:/roots mounted" \
	"<27>1 2024-05-01T12:00:01.000Z n2 hopeless-init 1 failure - no success after 3 attempt(s)"
# unregistered: a stranger, one claiming n2's name, and the server itself
send 10.9.1.99 "<29>1 - stranger hopeless-init 1 dhcp - address 10.9.1.99" \
	"<29>1 - n2 hopeless-init 1 switchroot - UNREGISTERED claiming n2"
send 10.9.1.1 "<29>1 - n2 hopeless-init 1 switchroot - UNREGISTERED from the server"
# malformed, from a registered address: bad PRI, version 2, BSD syslog, an
# injected second line, an oversized datagram, a terminal escape
send 10.9.1.11 "<999>1 - n1 hopeless-init 1 EVIL1 - x" "<29>2 - n1 hopeless-init 1 EVIL2 - x" \
	"<29>May  1 12:00:00 n1 EVIL3: x" \
	"$(printf '<29>1 - n1 hopeless-init 1 EVIL4 - a\n2024-01-01T00:00:00Z 10.9.1.13 <29>1 - n3 hopeless-init 1 switchroot - forged')" \
	"<29>1 - n1 hopeless-init 1 EVIL5 - $(head -c 3000 /dev/zero | tr '\0' x)" \
	"$(printf '<29>1 - n1 hopeless-init 1 EVIL6 - \033[2J')"
wait_lines 7
check "7 events accepted, one line each" test "$(wc -l < "$LOG")" = 7
check "no malformed datagram in the log" sh -c "! grep -q EVIL '$LOG'"
check "no forged line in the log" sh -c "! grep -q 'forged\$' '$LOG'"
check "nothing from unregistered addresses in the log" sh -c "! grep -Eq 'UNREGISTERED|stranger' '$LOG'"
check "each line carries its source address" sh -c "test \$(grep -c '^[^ ]* 10.9.1.11 <' '$LOG') = 5"
check "serve counts rejected datagrams" grep -q "rejected a oversized datagram from 10.9.1.11" "$SCRATCH/serve.out"
check "serve says it dropped the unregistered sender" \
	grep -q "dropped a datagram from 10.9.1.99: not a registered node's address (2 so far)" "$SCRATCH/serve.out"
check "serve notes the claim of another node's name" \
	grep -q "an event from 10.9.1.11 (node n1) claims host name 'n3'; kept as n1's (1 so far)" "$SCRATCH/serve.out"

H status >"$SCRATCH/status.out" 2>"$SCRATCH/status.err"
sed 's/^/# /' "$SCRATCH/status.out"
# row FILE NODE PATTERN: the status row of NODE in FILE matches PATTERN
row() { grep "^$2 " "$1" | grep -q -- "$3"; }
check "n1 at switchroot" row "$SCRATCH/status.out" n1 '10.9.1.11 .*switchroot'
check "n1 last error: the failure it sent in n3's name" row "$SCRATCH/status.out" n1 "forged by n1 in n3's name"
check "n2 at failure with its reason" row "$SCRATCH/status.out" n2 'failure .*no success after 3 attempt'
check "n3 never seen (n1's claim of its name changed nothing)" row "$SCRATCH/status.out" n3 'never seen'
check "no unregistered sender listed" sh -c "! grep -q 'not registered' '$SCRATCH/status.out'"
check "status notes the claim mismatch" grep -q "1 event(s) claimed a host name other than their source's" "$SCRATCH/status.err"
check "--json parses" sh -c "'$HOPELESS' -C '$T' status --json | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "--json content" sh -c "'$HOPELESS' -C '$T' status --json | python3 -c '
import json,sys
j = json.load(sys.stdin)
d = {n[\"hostname\"]: n for n in j[\"nodes\"]}
assert d[\"n1\"][\"phase\"] == \"switchroot\" and d[\"n1\"][\"registered\"]
assert d[\"n1\"][\"source\"] == \"10.9.1.11\"
assert d[\"n2\"][\"last_error\"].startswith(\"no success\")
assert d[\"n3\"][\"phase\"] is None
assert \"stranger\" not in d and len(d) == 3
assert j[\"claim_mismatches\"] == 1'"

# status attributes a written line by its source address too: a line from
# n1's address in n2's name (e.g. an old log) is n1's, from an unknown
# address it is that address's. Bare RFC 5424 lines (rsyslog) only have the name.
printf '%s\n' '2024-05-01T12:00:00.000Z 10.9.1.11 <29>1 - n2 hopeless-init 1 union - in n2s name' \
	'2024-05-01T12:00:01.000Z 10.9.1.77 <29>1 - n2 hopeless-init 1 failure - unknown in n2s name' \
	> "$SCRATCH/forged.log"
H status --log "$SCRATCH/forged.log" >"$SCRATCH/forged.out" 2>/dev/null
check "--log: a line from n1's address in n2's name is n1's" row "$SCRATCH/forged.out" n1 union
check "--log: ... and n2 stays never seen" row "$SCRATCH/forged.out" n2 'never seen'
check "--log: an unknown address is listed as not registered" \
	sh -c "grep '10.9.1.77' '$SCRATCH/forged.out' | grep -q 'not registered'"
printf '%s\n' '<29>1 2024-05-01T12:00:00Z n3 hopeless-init 1 union - clients/10.9.1.13 : roots/compute : roots/deb12' \
	'<30>1 2024-05-01T12:00:02Z n3 sshd 42 - - Server listening' 'not syslog at all' > "$SCRATCH/rsyslog.log"
check "--log FILE reads rsyslog lines (by name)" sh -c "'$HOPELESS' -C '$T' status --log '$SCRATCH/rsyslog.log' 2>/dev/null | grep -q '^n3 .*union'"

# A node added while serving is heard without a restart (nodes/ changed).
H node add n4 --ip 10.9.1.14 --mac 52:54:00:00:19:14 --root deb12 --overlay compute --state tmpfs >/dev/null
send 10.9.1.14 "<29>1 - n4 hopeless-init 1 dhcp - address 10.9.1.14"
wait_lines 8
check "an event from a node added while serving is kept" grep -q ' 10.9.1.14 <29>1 - n4 ' "$LOG"

# --watch reprints when the log grows
"$HOPELESS" -C "$T" status --watch > "$SCRATCH/watch.out" 2>&1 &
WATCH=$!
for _ in $(seq 1 50); do grep -q '^n4 ' "$SCRATCH/watch.out" && break; sleep 0.1; done
send 10.9.1.13 "<29>1 - n3 hopeless-init 1 modules - kernel modules loaded"
for _ in $(seq 1 50); do grep -q '^n3 .*modules' "$SCRATCH/watch.out" && break; sleep 0.1; done
check "--watch shows a new event" grep -q '^n3 .*modules' "$SCRATCH/watch.out"
kill -INT "$WATCH"; wait "$WATCH"
check "--watch exits 0 on SIGINT" test $? = 0

kill -TERM "$SERVE"
wait "$SERVE"; rc=$?
check "serve stops cleanly on SIGTERM" test "$rc" = 0
check "serve reports what it accepted, rejected and dropped" grep -q \
	"stopped; 9 event(s) accepted, 6 datagram(s) rejected, 3 dropped from unregistered addresses, 1 claiming another host name" \
	"$SCRATCH/serve.out"
sed "s/^/# serve: /" "$SCRATCH/serve.out" | tail -3
check "serve removed its pid file" test ! -e "$T/run/serve.pid"

# ---- a head's receiver (serve --head), and status over several logs
ip addr add 10.9.1.2/24 dev hl0
H head add h1 --ip 10.9.1.2 >/dev/null
check "serve --head without --events-only is refused" \
	sh -c "'$HOPELESS' -C '$T' serve --head h1 --foreground 2>&1 | grep -q 'add --events-only'"
check "serve --head of an unknown head is refused" \
	sh -c "'$HOPELESS' -C '$T' serve --events-only --head h9 --foreground 2>&1 | grep -q 'no such head'"
"$HOPELESS" -C "$T" serve --events-only --head h1 --foreground >"$SCRATCH/serve-h1.out" 2>&1 &
SERVE=$!
for _ in $(seq 1 50); do grep -q receiving "$SCRATCH/serve-h1.out" && break; sleep 0.1; done
check "serve --head h1 listens on h1's address, into log/events-h1.log" \
	grep -q "receiving boot events on 10.9.1.2:514/udp into $T/log/events-h1.log (events only)" "$SCRATCH/serve-h1.out"
check "its pid in run/serve-h1.pid" test "$(cat "$T/run/serve-h1.pid" 2>/dev/null)" = "$SERVE"
cat > "$SCRATCH/send-h1.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for m in sys.argv[2:]:
    s.sendto(m.encode(), ("10.9.1.2", 514))
PY
python3 "$SCRATCH/send-h1.py" 10.9.1.12 "<29>1 2030-01-01T00:00:00.000Z n2 hopeless-init 1 up - root up, via h1"
for _ in $(seq 1 50); do grep -q 'via h1' "$T/log/events-h1.log" 2>/dev/null && break; sleep 0.1; done
check "the head's receiver wrote n2's event to its own log" grep -q 'root up, via h1' "$T/log/events-h1.log"
check "and nothing to the main log" sh -c "! grep -q 'via h1' '$LOG'"
check "status reads the head's log: n2 is up (its newest event)" sh -c "'$HOPELESS' -C '$T' status | grep -q '^n2 .* up '"
# an older event in the main log does not undo it
printf '2024-04-30T00:00:00.000Z 10.9.1.12 <27>1 2024-04-30T00:00:00.000Z n2 hopeless-init 1 failure - old news\n' >> "$LOG"
check "an older event read later does not win" sh -c "'$HOPELESS' -C '$T' status | grep -q '^n2 .* up '"
kill -TERM "$SERVE"; wait "$SERVE"
check "serve --head removed its pid file" test ! -e "$T/run/serve-h1.pid"
done_testing
