# Shell test library: TAP-like lines, counts, and a scratch dir per test file.
# Each test file sources this, calls ok/fail through check, and ends with done_testing.
set -u
TESTS_PASSED=0
TESTS_FAILED=0
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
SCRATCH=$(mktemp -d /tmp/hopeless-test.XXXXXX)
# Searchable by others (not listable): the lab's nginx workers run as
# nobody and must reach the tree's tftp/ below it.
chmod 0711 "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT

ok()   { TESTS_PASSED=$((TESTS_PASSED + 1)); echo "ok - $*"; }
fail() { TESTS_FAILED=$((TESTS_FAILED + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: passes when the command exits 0.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# A digest of every file's path, mode and content in a tree: equal digests
# mean nothing changed.
tree_digest() {
	(cd "$1" && find . -path ./.lock -prune -o -printf '%p %m %s %l\n' | LC_ALL=C sort &&
	 find . -type f ! -name .lock -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum
}
# check_rejects DESCRIPTION ARGS...: `hopeless -C $T ARGS` must fail with
# exactly one line starting "hopeless:", and leave the tree $T byte-identical.
check_rejects() {
	local d=$1; shift
	local before out rc
	before=$(tree_digest "$T")
	out=$("$HOPELESS" -C "$T" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" != 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ "$out" == hopeless:* ]] &&
	   [ "$(tree_digest "$T")" = "$before" ]; then
		ok "rejects $d: $out"
	else
		fail "rejects $d (rc=$rc, output: $out)"
	fi
}
done_testing() {
	echo "# $TESTS_PASSED passed, $TESTS_FAILED failed ($(basename "$0"))"
	{ echo "RESULT $TESTS_PASSED $TESTS_FAILED" >&3; } 2>/dev/null || true
	[ "$TESTS_FAILED" = 0 ]
}
