#!/bin/bash
# Static checks: cppcheck over every C file, and the node's init must be a
# static binary with no interpreter.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
out=$(cppcheck --error-exitcode=1 --enable=warning,portability --inline-suppr -q -D_GNU_SOURCE \
	-Ilib -Iinit -Icli --suppress=missingIncludeSystem cli init lib 2>&1)
rc=$?
[ -z "$out" ] || echo "$out"
check "cppcheck finds nothing (warning, portability)" test "$rc" = 0
check "hopeless-init is statically linked" sh -c "file -L build/hopeless-init | grep -q 'statically linked'"
check "hopeless-init has no program interpreter" sh -c "! readelf -l build/hopeless-init | grep -q INTERP"
done_testing
