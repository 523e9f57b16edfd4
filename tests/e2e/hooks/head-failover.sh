# hopeless lab --ceph --state image hook (tests/e2e/t-head-failover.sh):
# node1's state image is on CephFS behind head h1. While the node holds, it
# appends a counter to /var/lab/counter and syncs it every 0.2 s (LAB:
# synced N on the console once sync returned); the hook kills h1 (SIGKILL
# of its ganesha, its address deleted), h2 takes over (head_takeover, in
# lab.sh) and the hook times what the node sees. At teardown it reads the
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
hook_up() {
	[ "$1" = 1 ] || return 0
	local t=$WORK/failover.times before now first="" dl
	sleep 3
	before=$(_synced_max)
	local tk
	tk=$(date +%s.%N)
	head_kill h1
	say "failover: h1 killed (ganesha SIGKILL, address deleted) after the node synced ${before:-nothing}"
	head_takeover h1 h2
	local tl
	tl=$(date +%s.%N)
	dl=$(( $(date +%s) + 120 ))
	while [ "$(date +%s)" -lt "$dl" ]; do
		now=$(_synced_max)
		if [ -n "$now" ] && [ "$now" -gt "${before:-0}" ]; then first=$(date +%s.%N); break; fi
		sleep 0.1
	done
	{
		echo "synced-before-kill ${before:-0}"
		echo "address-up $(_rel "$HEAD_ADDR_UP" "$tk")"
		echo "ganesha-listening $(_rel "$tl" "$tk")"
		echo "first-write-after ${first:+$(_rel "$first" "$tk")}"
		echo "first-value-after ${now:-}"
	} > "$t"
	say "failover: timeline from the kill: $(tr '\n' ' ' < "$t")"
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
