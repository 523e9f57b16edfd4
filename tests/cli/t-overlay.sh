#!/bin/bash
# hopeless overlay: add (empty, from the netroot template), list, show, rm
# (refused while used); bad inputs change nothing.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
H init --server 10.9.0.1 --interface br9 >/dev/null
mkdir -p "$SCRATCH/r/etc"
H root add r --from "$SCRATCH/r" >/dev/null
check "overlay add (empty)" H overlay add empty
check "empty overlay is an empty directory" test -d "$T/roots/empty/1" -a -z "$(ls -A "$T/roots/empty/1")"
check "overlay add --from-template netroot" H overlay add compute --from-template netroot
for f in etc/fstab etc/systemd/network/00-hopeless-boot.network etc/NetworkManager/conf.d/hopeless.conf etc/network/interfaces; do
	check "netroot ships $f" test -f "$T/roots/compute/1/$f"
done
check "fstab has no root line" test -z "$(grep -v '^#' "$T/roots/compute/1/etc/fstab" | awk '$2 == "/"')"
check "template files are root's and not world-writable" test -z "$(find "$T/roots/compute/1" ! -user root -o -perm -o+w ! -type l)"
check "node add" H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root r --overlay compute --state tmpfs
check "list: compute used by n1" sh -c "'$HOPELESS' -C '$T' overlay list | grep -q '^compute *1 n1$'"
check "list: empty unused" sh -c "'$HOPELESS' -C '$T' overlay list | grep -q '^empty *0$'"
out=$(H overlay show compute)
check "show lists the files" sh -c "echo '$out' | grep -q '^  etc/fstab$'"
check "show names the nodes and root" sh -c "echo '$out' | grep -q 'nodes:   1 n1' && echo '$out' | grep -q 'root:    r'"
check_rejects "rm of a used overlay" overlay rm compute
check "rm message names the node" sh -c "'$HOPELESS' -C '$T' overlay rm compute 2>&1 | grep -q 'n1'"
check_rejects "rm of a root" overlay rm r
check_rejects "rm of an unknown overlay" overlay rm nope
check_rejects "show of an unknown overlay" overlay show nope
check_rejects "unknown template" overlay add x --from-template nope
check_rejects "template name with .." overlay add x --from-template ../netroot
check_rejects "name with /" overlay add a/b
check_rejects "duplicate" overlay add compute
check_rejects "a root's name" overlay add r
check_rejects "unknown option" overlay add y --frobnicate
check "rm of an unused overlay" H overlay rm empty
check "rm removed it and its registration" test ! -e "$T/roots/empty" -a ! -e "$T/meta/empty"
check "overlay --help" H overlay --help >/dev/null
done_testing
