#!/bin/bash
# Measurement (not a test; make check does not run it): how long N nodes
# booting at once take to fetch a node's kernel and initramfs from the head
# node over TFTP (dnsmasq, what the firmware and pxelinux use, and what
# Warewulf's and LTSP's default setups serve kernels with) and over HTTP
# (nginx, what hopeless has iPXE and GRUB use), with the lab's own servers
# and configs written by hopeless config.
#
#   bench/tftp-vs-http.sh [--md FILE] [N...]     (default: 1 8 32 128; needs root)
#
# --md FILE: the Markdown section for docs/benchmarks.md (make bench) goes
# to FILE instead of stdout.
#
# Two network namespaces joined by a veth pair: the head node (dnsmasq,
# nginx) and the clients. RTT=0.2 (milliseconds) adds a netem delay of half
# of it on each side: a switched LAN's round trip, which TFTP pays once per
# block (lockstep) and HTTP once per window. The default is 0 (no netem:
# this machine's kernel has no sch_netem); a veth round trip is a few
# microseconds, which flatters TFTP. Each client is a curl
# process fetching vmlinuz then initrd.img (one connection for both over HTTP), over TFTP with blksize 1432 (what
# iPXE asks for) or HTTP/1.1; all N start at once. Reported: wall time until
# the last client has both files (every file's size is checked), aggregate
# throughput and the ratio TFTP/HTTP. A client gets 300 s (curl --max-time)
# before it counts as incomplete: a TFTP client whose server gave up on it
# otherwise waits forever. Timings vary with the machine's load:
# both transports run in the same invocation, alternating.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
KERNEL_CACHE=${HOPELESS_KERNEL_CACHE:-$TOP/cache/kernels/cloud/root}
RTT=${RTT:-0}
NS=${NS_PREFIX:-hl-tvh}-$$ NC=${NS_PREFIX:-hl-tvh}c-$$
MD=/dev/stdout
if [ "${1:-}" = --md ]; then MD=$2; shift 2; fi
[ $# -gt 0 ] || set -- 1 8 32 128
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
for tool in dnsmasq nginx curl tc; do
	command -v "$tool" >/dev/null || { echo "bench: $tool missing (make deps; curl, iproute2)" >&2; exit 1; }
done
[ -d "$KERNEL_CACHE/boot" ] || { echo "bench: no kernel in $KERNEL_CACHE (run: make deps)" >&2; exit 1; }
W=$(mktemp -d /tmp/hopeless-tvh.XXXXXX)
chmod 0711 "$W"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NC" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }

# The tree: the cloud kernel's root, its initramfs, one node, the configs.
T=$W/tree SERVER=10.251.0.1
SRC=$W/src
mkdir -p "$SRC/boot" "$SRC/lib/modules" "$SRC/sbin"
cp -a "$KERNEL_CACHE"/boot/vmlinuz-* "$SRC/boot/"
cp -a "$KERNEL_CACHE"/lib/modules/* "$SRC/lib/modules/"
"$HOPELESS" -C "$T" init --server "$SERVER" --netmask 255.255.0.0 --interface hltvh0 >/dev/null
"$HOPELESS" -C "$T" root add r --from "$SRC" >/dev/null
"$HOPELESS" -C "$T" overlay add o >/dev/null
"$HOPELESS" -C "$T" node add n1 --ip 10.251.0.10 --mac 52:54:00:fe:00:10 --root r --overlay o --state tmpfs >/dev/null
"$HOPELESS" -C "$T" initramfs build --root r >/dev/null 2>&1
"$HOPELESS" -C "$T" config >/dev/null
KSIZE=$(stat -c %s "$T/tftp/boot/r/vmlinuz") ISIZE=$(stat -c %s "$T/tftp/boot/r/initrd.img")

ip netns add "$NS"; ip netns add "$NC"
ip -n "$NS" link set lo up; ip -n "$NC" link set lo up
ip -n "$NS" link add hltvh0 type veth peer name hltvh1 netns "$NC"
ip -n "$NS" addr add "$SERVER/16" dev hltvh0
ip -n "$NS" link set hltvh0 up
# One address per client: each node has its own.
for i in $(seq 1 "$(printf '%s\n' "$@" | sort -n | tail -1)"); do
	ip -n "$NC" addr add "10.251.$((1 + i / 250)).$((1 + i % 250))/16" dev hltvh1
done
ip -n "$NC" link set hltvh1 up
half=$(awk -v r="$RTT" 'BEGIN { printf "%.3f", r / 2 }')
if awk -v r="$RTT" 'BEGIN { exit !(r > 0) }'; then
	ip netns exec "$NS" tc qdisc add dev hltvh0 root netem delay "${half}ms" limit 100000
	ip netns exec "$NC" tc qdisc add dev hltvh1 root netem delay "${half}ms" limit 100000
fi

mkdir -p "$T/run/nginx" "$T/log"
ip netns exec "$NS" dnsmasq -C "$T/etc/dnsmasq.conf" --user=root --keep-in-foreground \
	--log-facility="$W/dnsmasq.log" --dhcp-leasefile="$W/leases" --pid-file="$W/dnsmasq.pid" &
PIDS+=("$!")
ip netns exec "$NS" nginx -c "$T/etc/nginx.conf" -e "$W/nginx-error.log" -g 'daemon off;' &
PIDS+=("$!")
for _ in $(seq 1 50); do
	ip netns exec "$NS" ss -ltnu | grep -q "$SERVER:80 " && ip netns exec "$NS" ss -lun | grep -q ":69 " && break
	sleep 0.1
done
ip netns exec "$NS" ss -ltn | grep -q "$SERVER:80 " || { echo "bench: nginx did not start (see $W/nginx-error.log)" >&2; exit 1; }

# run PROTO N: wall seconds for N clients to fetch both files, and how many
# clients got both complete (curl's byte count against the file's size; the
# bytes go to /dev/null, so the client side costs no disk writes).
run() {
	local proto=$1 n=$2 t0 i ok=0 opt=""
	rm -rf "$W/out"; mkdir -p "$W/out"
	[ "$proto" = tftp ] && opt="--tftp-blksize 1432"
	t0=$(now)
	for i in $(seq 1 "$n"); do
		local ip=10.251.$((1 + i / 250)).$((1 + i % 250))
		ip netns exec "$NC" curl -s --max-time 300 --interface "$ip" $opt -o /dev/null -w '%{size_download}\n' \
			"$proto://$SERVER/boot/r/vmlinuz" -o /dev/null -w '%{size_download}\n' \
			"$proto://$SERVER/boot/r/initrd.img" > "$W/out/$i" 2>/dev/null &
	done
	wait
	local el
	el=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	for i in $(seq 1 "$n"); do
		[ "$(tr '\n' ' ' < "$W/out/$i")" = "$KSIZE $ISIZE " ] && ok=$((ok + 1))
	done
	echo "$el $ok"
}

report() {
	echo "## TFTP against HTTP: N nodes fetching kernel and initramfs at once"
	echo
	echo "\`bench/tftp-vs-http.sh $*\`: N clients (curl, one address each, all started at"
	echo "once) each fetch the node's kernel ($KSIZE bytes) and initramfs ($ISIZE"
	echo "bytes) from dnsmasq's TFTP server (what firmware, pxelinux and the"
	echo "default Warewulf and LTSP set-ups load kernels with; blksize 1432, as"
	echo "iPXE asks) and from nginx over HTTP (what hopeless has iPXE use), in two"
	echo "namespaces joined by a veth pair, added round trip ${RTT} ms (this"
	echo "machine's kernel has no sch_netem, so a veth's microseconds flatter"
	echo "TFTP's one round trip per block). dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}'),"
	echo "nginx $(nginx -v 2>&1 | sed 's|.*/||'). A client that has not finished after 300 s"
	echo "counts as incomplete (dnsmasq gives up on a TFTP client after its"
	echo "retransmissions; a real node would start its boot again)."
	echo
	echo "| clients | TFTP (dnsmasq) s | HTTP (nginx) s | TFTP / HTTP | TFTP MB/s | HTTP MB/s | complete (TFTP, HTTP) |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"
	for n in "$@"; do
		echo "bench: tftp-vs-http: $n clients" >&2
		read -r th tok < <(run tftp "$n")
		read -r hh hok < <(run http "$n")
		mb=$(awk -v n="$n" -v k="$KSIZE" -v i="$ISIZE" 'BEGIN { print n * (k + i) / 1e6 }')
		awk -v n="$n" -v t="$th" -v h="$hh" -v mb="$mb" -v to="$tok" -v ho="$hok" 'BEGIN {
			printf "| %d | %.2f | %.2f | %.1fx | %.0f | %.0f | %d/%d, %d/%d |\n", n, t, h, t / h, mb / t, mb / h, to, n, ho, n }'
	done
}
report "$@" > "$MD"
