#!/bin/sh
# Builds and runs every libFuzzer target tests/fuzz/fuzz_<name>.c for
# FUZZ_SECONDS seconds each (default 60). Target fuzz_<name>.c links
# init/<name>.c (or lib/<name>.c) plus the init's logging helpers (log.c, clock.c,
# profile.c, event.c with lib/syslog.c, lib/validate.c, lib/inetcsum.c) and
# starts from a scratch copy of tests/fuzz/corpus/<name>/ so the committed
# corpus stays as it is. Prints each target's "Done N runs" line; exits
# non-zero when a target fails to build or finds a crash (the reproducer
# is left in build/fuzz/).
set -u
cd "$(dirname "$0")/../.." || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
OUT=build/fuzz
CFLAGS="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE -Ilib -Iinit -g -O1"
mkdir -p "$OUT"

failed=0
found=0
npass=0
nfail=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	found=1
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	srcs="$src"
	for f in "init/$name.c" "lib/$name.c" lib/validate.c lib/inetcsum.c init/log.c lib/clock.c init/profile.c init/event.c lib/syslog.c; do
		[ -f "$f" ] || continue
		case " $srcs " in *" $f "*) ;; *) srcs="$srcs $f" ;; esac
	done
	bin="$OUT/fuzz_$name"
	# shellcheck disable=SC2086
	if ! "$CLANG" $CFLAGS -o "$bin" $srcs; then
		echo "fuzz_$name: BUILD FAILED"
		failed=1
		nfail=$((nfail + 1))
		continue
	fi
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$name.XXXXXX")
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$scratch/"
	fi
	log="$OUT/fuzz_$name.log"
	"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 \
		-artifact_prefix="$OUT/fuzz_$name-" "$scratch" >"$log" 2>&1
	rc=$?
	rm -rf "$scratch"
	done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$name: FAILED (exit $rc), see $log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
		failed=1
		nfail=$((nfail + 1))
	else
		echo "fuzz_$name: ${done_line:-no run count found}"
		npass=$((npass + 1))
	fi
done
# the closing line tests/run.sh reads
echo "$npass passed, $nfail failed"
if [ "$found" -eq 0 ]; then
	echo "no fuzz targets in tests/fuzz/"
	exit 1
fi
exit "$failed"
