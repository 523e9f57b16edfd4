#!/bin/bash
# make check: unit tests (ASan + UBSan), command-line tests, lab end-to-end
# tests. Ends with the line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
run_suite() { # name command...
	local name=$1; shift
	echo "=== $name"
	local out rc t0=$(date +%s)
	out=$(mktemp)
	"$@" 3>"$out.res" | tee "$out"
	rc=${PIPESTATUS[0]}
	# each suite's wall time, to see where make check's budget goes
	echo "# $name took $(( $(date +%s) - t0 )) s"
	local p f
	if [ -s "$out.res" ]; then
		read -r _ p f < "$out.res"
	else
		# the unit-test runner prints "N passed, N failed" itself
		p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
		f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)
	fi
	p=${p:-0} f=${f:-0}
	# a suite that crashed or exited non-zero without reporting a failure
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $name exited $rc"; fi
	passed=$((passed + p)) failed=$((failed + f))
	rm -f "$out" "$out.res"
}
ONLY=${1:-}
start=$(date +%s)
if [ -z "$ONLY" ] || [ "$ONLY" = unit ]; then
	run_suite unit env ASAN_OPTIONS=detect_leaks=1 build/unit-tests
fi
if [ -z "$ONLY" ] || [ "$ONLY" = static ]; then
	run_suite static bash tests/static.sh
fi
if [ -z "$ONLY" ] || [ "$ONLY" = cli ]; then
	for t in tests/cli/t-*.sh; do run_suite "$t" bash "$t"; done
fi
if [ -z "$ONLY" ] || [ "$ONLY" = e2e ]; then
	for t in tests/e2e/t-*.sh; do run_suite "$t" bash "$t"; done
fi
if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
	# every libFuzzer target for FUZZ_SECONDS each: 25 in make check (each
	# target still runs 0.4-6 million inputs; the e2e suite fills most of
	# the 45-minute budget), 60 in make fuzz
	run_suite fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-25}" tests/fuzz/run.sh
fi
echo "# make check took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
