# hopeless lab --ceph --state image hook (tests/e2e/t-head-failover.sh):
# node1's state image is on CephFS behind head h1. While the node holds, it
# appends a counter to /var/lab/counter and syncs it every 0.2 s (LAB:
# synced N on the console once sync returned); the hook kills h1 (SIGKILL
# of its ganesha, its address deleted); `hopeless head watch` on h2 (started
# by the hook, lab.sh head_watch) detects it and takes h1 over, and the hook
# times what the node sees; once the node writes again, h2 releases h1 (`hopeless head
# release h1`), h1 comes back (head_restart) and the node must write on. At teardown it reads the
# counter back from the image on the head side.
hook_setup() {
	local d=$TREE/clients/$NODE_IP/etc/hopeless-lab
	mkdir -p "$d"
	cat > "$d/script" <<'S'
#!/bin/sh
case "$1" in
start)
	mkdir -p /var/lab; rm -f /var/lab/stop
	( i=0
	  while [ ! -e /var/lab/stop ]; do
		i=$((i + 1)); echo "$i" >> /var/lab/counter; sync
		echo "LAB: synced $i at $(cut -d' ' -f1 /proc/uptime)"
		sleep 0.2
	  done ) &
	;;
end)
	touch /var/lab/stop; sleep 1; sync
	echo "LAB: counter last $(tail -n 1 /var/lab/counter)"
	;;
esac
S
	chmod 755 "$d/script"
}

_synced_max() { tr -d '\r' < "$WORK/console-1.log" | sed -n 's/^LAB: synced \([0-9]*\) at .*/\1/p' | tail -n 1; }
_rel() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
# _wait_write AFTER: until the node syncs a value above AFTER (120 s at
# most); sets NEXT_T (when) and NEXT_V (the value), empty on timeout.
_wait_write() {
	local dl now
	NEXT_T="" NEXT_V=""
	dl=$(( $(date +%s) + 120 ))
	while [ "$(date +%s)" -lt "$dl" ]; do
		now=$(_synced_max)
		if [ -n "$now" ] && [ "$now" -gt "${1:-0}" ]; then NEXT_T=$(date +%s.%N) NEXT_V=$now; return 0; fi
		sleep 0.1
	done
}
hook_up() {
	[ "$1" = 1 ] || return 0
	local t=$WORK/failover.times wl=$WORK/watch-h2.log before tk tl tb th regs mid td="" dl line
	# h2 watches h1 (probes every second, down after 3 misses).
	head_watch h2
	sleep 3
	before=$(_synced_max)
	tk=$(date +%s.%N)
	head_kill h1
	say "failover: h1 killed (ganesha SIGKILL, address deleted) after the node synced ${before:-nothing}"
	# The watcher detects it and takes over; the hook only looks.
	dl=$(( $(date +%s) + 90 ))
	while [ "$(date +%s)" -lt "$dl" ]; do
		[ -n "$td" ] || ! grep -q 'h1 (.*) missed [0-9]* probes .*: taking over' "$wl" || td=$(date +%s.%N)
		line=$(grep -m1 'head h1 (.*) taken over by h2' "$wl" || true)
		[ -z "$line" ] || break
		sleep 0.1
	done
	tl=$(date +%s.%N)
	say "failover: watch: $(grep -m1 'taking over' "$wl" || echo 'no takeover')"
	say "takeover: ${line:-none}"
	local up
	up=$(printf '%s\n' "$line" | sed -n 's/.* address up after \([0-9.]*\) s.*/\1/p')
	_wait_write "${before:-0}"
	{
		echo "synced-before-kill ${before:-0}"
		echo "detected ${td:+$(_rel "$td" "$tk")}"
		echo "address-up ${td:+$(awk -v a="$td" -v b="$tk" -v u="${up:-0}" 'BEGIN { printf "%.1f", a - b + u }')}"
		echo "ganesha-listening $(_rel "$tl" "$tk")"
		echo "first-write-after ${NEXT_T:+$(_rel "$NEXT_T" "$tk")}"
		echo "first-value-after $NEXT_V"
	} > "$t"
	say "failover: timeline from the kill: $(tr '\n' ' ' < "$t")"
	[ -n "$NEXT_T" ] || return 0
	# Failback: h2 gives h1 back, h1 comes back up, the node goes on.
	sleep 2
	mid=$(_synced_max)
	tb=$(date +%s.%N)
	head_release h1 h2
	regs=$(ip netns exec "$(head_ns h2)" rpcinfo -p 127.0.0.1 2>/dev/null | awk '$1 == 100003 && $2 == 3' | wc -l)
	say "failback: h2's rpcbind has $regs NFSv3 registration(s) after the release"
	head_restart h1
	th=$(date +%s.%N)
	_wait_write "${mid:-0}"
	{
		echo "h2-nfs3-registrations-after-release $regs"
		echo "failback-h1-listening $(_rel "$th" "$tb")"
		echo "failback-first-write-after ${NEXT_T:+$(_rel "$NEXT_T" "$tb")}"
		echo "failback-first-value-after $NEXT_V"
	} >> "$t"
	say "failback: timeline from the release: $(tail -n 4 "$t" | tr '\n' ' ')"
}

hook_teardown() {
	# A fresh CephFS client of its own (the lab's ceph-fuse may serve the
	# image from the page cache it wrote it through): what the OSDs hold.
	local m=$WORK/cephfs-check f
	mkdir -p "$m"
	nsenter --net="/run/netns/$NS" ceph-fuse -f -c "$WORK/ceph/ceph.conf" -n client.admin "$m" \
		>"$WORK/ceph-fuse-check.log" 2>&1 &
	f=$!
	for _ in $(seq 1 100); do mountpoint -q "$m" && break; sleep 0.1; done
	cp "$m/hopeless/state/$NODE_IP/rw.img" "$WORK/rw-copy.img" 2>/dev/null
	umount "$m" 2>/dev/null; kill "$f" 2>/dev/null; wait "$f" 2>/dev/null
	[ -f "$WORK/rw-copy.img" ] || return 0
	e2fsck -fy "$WORK/rw-copy.img" > "$WORK/rw-copy.fsck" 2>&1 || true
	debugfs -R 'cat /upper/var/lab/counter' "$WORK/rw-copy.img" > "$WORK/counter.head" 2>/dev/null || true
	say "failover: the image on the head holds $(wc -l < "$WORK/counter.head") counter values"
}
