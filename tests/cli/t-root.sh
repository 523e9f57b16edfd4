#!/bin/bash
# hopeless root: add from a directory, gzip and xz archives and mmdebstrap;
# list, show, rm (refused while a node uses it); bad inputs change nothing.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
check "init" H init --server 10.9.0.1 --interface br9 --image-size 16M
R=$SCRATCH/src
mkdir -p "$R/boot" "$R/etc" "$R/usr/lib" && echo marker > "$R/etc/marker"
echo 'PRETTY_NAME="Test Linux 1"' > "$R/usr/lib/os-release"
: > "$R/boot/vmlinuz-6.1.0-test"
ln "$R/etc/marker" "$R/etc/hardlink"
chown 1234:5678 "$R/etc/marker"
check "root add --from" H root add fromdir --from "$R"
check "owner kept" test "$(stat -c %u:%g "$T/roots/fromdir/1/etc/marker")" = 1234:5678
check "hard link kept" test "$(stat -c %h "$T/roots/fromdir/1/etc/marker")" = 2
tar --numeric-owner -C "$R" -czf "$SCRATCH/r.tar.gz" .
tar --numeric-owner -C "$R" -cJf "$SCRATCH/r.tar.xz" .
check "root add --tar (gzip)" H root add gz --tar "$SCRATCH/r.tar.gz"
check "root add --tar (xz)" H root add xz --tar "$SCRATCH/r.tar.xz"
check "tar: content and numeric owner" test "$(stat -c %u:%g "$T/roots/xz/1/etc/marker")" = 1234:5678
check "no temporary directory left" test -z "$(ls -A "$T/roots" | grep '^\.')"
out=$(H root list)
check "list shows kernel and size" sh -c "echo '$out' | grep -q '^gz .*6.1.0-test *0$'"
check "show names the system" sh -c "'$HOPELESS' -C '$T' root show xz | grep -q 'system:  Test Linux 1'"
check "overlay add" H overlay add ov
check "node add on root gz" H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root gz --overlay ov --state tmpfs
check "list counts the node" sh -c "'$HOPELESS' -C '$T' root list | grep -q '^gz .* 1$'"
out=$(H root rm gz 2>&1); rc=$?
check "rm refused while used, naming the node ($out)" test "$rc" != 0 -a -d "$T/roots/gz" -a -n "$(echo "$out" | grep 'n1')"
check_rejects "rm of a used root" root rm gz
check_rejects "rm of an overlay" root rm ov
check_rejects "rm of an unknown root" root rm nope
check_rejects "show of an unknown root" root show nope
check_rejects "two sources" root add two --from "$R" --tar "$SCRATCH/r.tar.gz"
check_rejects "no source" root add none
check_rejects "missing tar file" root add t2 --tar "$SCRATCH/nope.tar"
before=$(tree_digest "$T")
out=$(H root add t3 --tar /etc/hostname 2>&1); rc=$?
check "not a tar: tar's message passed through, last line ours, tree unchanged" test "$rc" != 0 \
	-a -n "$(echo "$out" | tail -1 | grep '^hopeless: root add: t3: tar failed')" -a "$(tree_digest "$T")" = "$before"
check_rejects "--mirror without --debootstrap" root add t4 --from "$R" --mirror http://x
check_rejects "--repo without --dnf" root add t5 --from "$R" --repo http://x
check_rejects "name with .." root add ../x --from "$R"
check "root add of an existing root publishes its next version" sh -c "'$HOPELESS' -C '$T' root add xz --from '$R' | grep -q 'version 2 published' && test \"\$(cat '$T/roots/xz/current')\" = 2 -a -f '$T/roots/xz/2/etc/marker' -a -f '$T/roots/xz/1/etc/marker'"
check_rejects "--dnf without packages" root add f1 --dnf 40
check_rejects "unknown option" root add x --frobnicate
out=$(H root add f2 --dnf 40 --include systemd,kernel 2>&1); rc=$?
check "--dnf fails clearly ($out)" test "$rc" != 0 -a -n "$(echo "$out" | grep 'dnf is not installed')" -a ! -e "$T/roots/f2"
check "rm of an unused root" H root rm xz
check "rm removed it and its registration" test ! -e "$T/roots/xz" -a ! -e "$T/meta/xz"
# A stale temporary tree from a killed build is swept by the next add.
mkdir -p "$T/roots/.stale.tmp/etc"
check "add after an interrupted build" H root add again --from "$R"
check "stale temporary tree swept" test ! -e "$T/roots/.stale.tmp"
# A signal during a build (Ctrl-C, kill) leaves nothing behind. (SIGTERM: a
# background job of a script ignores SIGINT.)
"$HOPELESS" -C "$T" root add intr --debootstrap bookworm --variant minbase >/dev/null 2>&1 &
sleep 4; kill -TERM $!; wait $!; rc=$?
check "interrupted build fails (rc=$rc) and leaves nothing" test "$rc" != 0 -a ! -e "$T/roots/intr" -a ! -e "$T/roots/.intr.tmp" -a ! -e "$T/meta/intr"
# A real Debian root: mmdebstrap minbase takes about 20 s here.
start=$(date +%s)
if H root add deb --debootstrap bookworm --variant minbase > "$SCRATCH/mm.log" 2>&1; then
	ok "root add --debootstrap bookworm (minbase, $(( $(date +%s) - start )) s)"
else
	fail "root add --debootstrap: $(tail -3 "$SCRATCH/mm.log")"
fi
check "debootstrap root has apt" test -x "$T/roots/deb/1/usr/bin/apt-get"
check "debootstrap root registered" sh -c "'$HOPELESS' -C '$T' root show deb | grep -q 'Debian GNU/Linux 12'"
check "nothing left mounted under the tree" test -z "$(grep "$T" /proc/self/mountinfo)"
check "root --help" H root --help >/dev/null
done_testing
