# lab hook for tests/e2e/t-capture.sh: boot 1 writes a file and syncs;
# while it is up, node diff lists it (from a copy of the image in use) and
# capture needs a consistent snapshot; once it is down, capture publishes it
# into the overlay and the node is reset, so boot 2 (a fresh writable layer,
# like a new node of the class) sees the file only through the overlay.

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
	if [ "$s" = missing ]; then
		mkdir -p /srv/app && echo "written-by-$(hostname)" > /srv/app/state && sync
		echo "LAB: app-state written"
	fi ;;
esac
S
	chmod 755 "$d/script"
}

# The lab runs under set -e: a failing command is recorded, not fatal.
hook_up() {
	[ "$1" = 1 ] || return 0
	local rc=0
	"$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/diff-up.out" 2> "$WORK/diff-up.err" || rc=$?
	echo "rc=$rc" >> "$WORK/diff-up.err"
	rc=0
	"$HOPELESS" -C "$TREE" node capture "$NODE" --into compute > "$WORK/capture-up.log" 2>&1 || rc=$?
	echo "rc=$rc" >> "$WORK/capture-up.log"
	say "hook: diff while up: $(grep -c . "$WORK/diff-up.out") lines; capture: $(head -c 200 "$WORK/capture-up.log" | tr '\n' ' ')"
}

hook_before_boot() {
	[ "$1" = 2 ] || return 0
	local rc=0
	"$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/diff-down.out" 2> "$WORK/diff-down.err" || true
	# The node is down; its image may keep the in-use mark (poweroff -f
	# cannot unmount a network root's upper): --force says it is down.
	"$HOPELESS" -C "$TREE" node capture "$NODE" --into compute --force > "$WORK/capture.log" 2>&1 || rc=$?
	echo "rc=$rc" >> "$WORK/capture.log"
	"$HOPELESS" -C "$TREE" node reset "$NODE" --no-backup --force > "$WORK/reset.log" 2>&1 || true
	say "hook: $(tr '\n' ' ' < "$WORK/capture.log")"
}
