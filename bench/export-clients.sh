#!/bin/bash
# Measurement (not a test; make check does not run it): what a per-layer
# client list costs nfs-ganesha, against the cluster subnet, for N nodes that
# all use one root and one overlay. For each N: the size of etc/ganesha.conf
# and etc/exports, and nfs-ganesha's start-up time (process start to NFS
# port listening) and resident memory with each variant, in a network
# namespace of its own. docs/config.md has the figures and the threshold
# (GEN_EXPORT_CLIENTS_MAX) they led to.
#
#   bench/export-clients.sh [N...]        (default: 1000 10000; needs root)
#
# With EXPORTFS=/path/to/exportfs (nfs-kernel-server; `apt-get download
# nfs-kernel-server && dpkg -x` is enough, no nfsd needed), also times
# `exportfs -ra` parsing etc/exports, in a private mount namespace with a
# copy of /etc (the host's /etc and /var/lib/nfs are not touched).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
W=$(mktemp -d /tmp/hopeless-exports.XXXXXX)
NS=hl-exp-$$
cleanup() {
	[ -s "$W/ganesha.pid" ] && kill "$(cat "$W/ganesha.pid")" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
el() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

ip netns add "$NS"
ip -n "$NS" link add hlexpbr type bridge
ip -n "$NS" addr add 10.128.0.1/9 dev hlexpbr
ip -n "$NS" link set hlexpbr up
ip -n "$NS" link set lo up

# ganesha_start CONF: seconds until port 2049 listens, and its RSS in kB.
ganesha_start() {
	rm -rf "$W/lib" "$W/run"; mkdir -p "$W/lib" "$W/run"
	local t0 pid
	t0=$(now)
	ip netns exec "$NS" unshare -m --propagation private sh -c '
		mount --bind "$1" /var/lib/nfs; mount --bind "$2" /run; mkdir -p /run/ganesha
		exec ganesha.nfsd -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
		"$W/lib" "$W/run" "$1" "$W/ganesha.log" "$W/ganesha.pid"
	for _ in $(seq 1 1200); do
		ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q ":2049 " && break
		sleep 0.05
	done
	local t
	t=$(el "$t0")
	pid=$(cat "$W/ganesha.pid")
	echo "$t s, $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") kB RSS, $(grep -c 'Export [0-9]* created\|export_id [0-9]*' "$W/ganesha.log" 2>/dev/null || true) log lines on exports"
	kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$W/ganesha.pid"
}

for N in "${@:-1000 10000}"; do
	for n in $N; do
	T=$W/t$n
	"$HOPELESS" -C "$T" init --server 10.128.0.1 --netmask 255.128.0.0 --interface hlexpbr >/dev/null
	mkdir -p "$W/r/boot"
	"$HOPELESS" -C "$T" root add deb12 --from "$W/r" >/dev/null
	"$HOPELESS" -C "$T" overlay add compute >/dev/null
	awk -v T="$T" -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++) {
			ip = sprintf("10.128.%d.%d", int((i + 20) / 250), (i + 20) % 250 + 1)
			f = T "/nodes/n" i ".conf"
			printf "hostname = n%d\nip = %s\nmac = 52:54:01:%02x:%02x:%02x\nstate = tmpfs\nboot = ipxe\nappend = \n", i, ip, int(i / 65536), int(i / 256) % 256, i % 256 > f
			close(f)
			print ip
		}
	}' > "$W/ips"
	while read -r ip; do
		mkdir -p "$T/clients/$ip" "$T/state/$ip"
		echo deb12 > "$T/clients/$ip/hopeless.root"
		echo compute > "$T/clients/$ip/hopeless.overlay"
	done < "$W/ips"
	"$HOPELESS" -C "$T" config >/dev/null
	G=$T/etc/ganesha.conf
	# The other variant: the subnet where config wrote a list, or the other way round.
	list=$W/list.conf subnet=$W/subnet.conf
	if grep -q 'Clients = 10.128.0.0/9;' "$G"; then
		cp "$G" "$subnet"
		python3 - "$G" "$list" "$W/ips" <<'PY2'
import sys
ips = ", ".join(open(sys.argv[3]).read().split())
s = open(sys.argv[1]).read().replace("\t\tClients = 10.128.0.0/9;", "\t\tClients = " + ips + ";")
open(sys.argv[2], "w").write(s)
PY2
	else
		cp "$G" "$list"
		# only the layer blocks change: per-node exports keep their one address
		python3 - "$G" "$subnet" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
def sub(m):
    b = m.group(0)
    if 'Pseudo = "/roots/' not in b:
        return b
    return re.sub(r'Clients = [^;]*;', 'Clients = 10.128.0.0/9;', b)
open(sys.argv[2], 'w').write(re.sub(r'EXPORT \{.*?\n\}\n', sub, s, flags=re.S))
PY
	fi
	echo "N=$n: ganesha.conf $(stat -c %s "$list") bytes with client lists, $(stat -c %s "$subnet") with the subnet; etc/exports $(stat -c %s "$T/etc/exports") bytes"
	if [ -n "${EXPORTFS:-}" ]; then
		mkdir -p "$W/etc" "$W/nfslib"
		t0=$(now)
		unshare -m --propagation private sh -c '
			mount -t tmpfs none "$1"; cp -a /etc/. "$1/"; cp "$2" "$1/exports"
			mount --bind "$1" /etc; mount --bind "$3" /var/lib/nfs
			"$4" -ra 2>&1 | grep -v "^exportfs: /proc/fs/nfsd" | head -3
			echo "$(wc -l < /var/lib/nfs/etab) etab lines"' sh "$W/etc" "$T/etc/exports" "$W/nfslib" "$EXPORTFS"
		echo "N=$n: exportfs -ra $(el "$t0") s"
		rm -rf "$W/nfslib"
	fi
	for v in subnet list subnet list; do
		echo "N=$n $v: ganesha start-up $(ganesha_start "$W/$v.conf")"
	done
	rm -rf "$T"
	done
done
