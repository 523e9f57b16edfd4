#!/bin/bash
# Versions of roots and overlays without VMs: publish, pin (node set
# NODESET NAME@N), rollback, gc (refusals name the nodes), node list, check,
# and the conversion of a tree made before versions.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
R=$SCRATCH/rootsrc
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev"
cp /bin/busybox "$R/bin/busybox" && ln -s busybox "$R/bin/sh"
echo one > "$R/etc/motd"; echo keep > "$R/etc/keep"
H init --server 10.9.0.1 --interface br9 --image-size 16M >/dev/null
H root add r --from "$R" >/dev/null
H overlay add o >/dev/null
for i in 1 2 3 4; do H node add n$i --ip 10.9.0.1$i --mac 52:54:00:00:09:1$i --root r --overlay o --state tmpfs >/dev/null; done
check "root add made version 1, the default" test -d "$T/roots/r/1" -a "$(cat "$T/roots/r/current")" = 1
check "overlay add made version 1" test -d "$T/roots/o/1" -a "$(cat "$T/roots/o/current")" = 1

# Publishing.
H shell --root r -- sh -c 'echo two > /etc/motd' 2>/dev/null
check "shell published version 2" test "$(cat "$T/roots/r/current")" = 2 -a "$(cat "$T/roots/r/2/etc/motd")" = two
check "version 1 unchanged" test "$(cat "$T/roots/r/1/etc/motd")" = one
check "unchanged files shared" test "$(stat -c %i "$T/roots/r/1/etc/keep")" = "$(stat -c %i "$T/roots/r/2/etc/keep")"
H shell --root r -- sh -c 'echo three > /etc/motd; exit 1' 2>/dev/null
check "a failed shell publishes nothing" test "$(cat "$T/roots/r/current")" = 2 -a ! -e "$T/roots/r/3"
check "no draft left" test -z "$(ls -A "$T/.work/drafts" 2>/dev/null)"

# Pinning.
check "node set NODESET --root r@1" H node set 'n[1-2]' --root r@1
check "the pointer file says r@1" test "$(cat "$T/clients/10.9.0.11/hopeless.root")" = r@1 -a "$(cat "$T/clients/10.9.0.12/hopeless.root")" = r@1
check "an unpinned node's pointer is the bare name" test "$(cat "$T/clients/10.9.0.13/hopeless.root")" = r
check_rejects "a pin to a version that does not exist" node set n3 --root r@9
check_rejects "a malformed version" node set n3 --root r@x
check_rejects "version 0" node set n3 --root r@0
check_rejects "a range where one node is unknown" node set 'n[3-5]' --root r@1
nl=$(H node list)
check "node list: n1 gets r@1 (pinned) next" sh -c "echo '$nl' | grep -E '^n1 ' | grep -q ' r@1\*,o@1'"
check "node list: n3 gets the default r@2 next" sh -c "echo '$nl' | grep -E '^n3 ' | grep -q ' r@2,o@1'"

# Rollback.
out=$(H root rollback r); check "rollback to the previous version ($out)" test "$(cat "$T/roots/r/current")" = 1
H root rollback r 2 >/dev/null; check "rollback to a given version" test "$(cat "$T/roots/r/current")" = 2
check_rejects "rollback to a version that does not exist" root rollback r 9
check_rejects "rollback of an overlay as a root" root rollback o
check_rejects "rollback of an unknown root" root rollback nope

# gc. n3 reported a boot of r@2 (an event as hopeless serve logs it); n1, n2
# are pinned to r@1; versions 3 and 4 are published on top.
mkdir -p "$T/log"
printf '%s\n' '2026-12-01T10:00:00Z 10.9.0.13 <29>1 2026-12-01T10:00:00Z n3 hopeless-init 1 union - clients/10.9.0.13 : roots/o@1 : roots/r@2' \
	> "$T/log/events.log"
H shell --root r -- sh -c 'echo four > /etc/motd' 2>/dev/null
H shell --root r -- sh -c 'echo five > /etc/motd' 2>/dev/null
check "versions 1-4 exist" test -d "$T/roots/r/3" -a -d "$T/roots/r/4" -a "$(cat "$T/roots/r/current")" = 4
rl=$(H root list)
check "root list: r@2 runs on n3" sh -c "echo '$rl' | grep -E '^  r@2 ' | grep -q 'running n3 '"
check "root list: r@1 is pinned by n1,n2" sh -c "echo '$rl' | grep -E '^  r@1 ' | grep -q 'pinned n1,n2'"
out=$(H root gc r --version 2 2>&1); rc=$?
check "gc refuses the version n3 runs, naming it ($out)" sh -c "test $rc != 0 && echo '$out' | grep -q 'r@2: not removed: running on n3'"
out=$(H root gc r --version 1 2>&1); rc=$?
check "gc refuses the pinned version, naming the nodes ($out)" sh -c "test $rc != 0 && echo '$out' | grep -q 'r@1: not removed: pinned by n1,n2'"
out=$(H root gc r --version 4 2>&1); rc=$?
check "gc refuses the default ($out)" sh -c "test $rc != 0 && echo '$out' | grep -q 'the default'"
out=$(H root gc r --keep 1); rc=$?
check "gc --keep 1 removes only version 3 ($out)" sh -c "test $rc = 0 -a -d '$T/roots/r/1' -a -d '$T/roots/r/2' -a ! -e '$T/roots/r/3' -a -d '$T/roots/r/4'"
check "... and says so" sh -c "echo '$out' | grep -q 'r@3 removed'"
check_rejects "gc of an unknown root" root gc nope
check_rejects "gc with a bad --keep" root gc r --keep 0

# check: a pointer pinned to a version gc removed (written by hand).
echo r@3 > "$T/clients/10.9.0.14/hopeless.root"
out=$(H check 2>&1)
check "check reports a pin to a missing version ($out)" sh -c "echo '$out' | grep -q 'clients/10.9.0.14/hopeless.root: pinned to r@3, which does not exist'"
echo r > "$T/clients/10.9.0.14/hopeless.root"

# Overlay versions from config (/etc/hosts) and rollback of an overlay.
H config >/dev/null
check "config published overlay version 2 with /etc/hosts" test "$(cat "$T/roots/o/current")" = 2 -a -f "$T/roots/o/2/etc/hosts"
H config >/dev/null
check "an unchanged config publishes nothing" test "$(cat "$T/roots/o/current")" = 2 -a ! -e "$T/roots/o/3"
H overlay rollback o >/dev/null
check "overlay rollback" test "$(cat "$T/roots/o/current")" = 1

# A tree from before versions: its flat layer becomes version 1.
T2=$SCRATCH/old
"$HOPELESS" -C "$T2" init --server 10.9.0.1 --interface br9 >/dev/null
"$HOPELESS" -C "$T2" root add old --from "$R" >/dev/null
(cd "$T2/roots/old" && mv 1 .v1 && rm current && mv .v1/* . && rmdir .v1)
check "the flat layer (as older trees have it)" test -f "$T2/roots/old/etc/motd" -a ! -e "$T2/roots/old/current"
out=$("$HOPELESS" -C "$T2" root list)
check "the first locked command converts it ($out)" sh -c "echo '$out' | grep -q 'roots/old: converted to versions; its content is now version 1'"
check "... into version 1" test "$(cat "$T2/roots/old/current")" = 1 -a "$(cat "$T2/roots/old/1/etc/motd")" = one -a ! -e "$T2/roots/old/etc"
check "converted once" sh -c "! '$HOPELESS' -C '$T2' root list | grep -q converted"
done_testing
