#!/bin/bash
# hopeless shell: a busybox root; changes land in the root (--root) or in the
# overlay and never in the root (OVERLAY); /proc inside; nothing stays mounted;
# the command's exit status comes back.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
L() { echo "$T/roots/$1/$(cat "$T/roots/$1/current")"; }
H() { "$HOPELESS" -C "$T" "$@"; }
B=$SCRATCH/bb
mkdir -p "$B/bin" "$B/etc"
cp /bin/busybox "$B/bin/busybox"
ln -s busybox "$B/bin/sh"
echo "original" > "$B/etc/motd"
H init --server 10.9.0.1 --interface br9 >/dev/null
H root add bb --from "$B" >/dev/null
H overlay add ov >/dev/null
H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root bb --overlay ov --state tmpfs >/dev/null
mounts() { grep -c "$T" /proc/self/mountinfo; }

check "shell --root runs a command" H shell --root bb -- sh -c 'busybox touch /from-shell'
check "the change landed in the root" test -f "$(L bb)/from-shell"
out=$(H shell --root bb -- busybox cat /proc/self/mountinfo)
check "/proc, /sys, /dev are mounted inside" sh -c "echo '$out' | grep -q ' /proc ' && echo '$out' | grep -q ' /sys ' && echo '$out' | grep -q ' /dev '"
check "the head node's resolv.conf is seen inside" test "$(H shell --root bb -- busybox cat /etc/resolv.conf)" = "$(cat /etc/resolv.conf)"
check "no placeholder resolv.conf left in the root" test ! -e "$(L bb)/etc/resolv.conf"
check "the command runs as PID 2 under hopeless's PID 1" test "$(H shell --root bb -- sh -c 'echo $$')" = 2
H shell --root bb -- sh -c 'exit 7'; rc=$?
check "exit status passed through ($rc)" test "$rc" = 7
H shell --root bb -- sh -c 'kill -9 $$'; rc=$?
check "killed command gives 128+9 ($rc)" test "$rc" = 137
H shell --root bb -- /no/such/cmd 2>/dev/null; rc=$?
check "missing command gives 127 ($rc)" test "$rc" = 127
check "shell OVERLAY writes" H shell ov -- sh -c 'busybox touch /etc/x && echo changed > /etc/motd && busybox rm /from-shell'
check "new file lands in the overlay" test -f "$(L ov)/etc/x"
check "and not in the root" test ! -e "$(L bb)/etc/x"
check "changed file copied up whole" test "$(cat "$(L ov)/etc/motd")" = changed
check "root's file untouched" test "$(cat "$(L bb)/etc/motd")" = original
check "deletion is a whiteout in the overlay" test -c "$(L ov)/from-shell"
check "root keeps the deleted file" test -f "$(L bb)/from-shell"
xattrs() { python3 -c 'import os,sys
for r,ds,fs in os.walk(sys.argv[1]):
    for n in [r]+[os.path.join(r,x) for x in ds+fs]:
        for a in os.listxattr(n, follow_symlinks=False):
            if a.startswith("trusted.overlay.") and a != "trusted.overlay.opaque": print(n, a)' "$1"; }
check "no overlayfs bookkeeping xattrs in the upper ($(xattrs "$(L ov)"))" test -z "$(xattrs "$(L ov)")"
check "overlay's view combines both" test "$(H shell ov -- busybox cat /etc/motd)" = changed
H shell ov -- sh -c 'exit 3'; rc=$?
check "overlay: exit status passed through ($rc)" test "$rc" = 3
check "a background process is killed with the shell" H shell --root bb -- sh -c 'busybox sleep 1000 & exit 0'
check "no sleep 1000 left running" test -z "$(pgrep -f 'busybox sleep 1000')"
check "nothing stays mounted on the host" test "$(mounts)" = 0
check "mount points removed" test -z "$(ls "$T/.work"/*/mnt 2>/dev/null)"

check_rejects "no root and no overlay" shell
check_rejects "unknown root" shell --root nope -- true
check_rejects "an overlay as --root" shell --root ov -- true
check_rejects "unknown overlay" shell nope -- true
check_rejects "a root given as overlay" shell bb -- true
check_rejects "a name with .." shell --root ../bb -- true
H overlay add lonely >/dev/null
check_rejects "overlay without nodes and no --root" shell lonely -- true
check "overlay without nodes with --root" H shell lonely --root bb -- busybox touch /y
check "lands in that overlay" test -f "$(L lonely)/y"
check "nothing stays mounted at the end" test "$(mounts)" = 0
check "shell --help" H shell --help >/dev/null
done_testing
