# lab hook for tests/e2e/t-capture.sh (--nodes 2): on boot 1 node1 writes a
# file and syncs; while it is up, node diff lists it (from a copy of the
# image in use) and capture needs a consistent snapshot; once both nodes are
# down, capture publishes it into the compute overlay and node2 is moved to
# that overlay version, so on boot 2 node2 sees node1's file through it.

hook_setup() {
	local d=$TREE/roots/lab-root/1/etc/hopeless-lab
	mkdir -p "$d"
	cat > "$d/script" <<'S'
#!/bin/sh
# Runs on the node (start: before the marker; end: after the hold).
case "$1" in
start)
	echo "LAB: versions $(busybox tr '\n' ' ' < /run/hopeless/versions)"
	s=$(cat /srv/app/state 2>/dev/null || echo missing)
	echo "LAB: app-state = $s"
	if [ "$s" = missing ] && [ "$(hostname)" = node1 ]; then
		mkdir -p /srv/app && echo "written-by-$(hostname)" > /srv/app/state && sync
		echo "LAB: app-state written"
	fi ;;
esac
S
	chmod 755 "$d/script"
}

# The lab runs under set -e: a failing command is recorded, not fatal.
hook_up() {
	[ "$1" = 1 ] || { release_hold; return 0; }
	local rc=0
	"$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/diff-up.out" 2> "$WORK/diff-up.err" || rc=$?
	echo "rc=$rc" >> "$WORK/diff-up.err"
	rc=0
	"$HOPELESS" -C "$TREE" node capture "$NODE" --into compute > "$WORK/capture-up.log" 2>&1 || rc=$?
	echo "rc=$rc" >> "$WORK/capture-up.log"
	say "hook: diff while up: $(grep -c . "$WORK/diff-up.out") lines; capture: $(head -c 200 "$WORK/capture-up.log" | tr '\n' ' ')"
	release_hold
}

hook_before_boot() {
	[ "$1" = 2 ] || return 0
	local rc=0
	"$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/diff-down.out" 2> "$WORK/diff-down.err" || true
	# The node is down; its image may keep the in-use mark (poweroff -f
	# cannot unmount a network root's upper): --force says it is down.
	"$HOPELESS" -C "$TREE" node capture "$NODE" --into compute --force > "$WORK/capture.log" 2>&1 || rc=$?
	echo "rc=$rc" >> "$WORK/capture.log"
	local n
	n=$(sed -n "s/.*overlay compute: version \([0-9]*\) published.*/\1/p" "$WORK/capture.log" | tail -1)
	"$HOPELESS" -C "$TREE" node set "$NODE2" --overlay "compute@${n:-0}" > "$WORK/set.log" 2>&1 || true
	# compute is now exported to node2 too: the lab's ganesha rereads its
	# exports on SIGHUP (config signals only a ganesha started by serve).
	"$HOPELESS" -C "$TREE" config > /dev/null 2>&1 || true
	kill -HUP "$(cat "$WORK/ganesha.pid")" 2>/dev/null || true
	sleep 2
	say "hook: $(tr '\n' ' ' < "$WORK/capture.log") $(tr '\n' ' ' < "$WORK/set.log")"
}
