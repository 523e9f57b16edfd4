# lab hook for tests/e2e/t-versions.sh: the node reads files of its root in a
# loop while a new root version that changes and deletes them is published;
# the next boot gets the new version, and after root rollback the old one.

hook_setup() { versions_script; }

# The node-side script, in version 1 of the root (before any boot).
versions_script() {
	local d=$TREE/roots/lab-root/1/etc/hopeless-lab
	mkdir -p "$d/data"
	for f in a b c; do echo "v1-$f" > "$d/data/$f"; done
	cat > "$d/script" <<'S'
#!/bin/sh
# Runs on the node: start (before the marker) reports the versions and the
# data files and starts reading them in a loop; end (after the hold) stops
# and reports how many reads saw anything but the first content.
D=/etc/hopeless-lab/data
snap() { for f in a b c; do echo "$f=$(cat $D/$f 2>&1)"; done; }
case "$1" in
start)
	busybox rm -f /tmp/stop-reading /tmp/read-result # a previous boot's (/tmp persists)
	echo "LAB: versions $(busybox tr '\n' ' ' < /run/hopeless/versions)"
	for f in a b c; do echo "LAB: data $f = $(cat $D/$f 2>/dev/null || echo missing)"; done
	first=$(snap)
	(
		n=0 bad=0
		while [ ! -e /tmp/stop-reading ]; do
			[ "$(snap)" = "$first" ] || bad=$((bad + 1))
			n=$((n + 1))
		done
		echo "$n $bad" > /tmp/read-result
	) &
	echo "LAB: reading started" ;;
end)
	: > /tmp/stop-reading
	sleep 2
	read n bad < /tmp/read-result
	echo "LAB: read-loop $n reads, $bad changed or failed" ;;
esac
S
	chmod 755 "$d/script"
}

# Boot 1 is up and reading: publish version 2 (a changed, b deleted).
hook_up() {
	# boots 2 and 3 only report what they see
	[ "$1" = 1 ] || { release_hold; return 0; }
	sleep 3
	local t0 rc=0
	t0=$(date +%s.%N)
	"$HOPELESS" -C "$TREE" shell --root lab-root -- \
		sh -c 'echo v2-a > /etc/hopeless-lab/data/a && busybox rm /etc/hopeless-lab/data/b' \
		> "$WORK/publish.log" 2>&1 || rc=$?
	echo "publish rc=$rc in $(since "$t0") s" >> "$WORK/publish.log"
	say "hook: $(tail -n 2 "$WORK/publish.log" | tr '\n' ' ')"
	sleep 6
	release_hold
}

hook_before_boot() {
	if [ "$1" = 3 ]; then
		"$HOPELESS" -C "$TREE" root rollback lab-root > "$WORK/rollback.log" 2>&1 || true
		say "hook: $(cat "$WORK/rollback.log")"
	fi
	return 0
}
