#!/bin/bash
# Measurement (not a test; make check does not run it): how many nodes per
# minute one head node can bring up, without booting hundreds of VMs.
#
#   bench/boot-storm.sh [--md FILE] [--levels "1 2 4 ..."] [--seconds S] [--keep] [--reuse DIR]
#
# --keep keeps the work directory (the lab's tree, the recording, the
# workload in DIR/storm-workload); --reuse DIR replays such a kept
# recording again instead of booting (and keeps DIR).
#
# 1. Record: one real boot of the lab's Debian systemd root (hopeless lab
#    --root debian, iPXE chain, state image) with bench/storm-hook.sh: the
#    HTTP files (nginx's access log) and TFTP files (dnsmasq's log) it
#    fetched, and every path of its NFS exports nfs-ganesha read, listed or
#    followed for it until multi-user.target (the lab's marker): access times
#    set to the epoch before the boot, listed after; strace -y of ganesha's
#    read/write calls gives the bytes it read of each file and wrote to the
#    state image; tcpdump on the bridge counts the NFS bytes each way to
#    cross-check. The node then boots a second time with none of that on the
#    server but tcpdump: ganesha's CPU time and requests for a real boot.
#    The workload lands in the work directory (storm-workload), one line
#    per HTTP file or NFS path.
# 2. Replay: the lab's tree served again by the same servers with the same
#    configs (nfs-ganesha with etc/ganesha.conf, nginx with etc/nginx.conf,
#    in a namespace of their own), and build/storm-replay (libnfs, NFSv4)
#    running C simulated boots at once from a second namespace that holds the
#    node's address (every export is open to that address only), for C in
#    --levels, each level for --seconds (every client boots again until
#    then). The state image's I/O is not replayed (libnfs's NFSv4 writes are
#    broken); it is counted from the recording and added on paper.
# Every level of --levels runs; while the last one still adds more than 5 %
# to the best rate before it, the client count doubles (up to 1024).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
MD="" LEVELS="1 2 4 8 16 32 64 128" SECONDS_PER=20 KEEP=0 REUSE=""
while [ $# -gt 0 ]; do
	case "$1" in
	--md) MD=$2; shift 2 ;;
	--levels) LEVELS=$2; shift 2 ;;
	--seconds) SECONDS_PER=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--reuse) REUSE=$2; KEEP=1; shift 2 ;;
	*) echo "bench: boot-storm: unknown option '$1' (want --md FILE, --levels \"1 2 4\", --seconds S, --keep, --reuse DIR)" >&2; exit 2 ;;
	esac
done
for c in $LEVELS; do
	case "$c" in ''|*[!0-9]*|0) echo "bench: boot-storm: --levels: '$c' is not a client count" >&2; exit 2 ;; esac
done
case "$SECONDS_PER" in ''|*[!0-9]*|0) echo "bench: boot-storm: --seconds $SECONDS_PER: want a whole number of seconds" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: boot-storm: needs root (network namespaces, qemu taps)" >&2; exit 1; }
for tool in tcpdump strace nginx ganesha.nfsd qemu-system-x86_64 pkg-config; do
	command -v "$tool" >/dev/null || { echo "bench: boot-storm: $tool missing (run: make deps)" >&2; exit 1; }
done
make -s -C "$TOP" all build/storm-replay >&2 || { echo "bench: boot-storm: build failed" >&2; exit 1; }
REPLAY=$TOP/build/storm-replay

if [ -n "$REUSE" ]; then
	[ -s "$REUSE/lab/storm/accessed" ] || { echo "bench: boot-storm: --reuse $REUSE: no recording there (want the directory a --keep run kept)" >&2; exit 2; }
	W=$(cd "$REUSE" && pwd)
	rm -f "$W/ganesha.pid"
else
	W=$(mktemp -d /tmp/hopeless-storm.XXXXXX)
fi
chmod 0711 "$W"
NS=hl-storm-$$ NC=hl-stormc-$$
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -s "$W/ganesha.pid" ] && kill "$(cat "$W/ganesha.pid")" 2>/dev/null || true
	sleep 0.5
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NC" 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then echo "bench: boot-storm: files kept in $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
log() { echo "bench: boot-storm: $*" >&2; }
HZ=$(getconf CLK_TCK)

# ---- the workload and what one boot cost ----
# ganesha's file I/O from strace -y: "r|w BYTES PATH" per file it read or
# wrote (a call another thread interrupted is finished on a "resumed" line).
strace_bytes() {
	awk '
	{
		pid = $1; rest = $0; sub(/^[0-9]+ +/, "", rest)
		if (rest ~ /^<\.\.\. /) {
			if (!(pid in pp)) next
			path = pp[pid]; call = pc[pid]; delete pp[pid]; delete pc[pid]
		} else {
			call = rest; sub(/\(.*/, "", call)
			i = index(rest, "<"); if (!i) next
			path = substr(rest, i + 1); path = substr(path, 1, index(path, ">") - 1)
			if (rest ~ /<unfinished \.\.\.>$/) { pp[pid] = path; pc[pid] = call; next }
		}
		i = index(rest, ") = ")
		if (path !~ /^\// || !i) next
		n = substr(rest, i + 4) + 0
		if (n <= 0) next
		if (call ~ /read/) rd[path] += n; else wr[path] += n
	}
	END { for (p in rd) print "r\t" rd[p] "\t" p; for (p in wr) print "w\t" wr[p] "\t" p }' "$1"
}

# storm-workload, tab-separated: http SIZE PATH / tftp SIZE PATH / nfs|state
# EXPORT TYPE SIZE READ PATH (READ: bytes ganesha read of that file for the
# boot; storm-replay replays the http and nfs lines).
make_workload() {
	strace_bytes "$LAB/storm/ganesha.strace" > "$W/file-io"
	echo "# recorded $(date -u +%Y-%m-%dT%H:%MZ): one boot of node $NODE_IP (Debian systemd root) until multi-user.target"
	awk '$9 == 200 && $6 == "\"GET" { printf "http\t%s\t%s\n", $10, $7 }' "$LAB/storm/http-access.log"
	sed -n 's|.*dnsmasq-tftp.*: sent \(/[^ ]*\) to .*|\1|p' "$LAB/storm/dnsmasq.log" | while read -r f; do
		printf 'tftp\t%s\t%s\n' "$(stat -c %s "$f" 2>/dev/null || echo 0)" "${f#"$TREE"/tftp/}"
	done
	awk -F'\t' -v t="$TREE" 'BEGIN { OFS = "\t" }
		NR == FNR { if ($1 == "r") rd[$3] = $2; next }
		$3 ~ /^[fdl]$/ {
			n = $3 == "f" ? rd[t $2 "/" $5] + 0 : $4
			print ($2 ~ /^\/state\// ? "state" : "nfs"), $2, $3, $4, n, $5 }' "$W/file-io" "$LAB/storm/accessed"
}

# NFS on the wire in a capture (TCP payload): to the node, from the node, and
# the node's segments that carry data (about one per request; a large write
# spans several).
wire_bytes() { # PCAP SERVER.PORT
	tcpdump -nn -q -r "$1" 2>/dev/null | awk -v s="$2" '
		$2 == "IP" { n = $NF + 0; if ($3 == s) a += n; else { b += n; if (n > 0) r++ } }
		END { print a + 0, b + 0, r + 0 }'
}

# Sets the B_* figures of the recorded boot.
boot_accounting() {
	local wl=$W/storm-workload d=$LAB/storm g0 r0 w0 g1 r1 w1
	read -r B_HTTP N_HTTP < <(awk -F'\t' '$1 == "http" { b += $2; n++ } END { print b + 0, n + 0 }' "$wl")
	read -r B_TFTP N_TFTP < <(awk -F'\t' '$1 == "tftp" { b += $2; n++ } END { print b + 0, n + 0 }' "$wl")
	# Shared layers: bytes read, whole-file sizes, files, dirs, symlinks.
	read -r B_SHARED B_SHARED_SIZE N_SF N_SD N_SL < <(awk -F'\t' '$1 == "nfs" && $2 ~ /^\/roots\// {
		if ($3 == "f") { b += $5; s += $4; f++ } else if ($3 == "d") d++; else l++ }
		END { print b + 0, s + 0, f + 0, d + 0, l + 0 }' "$wl")
	read -r B_HOST N_HOST < <(awk -F'\t' '$1 == "nfs" && $2 ~ /^\/clients\// { if ($3 == "f") b += $5; n++ } END { print b + 0, n + 0 }' "$wl")
	STATE_FILES=$(awk -F'\t' '$1 == "state" && $3 == "f" { printf "%s%s, %d MiB", s, $6, $4 / 1048576; s = "; " }' "$wl")
	read -r B_STATE_R B_STATE_W < <(awk -F'\t' -v s="$TREE/state/" 'index($3, s) == 1 { if ($1 == "r") r += $2; else w += $2 }
		END { print r + 0, w + 0 }' "$W/file-io")
	# Checks: every file ganesha read is on the access-time list; all it read.
	N_UNLISTED=$(awk -F'\t' -v t="$TREE" 'NR == FNR { if ($3 == "f") seen[t $2 "/" $5] = 1; next }
		$1 == "r" && index($3, t "/") == 1 && !($3 in seen) { n++ } END { print n + 0 }' "$LAB/storm/accessed" "$W/file-io")
	B_STRACE_R=$(awk -F'\t' '$1 == "r" { b += $2 } END { print b + 0 }' "$W/file-io")
	read -r W_S2C W_C2S N_REQ < <(wire_bytes "$d/boot.pcap" "$SERVER.2049")
	# Boot 2: the same node again, no strace on the server.
	read -r W2_S2C W2_C2S N2_REQ < <(wire_bytes "$d/boot2.pcap" "$SERVER.2049")
	read -r g0 r0 w0 < "$d/ganesha-before2"
	read -r g1 r1 w1 < "$d/ganesha-up2"
	B2_GCPU=$(awk -v a="$g0" -v b="$g1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
	B2_SECS=$(awk -v a="$(cat "$d/t-before2")" -v b="$(cat "$d/t-up2")" 'BEGIN { printf "%.1f", b - a }')
	read -r g0 r0 w0 < "$d/ganesha-before"
	read -r g1 r1 w1 < "$d/ganesha-up"
	B_GCPU=$(awk -v a="$g0" -v b="$g1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
	B_RCHAR=$((r1 - r0)) B_WCHAR=$((w1 - w0))
	B_SECS=$(awk -v a="$(cat "$d/t-before")" -v b="$(cat "$d/t-up")" 'BEGIN { printf "%.1f", b - a }')
	# What one node costs the head node's link: HTTP + TFTP + NFS replies.
	B_TOTAL=$((B_HTTP + B_TFTP + W_S2C))
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
summary_line() {
	echo "boot: HTTP $(mb "$B_HTTP") MB ($N_HTTP files), TFTP $(mb "$B_TFTP") MB, shared layers $(mb "$B_SHARED") MB read of $(mb "$B_SHARED_SIZE") MB ($N_SF files, $N_SD dirs, $N_SL links), host layer $N_HOST paths, state image read $(mb "$B_STATE_R") MB written $(mb "$B_STATE_W") MB, NFS wire $(mb "$W_S2C") MB to the node / $(mb "$W_C2S") MB from it, ganesha $B_GCPU CPU-s, read() $(mb "$B_RCHAR") MB (strace $(mb "$B_STRACE_R") MB), write() $(mb "$B_WCHAR") MB, files read but not on the atime list: $N_UNLISTED"
}

# ---- the servers for the replay: the lab's tree and configs ----
start_servers() {
	ip netns add "$NS"; ip netns add "$NC"
	ip -n "$NS" link set lo up; ip -n "$NC" link set lo up
	ip -n "$NS" link add "hlss$$" type veth peer name "hlsc$$" netns "$NC"
	ip -n "$NS" addr add "$SERVER/24" dev "hlss$$"
	ip -n "$NC" addr add "$NODE_IP/24" dev "hlsc$$"
	ip -n "$NS" link set "hlss$$" up; ip -n "$NC" link set "hlsc$$" up
	mkdir -p "$W/ganesha-lib" "$W/ganesha-run" "$TREE/run/nginx" "$TREE/log"
	ip netns exec "$NS" unshare -m --propagation private sh -c '
		set -e
		mkdir -p /var/lib/nfs
		mount --bind "$1" /var/lib/nfs
		mount --bind "$2" /run
		mkdir -p /run/ganesha
		exec ganesha.nfsd -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
		"$W/ganesha-lib" "$W/ganesha-run" "$TREE/etc/ganesha.conf" "$W/ganesha.log" "$W/ganesha.pid"
	ip netns exec "$NS" nginx -c "$TREE/etc/nginx.conf" -e "$W/nginx-error.log" -g 'daemon off;' \
		> "$W/nginx.out" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	for _ in $(seq 1 150); do
		ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q ":2049 " &&
			ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q "$SERVER:$HTTP_PORT " && break
		sleep 0.2
	done
	ip netns exec "$NS" ss -ltn | grep -q ":2049 " || { log "nfs-ganesha did not start (see $W/ganesha.log)"; exit 1; }
	ip netns exec "$NS" ss -ltn | grep -q "$SERVER:$HTTP_PORT " || { log "nginx did not start"; exit 1; }
	GANESHA_PID=$(cat "$W/ganesha.pid")
	log "servers up in $NS: nfs-ganesha (pid $GANESHA_PID), nginx (pid $NGINX_PID); clients at $NODE_IP in $NC"
}

ticks() { # PID...: user + system CPU ticks of these processes
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$t"
}
nginx_pids() { echo "$NGINX_PID" $(ps -o pid= --ppid "$NGINX_PID"); }
io_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/io"; }

# The method check: the largest recorded file of the root gets atime 0,
# one replayed boot must move it (ganesha's reads do update atime), and
# ganesha's read() bytes are compared with what the boot read.
verify_atime() {
	local path r0 r1 w0 out
	path=$TREE$(awk -F'\t' '$1 == "nfs" && $2 ~ /^\/roots\// && $3 == "f" { print $5 "\t" $2 "/" $6 }' \
		"$W/storm-workload" | sort -n | tail -n 1 | cut -f2)
	touch -a -h -d @0 "$path"
	local g0 tp
	# ganesha's own CPU while nobody asks anything (background threads).
	g0=$(ticks "$GANESHA_PID"); sleep 5
	IDLE_PCT=$(awk -v t="$(( $(ticks "$GANESHA_PID") - g0 ))" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz / 5 * 100 }')
	ip netns exec "$NC" tcpdump -i "hlsc$$" -s 128 -n -w "$W/replay1.pcap" 'tcp port 2049' 2> "$W/tcpdump-replay.err" &
	tp=$!
	PIDS+=("$tp")
	sleep 1
	r0=$(io_field "$GANESHA_PID" rchar) w0=$(io_field "$GANESHA_PID" wchar)
	out=$(ip netns exec "$NC" "$REPLAY" -s "$SERVER" -p "$HTTP_PORT" -w "$W/storm-workload" -c 1 -d 0 2> "$W/verify.err") ||
		{ cat "$W/verify.err" >&2; log "the replay of one boot failed"; exit 1; }
	sleep 0.5
	kill -INT "$tp" 2>/dev/null || true
	wait "$tp" 2>/dev/null || true
	read -r R_S2C R_C2S R_REQ < <(wire_bytes "$W/replay1.pcap" "$SERVER.2049")
	r1=$(io_field "$GANESHA_PID" rchar)
	V_WCHAR=$(( $(io_field "$GANESHA_PID" wchar) - w0 ))
	V_ATIME=$(stat -c %X "$path")
	V_FILE=${path#"$TREE"/} V_NFS=$(echo "$out" | sed 's/.*nfs_bytes=\([0-9]*\).*/\1/') V_RCHAR=$((r1 - r0))
	[ "$V_ATIME" -gt 0 ] || { log "a replayed read did not move the access time of $V_FILE: the recording method does not work here"; exit 1; }
	log "check: reading $V_FILE through nfs-ganesha moved its access time; one replayed boot: $(mb "$V_NFS") MB read by the client, ganesha read() $(mb "$V_RCHAR") MB, write() $(mb "$V_WCHAR") MB, $R_REQ requests ($N2_REQ for a real boot); ganesha idle $IDLE_PCT % CPU"
}

# run_level C: C clients for SECONDS_PER seconds; one line in $W/levels:
# C boots boots/min wall MB/s ganesha% nginx% p50 p95 max ganesha-s/boot errors
# clients% nginx-s/boot min
run_level() {
	local c=$1 g0 g1 n0 n1 out cl
	g0=$(ticks "$GANESHA_PID"); n0=$(ticks $(nginx_pids))
	log "level $c: $c clients for $SECONDS_PER s"
	TIMEFORMAT='%U %S'
	{ time ip netns exec "$NC" "$REPLAY" -s "$SERVER" -p "$HTTP_PORT" -w "$W/storm-workload" -c "$c" -d "$SECONDS_PER" \
		> "$W/replay-$c.out" 2> "$W/replay-$c.err" ; } 2> "$W/replay-$c.time" || true
	g1=$(ticks "$GANESHA_PID"); n1=$(ticks $(nginx_pids))
	out=$(cat "$W/replay-$c.out")
	[ -n "$out" ] || { head -n 5 "$W/replay-$c.err" >&2; return 1; }
	cl=$(cat "$W/replay-$c.time")
	echo "$out" | awk -v c="$c" -v g="$((g1 - g0))" -v n="$((n1 - n0))" -v hz="$HZ" -v cl="$cl" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		split(cl, u, " ")
		w = v["wall"]; b = v["boots"]
		printf "%d %d %.1f %.1f %.1f %.0f %.0f %.2f %.2f %.2f %.4f %d %.0f %.4f %.2f\n", c, b, b / w * 60, w,
			(v["http_bytes"] + v["nfs_bytes"]) / w / 1e6, g / hz / w * 100, n / hz / w * 100,
			v["p50"], v["p95"], v["max"], b ? g / hz / b : 0, v["errors"], (u[1] + u[2]) / w * 100,
			b ? n / hz / b : 0, v["min"] }' >> "$W/levels"
	log "level $c: $(tail -n 1 "$W/levels" | awk '{ printf "%d boots, %.1f boots/min, %.1f MB/s, ganesha %d %% CPU, p50 %.2f s, p95 %.2f s, errors %d", $2, $3, $5, $6, $8, $9, $12 }')"
	[ "$(awk '{ print $12 }' "$W/levels" | tail -n 1)" = 0 ] || { head -n 5 "$W/replay-$c.err" >&2; return 1; }
}

# ---- the section ----
# The knee: the fewest concurrent boots that reach 90 % of the best rate.
knee() { awk 'NR == FNR { if ($3 > m) m = $3; next } $3 >= 0.9 * m { print $1; exit }' "$W/levels" "$W/levels"; }
lvl() { awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$W/levels"; }
# minutes for N nodes at R boots/min
minutes() { awk -v n="$1" -v r="$2" 'BEGIN { printf "%.1f", n / r }'; }

# The section: the method, what one boot fetched, the curve, the paper figures.
md_recorded() {
	cat <<MD
## Boot storm: nodes per minute from one head node

How many nodes one head node can bring up per minute, measured without
booting hundreds of VMs (hopeless alone: no alternative runs this workload,
so there is no ratio). **Recorded**: one real boot of the lab's Debian
bookworm root with systemd (\`hopeless lab --root debian\`, iPXE chain, state
image; $UP2 s from qemu start to multi-user.target under TCG), what it fetched
from the head node until multi-user.target: the HTTP and TFTP files (nginx's
access log, dnsmasq's log) and every path of its NFS exports that
nfs-ganesha read, listed or followed for it (access times set to the epoch
before the boot, listed after; the head node's ext4 is mounted relatime, so
any read moves them), with the bytes ganesha read of each file and wrote to
the state image (strace -y of ganesha's read/write calls). tcpdump on the
bridge counts the NFS bytes each way; ganesha's CPU time and read()/write()
bytes come from /proc/PID/stat and /proc/PID/io. **Replayed**: the same tree served by the same servers with
the configs \`hopeless config\` wrote (nfs-ganesha, nginx) in a namespace of
their own, and \`build/storm-replay\` (bench/storm-replay.c, libnfs over
NFSv4) running C simulated boots at once from a second namespace holding the
node's address (every export, shared layers included, is open to the node's
address only). Each simulated boot fetches the HTTP files from nginx, then
mounts each export with a fresh NFSv4 client, opens every recorded file and
reads as many bytes as the real boot read of it (from its start; counts
checked), lists every recorded directory,
reads every recorded symlink; each client boots again until ${SECONDS_PER} s
have passed. The state image (rw.img, ext4 over loop over NFS) is not
replayed (libnfs's NFSv4 writes fail, see testbed-facts.md): its I/O is
counted from the recording and added on paper.

Caveats: the clients, nginx and nfs-ganesha share this machine's $(nproc)
cores (and other jobs run on it), so the measured rates are lower bounds for
a head node; what scales is the servers' CPU time per boot, taken from
/proc/PID/stat of nfs-ganesha and nginx. The replay issues fewer, larger
requests than a kernel client (no GETATTR/ACCESS chatter, reads from each
file's start): its CPU per boot is a lower bound too, compare it with the
recorded boot's (which ran under strace, so that one is inflated). The
veth has no 10 GbE limit: the link is applied on paper.

Method check: reading \`$V_FILE\` once through nfs-ganesha moved its access
time from the epoch; one replayed boot read $(mb "$V_NFS") MB through the client
while ganesha's read() calls returned $(mb "$V_RCHAR") MB (write(): $(mb "$V_WCHAR") MB),
so /proc/PID/io counts ganesha's file I/O only (it does socket I/O with
recvmsg/sendmsg). For the recorded boot ganesha read $(mb "$B_RCHAR") MB by
/proc/PID/io and $(mb "$B_STRACE_R") MB by strace, and sent $(mb "$W_S2C") MB of NFS
on the wire; $N_UNLISTED files were read without being on the access-time list.

### What one boot fetches (recorded, until multi-user.target)

| Part | Paths | MB | Counted from |
|---|---:|---:|---|
| HTTP (nginx): iPXE script, kernel, initramfs | $N_HTTP | $(mb "$B_HTTP") | nginx access log |
| TFTP (dnsmasq): first loader | $N_TFTP | $(mb "$B_TFTP") | dnsmasq log, file sizes |
| NFS shared layers (roots/<root>/<version>, roots/<overlay>/<version>): read | $N_SF files, $N_SD dirs, $N_SL symlinks | $(mb "$B_SHARED") (of $(mb "$B_SHARED_SIZE") in those files) | access times; strace of ganesha |
| NFS host layer (clients/<ip>) | $N_HOST | $(mb "$B_HOST") | access times; strace |
| NFS state image (state/<ip>: ${STATE_FILES:-none}): read | 1 | $(mb "$state_r") | strace of ganesha |
| NFS state image: written | 1 | $(mb "$state_w") | strace of ganesha |
| NFS on the wire, head node to node | | $(mb "$W_S2C") | tcpdump (TCP payload, port 2049) |
| NFS on the wire, node to head node ($N_REQ data segments) | | $(mb "$W_C2S") | tcpdump |
| nfs-ganesha CPU for this boot ($B_SECS s, under strace) | | $B_GCPU CPU-s | /proc/PID/stat |
| Boot 2 (the node rebooted, no strace): NFS on the wire to / from the node | $N2_REQ data segments from it | $(mb "$W2_S2C") / $(mb "$W2_C2S") | tcpdump |
| Boot 2: nfs-ganesha CPU ($B2_SECS s) | | $B2_GCPU CPU-s | /proc/PID/stat |

Bytes per boot on the head node's link: **$(mb "$B_TOTAL") MB** (HTTP + TFTP +
NFS to the node on the wire).

MD
}

md_replay() {
	cat <<MD
### Replay: concurrent simulated boots against one head node

| Concurrent boots | Boots done | Boots/min | MB/s served | ganesha CPU % | nginx CPU % | clients CPU % | Replay time per boot min / median / p95 / max (s) | ganesha CPU-s per boot |
|---:|---:|---:|---:|---:|---:|---:|---|---:|
$(awk '{ printf "| %d | %d | %.1f | %.1f | %d | %d | %d | %.2f / %.2f / %.2f / %.2f | %.3f |\n", $1, $2, $3, $5, $6, $7, $13, $15, $8, $9, $10, $11 }' "$W/levels")

The knee: **$k concurrent boot(s)** (the fewest reaching 90 % of the best
rate), $best boots/min, ratio to one boot at a time
$(awk -v a="$best" -v b="$(lvl "$(head -n 1 "$W/levels" | cut -d' ' -f1)" 3)" 'BEGIN { printf "%.1f", a / b }')x.
CPU per boot of the servers there: ganesha $gs s, nginx $ns s.

MD
}

write_md() {
	local k best gs ns rate_link rate2 rate16 state_r state_w idle2 cpu_real ops_s rate_ops rate_mb
	k=$(knee); best=$(lvl "$k" 3)
	gs=$(lvl "$k" 11); ns=$(lvl "$k" 14)
	idle2=$(awk -v p="$IDLE_PCT" -v s="$B2_SECS" 'BEGIN { printf "%.2f", p / 100 * s }')
	cpu_real=$(awk -v g="$B2_GCPU" -v i="$idle2" -v n="$ns" 'BEGIN { x = g - i; printf "%.3f", (x > 0 ? x : g) + n }')
	ops_s=$(awk -v r="$R_REQ" -v b="$best" 'BEGIN { printf "%.0f", r * b / 60 }')
	rate_ops=$(awk -v o="$ops_s" -v n="$N2_REQ" 'BEGIN { printf "%.0f", o / n * 60 }')
	rate_mb=$(awk -v m="$(lvl "$k" 5)" -v b="$B_TOTAL" 'BEGIN { printf "%.0f", m * 1e6 / b * 60 }')
	rate_link=$(awk -v b="$B_TOTAL" 'BEGIN { printf "%.0f", 1.25e9 / b * 60 }')
	rate2=$(awk -v c="$cpu_real" 'BEGIN { printf "%.0f", 2 / c * 60 }')
	rate16=$(awk -v c="$cpu_real" 'BEGIN { printf "%.0f", 16 / c * 60 }')
	state_r=$B_STATE_R state_w=$B_STATE_W
	md_recorded
	md_replay
	cat <<MD
### On paper: 500 and 2,000 nodes from one head node

A real boot (the recorded node's second boot, $B2_SECS s to multi-user.target,
no strace) cost nfs-ganesha $B2_GCPU CPU-s (idle: $IDLE_PCT % of a core, i.e. $idle2 CPU-s of
that), $N2_REQ NFS requests and $(mb "$W2_S2C") MB of NFS replies; a replayed boot
$gs CPU-s and $R_REQ requests: the kernel client's small requests (GETATTR, ACCESS,
LOOKUP per name, reads of a page to 1 MB) cost the server far more than the
replay's. So the capacity per real boot is worked out from the resources the
replay measured, each a separate limit (boots per minute; time = nodes /
rate, on top of one node's own boot):

| Limit | Derived from | Boots/min | 500 nodes (min) | 2,000 nodes (min) |
|---|---|---:|---:|---:|
| Replay as measured (servers and clients on $(nproc) shared cores) | the knee above | $best | $(minutes 500 "$best") | $(minutes 2000 "$best") |
| NFS requests/s of this machine | $ops_s requests/s at the knee / $N2_REQ per real boot | $rate_ops | $(minutes 500 "$rate_ops") | $(minutes 2000 "$rate_ops") |
| Server CPU, 2 dedicated cores | 2 x 60 / ($cpu_real CPU-s per real boot: ganesha less idle, + nginx) | $rate2 | $(minutes 500 "$rate2") | $(minutes 2000 "$rate2") |
| Server CPU, 16 cores (if ganesha scales with cores) | 16 x 60 / $cpu_real | $rate16 | $(minutes 500 "$rate16") | $(minutes 2000 "$rate16") |
| MB/s this machine served | $(lvl "$k" 5) MB/s at the knee / $(mb "$B_TOTAL") MB per boot | $rate_mb | $(minutes 500 "$rate_mb") | $(minutes 2000 "$rate_mb") |
| 10 GbE link | 1.25 GB/s / $(mb "$B_TOTAL") MB per boot | $rate_link | $(minutes 500 "$rate_link") | $(minutes 2000 "$rate_link") |

$(awk -v l="$rate_link" -v c2="$rate2" -v c16="$rate16" -v w="$state_w" 'BEGIN {
	printf "What runs out first: with 2 server cores, %s", (c2 < l ? "nfs-ganesha CPU" : "the 10 GbE link")
	printf "; with 16 cores, %s.", (c16 < l ? "still nfs-ganesha CPU" : "the 10 GbE link")
	printf " Disk: the shared layers are read once into the\n"
	printf "page cache (the working set is what one boot reads, the same for every\n"
	printf "node); what reaches the disk is each node'"'"'s state image writes, %.1f MB per\n", w / 1e6
	printf "boot: %.1f GB for 500 nodes, %.1f GB for 2,000, spread over the storm.\n", w * 500 / 1e9, w * 2000 / 1e9 }')
A node's own boot (firmware, kernel, systemd) adds its own time to each
figure; under TCG here it is $UP2 s from qemu start to multi-user.target.

Reproduce: \`bench/boot-storm.sh --md FILE\` (options \`--levels "1 2 4 ..."\`,
\`--seconds S\`, \`--keep\` to keep the work directory with the workload in
storm-workload, \`--reuse DIR\` to replay a kept recording without booting).
MD
}

# ---- 1. record one real boot ----
LAB=$W/lab
if [ -n "$REUSE" ]; then
	log "reusing the recording in $W"
else
	log "recording one boot of the Debian systemd root (first run builds the root, 1-3 min)"
fi
if [ -z "$REUSE" ] && ! HOPELESS=$HOPELESS "$HOPELESS" lab --root debian --boot ipxe --state image --boots 2 \
	--workdir "$LAB" --keep --hook "$TOP/bench/storm-hook.sh" --timeout 400 > "$W/lab.out" 2>&1; then
	tail -n 30 "$W/lab.out" >&2
	log "the recording boot failed"; exit 1
fi
grep -q 'hook: storm:' "$W/lab.out" || { log "the hook recorded nothing"; exit 1; }
TREE=$LAB/tree
SERVER=$(sed -n 's/^server = //p' "$TREE/hopeless.conf")
HTTP_PORT=$(sed -n 's/^http_port = //p' "$TREE/hopeless.conf")
NODE_IP=$(ls "$TREE/clients" | head -n 1)
# qemu start to multi-user.target: boot 1 (ganesha under strace), boot 2.
UP1=$(grep -o 'node node1 (.*) up in [0-9.]* s' "$W/lab.out" | grep -o '[0-9.]* s$' | cut -d' ' -f1 | sed -n 1p)
UP2=$(grep -o 'node node1 (.*) up in [0-9.]* s' "$W/lab.out" | grep -o '[0-9.]* s$' | cut -d' ' -f1 | sed -n 2p)
log "recorded: node $NODE_IP up in $UP1 s (boot 2: $UP2 s), $(wc -l < "$LAB/storm/accessed") NFS paths"
make_workload > "$W/storm-workload"
boot_accounting
log "$(summary_line)"

# ---- 2. replay ----
start_servers
verify_atime
: > "$W/levels"
for c in $LEVELS; do
	run_level "$c" || { log "level $c failed"; exit 1; }
done
# The last level's rate against the best of the levels before it.
still_growing() { awk '{ if (NR > 1 && p > b) b = p; p = $3 } END { exit !(NR > 1 && p > 1.05 * b) }' "$W/levels"; }
while [ "$c" -lt 1024 ] && still_growing; do
	c=$((c * 2))
	log "throughput still growing: $c clients"
	run_level "$c" || { log "level $c failed"; exit 1; }
done
[ -z "$MD" ] || write_md > "$MD"
log "done"
