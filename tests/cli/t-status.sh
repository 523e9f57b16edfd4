#!/bin/bash
# hopeless serve --events-only and hopeless status: events sent over UDP on
# loopback reach log/events.log, malformed ones do not, status shows each
# node's phase and last error, and serve stops on SIGTERM.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }

H init --server 10.9.1.1 --interface br9 >/dev/null
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

PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# started directly (not through H) so that $! is hopeless itself
"$HOPELESS" -C "$T" serve --events-only --foreground --listen "127.0.0.1:$PORT" >"$SCRATCH/serve.out" 2>&1 &
SERVE=$! WATCH=""
trap 'kill $SERVE $WATCH 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 1 50); do grep -q receiving "$SCRATCH/serve.out" && break; sleep 0.1; done
check "serve is listening" grep -q "receiving boot events on 127.0.0.1:$PORT" "$SCRATCH/serve.out"

send() { printf '%s' "$1" > "/dev/udp/127.0.0.1/$PORT"; }
SD='[hopeless@32473 phase="x" ip="10.9.1.11" t="1.0"]'
send "<29>1 - - hopeless-init 1 modules $SD kernel modules loaded"
send "<29>1 - n1 hopeless-init 1 dhcp $SD address 10.9.1.11"
send "<28>1 - n1 hopeless-init 1 retry - attempt 1 failed: No such device"
send "<29>1 - n1 hopeless-init 1 switchroot - union root ready; exec /sbin/init"
send "<29>1 2024-05-01T12:00:00.000Z n2 hopeless-init 1 mounted - 10.9.1.1:/roots mounted"
send "<27>1 2024-05-01T12:00:01.000Z n2 hopeless-init 1 failure - no success after 3 attempt(s)"
send "<29>1 - stranger hopeless-init 1 dhcp - address 10.9.1.99"
# malformed: bad PRI, version 2, BSD syslog, an injected second line, an
# oversized datagram, a terminal escape
send "<999>1 - n1 hopeless-init 1 EVIL1 - x"
send "<29>2 - n1 hopeless-init 1 EVIL2 - x"
send "<29>May  1 12:00:00 n1 EVIL3: x"
# (bash may split a write at the newline: python sends it as one datagram)
python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[1].encode(), ("127.0.0.1", int(sys.argv[2])))' \
	"$(printf '<29>1 - n1 hopeless-init 1 EVIL4 - a\n2024-01-01T00:00:00Z 1.2.3.4 <29>1 - n3 hopeless-init 1 switchroot - forged')" "$PORT"
send "<29>1 - n1 hopeless-init 1 EVIL5 - $(head -c 3000 /dev/zero | tr '\0' x)"
send "$(printf '<29>1 - n1 hopeless-init 1 EVIL6 - \033[2J')"
LOG=$T/log/events.log
for _ in $(seq 1 50); do [ "$(wc -l < "$LOG" 2>/dev/null)" -ge 7 ] && break; sleep 0.1; done
check "7 events accepted, one line each" test "$(wc -l < "$LOG")" = 7
check "no malformed datagram in the log" sh -c "! grep -q EVIL '$LOG'"
check "no forged line in the log" sh -c "! grep -q forged '$LOG'"
check "serve counts rejected datagrams" grep -q "rejected a oversized datagram" "$SCRATCH/serve.out"

OUT=$(H status)
echo "$OUT" | sed 's/^/# /'
check "n1 at switchroot" sh -c "echo '$OUT' | grep -q '^n1 .*10.9.1.11 .*switchroot'"
check "n1 last error is the retry" sh -c "echo '$OUT' | grep '^n1 ' | grep -q 'attempt 1 failed: No such device'"
check "n2 at failure with its reason" sh -c "echo '$OUT' | grep '^n2 ' | grep -q 'failure .*no success after 3 attempt'"
check "n3 never seen" sh -c "echo '$OUT' | grep -q '^n3 .*never seen'"
check "unknown host shown as not registered" sh -c "echo '$OUT' | grep '^stranger ' | grep -q 'not registered'"
check "--json parses" sh -c "'$HOPELESS' -C '$T' status --json | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "--json content" sh -c "'$HOPELESS' -C '$T' status --json | python3 -c '
import json,sys
d = {n[\"hostname\"]: n for n in json.load(sys.stdin)[\"nodes\"]}
assert d[\"n1\"][\"phase\"] == \"switchroot\" and d[\"n1\"][\"registered\"]
assert d[\"n2\"][\"last_error\"].startswith(\"no success\")
assert d[\"n3\"][\"phase\"] is None
assert d[\"stranger\"][\"registered\"] is False'"

# --log FILE: bare RFC 5424 lines as rsyslog writes them, other programs mixed in
printf '%s\n' '<29>1 2024-05-01T12:00:00Z n3 hopeless-init 1 union - clients/10.9.1.13 : roots/compute : roots/deb12' \
	'<30>1 2024-05-01T12:00:02Z n3 sshd 42 - - Server listening' 'not syslog at all' > "$SCRATCH/rsyslog.log"
check "--log FILE reads rsyslog lines" sh -c "'$HOPELESS' -C '$T' status --log '$SCRATCH/rsyslog.log' 2>/dev/null | grep -q '^n3 .*union'"

# --watch reprints when the log grows
"$HOPELESS" -C "$T" status --watch > "$SCRATCH/watch.out" 2>&1 &
WATCH=$!
sleep 1
send "<29>1 - n3 hopeless-init 1 modules - kernel modules loaded"
for _ in $(seq 1 50); do grep -q '^n3 .*modules' "$SCRATCH/watch.out" && break; sleep 0.1; done
check "--watch shows a new event" grep -q '^n3 .*modules' "$SCRATCH/watch.out"
kill -INT "$WATCH"; wait "$WATCH"
check "--watch exits 0 on SIGINT" test $? = 0

kill -TERM "$SERVE"
wait "$SERVE"; rc=$?
check "serve stops cleanly on SIGTERM" test "$rc" = 0
check "serve reports what it accepted" grep -q "stopped; 8 event(s) accepted, 6 datagram(s) rejected" "$SCRATCH/serve.out"
sed "s/^/# serve: /" "$SCRATCH/serve.out" | tail -3
check "serve removed its pid file" test ! -e "$T/run/serve.pid"
done_testing
