#!/bin/bash
# make bench: runs the benchmarks (never make check) and writes
# docs/benchmarks.md. Each benchmark is a script bench/NAME.sh that accepts
# --md FILE, prints its progress on stderr and writes its section of the
# document (Markdown, starting with a "## " heading, naming the command that
# reproduces it) to FILE; it exits non-zero when it could not measure.
#
#   bench/run.sh [NAME...]    (default: every benchmark in BENCHMARKS below)
#
# Sections land in build/bench/NAME.md; docs/benchmarks.md is assembled from
# the sections of every benchmark, so running one benchmark again replaces
# only its own section (each section says when it was measured).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BENCHMARKS="anchors boot-storm node-scale tftp-vs-http"
[ $# -gt 0 ] || set -- $BENCHMARKS
mkdir -p build/bench
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, qemu taps, loop devices)" >&2; exit 1; }
failed=""
for b in "$@"; do
	case " $BENCHMARKS " in *" $b "*) ;; *) echo "bench: unknown benchmark $b (have: $BENCHMARKS)" >&2; exit 2 ;; esac
	echo "bench: $b ($(date -u +%H:%M:%S))" >&2
	start=$(date +%s)
	if bash "bench/$b.sh" --md "build/bench/$b.md.tmp"; then
		{ cat "build/bench/$b.md.tmp"; printf '\n_Measured %s at commit %s in %d s: `bench/run.sh %s`._\n' \
			"$(date -u +%Y-%m-%d)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
			$(($(date +%s) - start)) "$b"; } > "build/bench/$b.md"
		rm -f "build/bench/$b.md.tmp"
	else
		echo "bench: $b failed" >&2
		failed="$failed $b"
	fi
done

machine() {
	printf '%s cores (%s), %s GiB RAM, Linux %s, %s, no KVM (qemu under TCG)' \
		"$(nproc)" "$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
		"$(awk '/MemTotal/{printf "%d", $2 / 1048576 + 0.5}' /proc/meminfo)" "$(uname -r)" \
		"$(qemu-system-x86_64 --version 2>/dev/null | head -1)"
}
tmp=docs/benchmarks.md.tmp
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (\`bench/run.sh\`); never by \`make check\`, and no"
	echo "test asserts a time. Machine: $(machine). Every"
	echo "comparison runs the alternative in the same invocation as hopeless, on"
	echo "the same kernel, qemu and servers; ratios are alternative / hopeless"
	echo "unless a table says otherwise. Timings under TCG on 2 shared cores are"
	echo "noisy: read the min/median/max, not one figure."
	for b in $BENCHMARKS; do
		echo
		if [ -s "build/bench/$b.md" ]; then
			cat "build/bench/$b.md"
		else
			echo "## $b"
			echo
			echo "Not measured on this machine yet: \`bench/run.sh $b\`."
		fi
	done
} > "$tmp"
mv "$tmp" docs/benchmarks.md
echo "bench: wrote docs/benchmarks.md" >&2
[ -z "$failed" ] || { echo "bench: failed:$failed" >&2; exit 1; }
