#!/bin/bash
# Benchmark (not a test; make check does not run it): what versions of a
# root cost. A Debian bookworm root (the lab's, cache/roots/
# bookworm-systemd.tar.zst, made by `hopeless lab --root debian` or the
# tests) gets N versions, each one small upgrade made with `hopeless shell`:
# every file of one package rewritten (as dpkg replaces them) and dpkg's
# status file rewritten. Prints the disk the N versions take (du, hard links
# counted once), the time of each publish, and the same for what
# administrators do without versions: a full copy of the image per version
# (cp -a, as `wwctl container copy` or a hand-kept .old copy).
#
#   bench/versions.sh [N] [PACKAGE]     (default 10 versions, openssh-server)
set -eu
N=${1:-10}
PKG=${2:-openssh-server}
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
TAR=${HOPELESS_ROOT_CACHE:-$TOP/cache/roots}/bookworm-systemd.tar.zst
[ -s "$TAR" ] || { echo "bench: $TAR missing: run hopeless lab --root debian (or make check) once" >&2; exit 1; }
W=$(mktemp -d /tmp/hopeless-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
el() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
du_m() { du -sm "$@" | awk '{s += $1} END {print s}'; }
T=$W/tree
"$HOPELESS" -C "$T" init --server 10.9.0.1 --interface br9 >/dev/null
t0=$(now); "$HOPELESS" -C "$T" root add deb --tar "$TAR" >/dev/null; imp=$(el "$t0")
base=$(du_m "$T/roots/deb")
files=$(chroot "$T/roots/deb/1" dpkg -L "$PKG" 2>/dev/null | while read -r f; do [ -f "$T/roots/deb/1$f" ] && [ ! -L "$T/roots/deb/1$f" ] && echo "$f"; done | wc -l)
echo "bench: Debian root: ${base} MB, imported in $imp s; each version rewrites the $files files of $PKG and /var/lib/dpkg/status"
upgrade='for f in $(dpkg -L '"$PKG"'); do [ -f "$f" ] && [ ! -L "$f" ] && { cp -p "$f" "$f.new" && echo >> "$f.new" && mv "$f.new" "$f"; }; done; cp -p /var/lib/dpkg/status /var/lib/dpkg/status.new && echo >> /var/lib/dpkg/status.new && mv /var/lib/dpkg/status.new /var/lib/dpkg/status'
pub_times=() copy_times=()
mkdir -p "$W/copies"
cp -a "$T/roots/deb/1" "$W/copies/1"
for i in $(seq 2 "$N"); do
	t0=$(now)
	"$HOPELESS" -C "$T" shell --root deb -- sh -c "$upgrade" 2>"$W/shell.err" || { cat "$W/shell.err" >&2; exit 1; }
	pub_times+=("$(el "$t0")")
	# Without versions: copy the whole image, then upgrade the copy in place.
	t0=$(now)
	cp -a "$W/copies/$((i - 1))" "$W/copies/$i"
	chroot "$W/copies/$i" sh -c "$upgrade"
	copy_times+=("$(el "$t0")")
done
v=$(du_m "$T/roots/deb") c=$(du_m "$W/copies")
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {printf "min %.2f median %.2f max %.2f", a[1], a[int((NR + 1) / 2)], a[NR]}'; }
echo "bench: $N versions of the root, hopeless (hard links): ${v} MB on disk ($(awk -v a="$v" -v b="$base" 'BEGIN{printf "%.2f", a / b}') x one root)"
echo "bench: $N full copies (cp -a):                       ${c} MB on disk ($(awk -v a="$c" -v b="$base" 'BEGIN{printf "%.2f", a / b}') x one root)"
echo "bench: disk ratio hopeless / copies: $(awk -v a="$v" -v b="$c" 'BEGIN{printf "%.3f", a / b}')"
echo "bench: time per new version, hopeless shell (overlay run + draft + publish): $(stats "${pub_times[@]}") s"
echo "bench: time per new version, cp -a + upgrade in place:                       $(stats "${copy_times[@]}") s"
echo "bench: machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(df -T "$W" | awk 'NR == 2 {print $2}') under $W"
