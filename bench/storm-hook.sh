# lab hook for bench/boot-storm.sh: records what one real boot of the Debian
# root fetches from the head node. Before the boot every file, directory and
# symlink of the node's exports gets an access time of 0 (the epoch); the
# head node's ext4 (relatime) then moves the access time of whatever
# nfs-ganesha reads, lists or follows for the node. tcpdump counts the NFS
# bytes on the bridge in both directions, and ganesha's own CPU time and read
# and write system-call bytes (/proc/PID/stat, /proc/PID/io) are taken at
# the start of the boot and once the node has reached multi-user.target
# (the lab's marker). strace follows ganesha's file reads and writes
# (pread/pwrite and friends, with the file behind each descriptor): how
# many bytes of each file it read for the node. Results land in
# $WORK/storm/. Boot 2 (the same node rebooted) runs without strace, the
# atime reset or the find: its ganesha CPU time and tcpdump bytes are those of
# a real boot on an undisturbed server (files *2).

storm_layers() { # EXPORT DIR per line: the exports the node mounts
	local r o
	r=$(cat "$TREE/clients/$NODE_IP/hopeless.root" 2>/dev/null || echo lab-root)
	o=$(cat "$TREE/clients/$NODE_IP/hopeless.overlay" 2>/dev/null || echo compute)
	printf '/roots/%s %s\n' "${r%%@*}" "$TREE/roots/${r%%@*}"
	printf '/roots/%s %s\n' "${o%%@*}" "$TREE/roots/${o%%@*}"
	printf '/clients/%s %s\n' "$NODE_IP" "$TREE/clients/$NODE_IP"
	printf '/state/%s %s\n' "$NODE_IP" "$TREE/state/$NODE_IP"
}

storm_ganesha() { # prints: cpu-ticks rchar wchar
	local p
	p=$(cat "$WORK/ganesha.pid")
	awk '{ printf "%d ", $14 + $15 }' "/proc/$p/stat"
	awk '/^rchar:/ { r = $2 } /^wchar:/ { w = $2 } END { printf "%d %d\n", r, w }' "/proc/$p/io"
}

hook_before_boot() {
	local d=$WORK/storm
	if [ "$1" = 2 ]; then
		ip netns exec "$NS" tcpdump -i "$BR" -s 128 -n -w "$d/boot2.pcap" 'tcp port 2049' 2>"$d/tcpdump2.err" &
		STORM_TCPDUMP=$!
		PIDS+=("$STORM_TCPDUMP")
		sleep 1
		storm_ganesha > "$d/ganesha-before2"
		date +%s.%N > "$d/t-before2"
		return 0
	fi
	[ "$1" = 1 ] || return 0
	mkdir -p "$d"
	storm_layers > "$d/layers"
	while read -r _ dir; do
		find "$dir" -exec touch -a -h -d @0 {} +
	done < "$d/layers"
	sync
	ip netns exec "$NS" tcpdump -i "$BR" -s 128 -n -w "$d/boot.pcap" 'tcp port 2049' 2>"$d/tcpdump.err" &
	STORM_TCPDUMP=$!
	PIDS+=("$STORM_TCPDUMP")
	strace -f -qq -y -s 0 -o "$d/ganesha.strace" -p "$(cat "$WORK/ganesha.pid")" \
		-e trace=read,pread64,readv,preadv,preadv2,write,pwrite64,writev,pwritev,pwritev2 2>"$d/strace.err" &
	STORM_STRACE=$!
	PIDS+=("$STORM_STRACE")
	sleep 2
	storm_ganesha > "$d/ganesha-before"
	date +%s.%N > "$d/t-before"
}

hook_up() {
	local d=$WORK/storm
	if [ "$1" = 2 ]; then
		date +%s.%N > "$d/t-up2"
		storm_ganesha > "$d/ganesha-up2"
		kill -INT "$STORM_TCPDUMP" 2>/dev/null || true
		wait "$STORM_TCPDUMP" 2>/dev/null || true
		return 0
	fi
	[ "$1" = 1 ] || return 0
	date +%s.%N > "$d/t-up"
	storm_ganesha > "$d/ganesha-up"
	kill -INT "$STORM_TCPDUMP" "$STORM_STRACE" 2>/dev/null || true
	wait "$STORM_TCPDUMP" 2>/dev/null || true
	wait "$STORM_STRACE" 2>/dev/null || true
	# ATIME EXPORT TYPE SIZE PATH (relative to the export), accessed paths
	# only, in the order of their first access.
	while read -r export dir; do
		find "$dir" -mindepth 1 -printf '%A@\t%y\t%s\t%P\n' |
			awk -F'\t' -v e="$export" 'BEGIN { OFS = "\t" } $1 > 0 { print $1, e, $2, $3, $4 }'
	done < "$d/layers" | sort -n -k1,1 > "$d/accessed"
	# The boot's own log lines (the replay later appends to the tree's log).
	cp "$TREE/log/http-access.log" "$d/http-access.log"
	cp "$WORK/dnsmasq.log" "$d/dnsmasq.log"
	say "hook: storm: $(wc -l < "$d/accessed") paths accessed until the marker"
}
