#!/bin/bash
# The hopeless command against a scratch tree: the happy path, then every bad
# input, each of which must fail with one line, a non-zero exit, and leave the
# tree byte-identical.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }

check "init creates a tree" H init --server 10.9.0.1 --interface br9 --append console=ttyS0 --image-size 16M
check "init refuses an existing tree" sh -c "! '$HOPELESS' -C '$T' init 2>/dev/null"
check "state/ is root-only" test "$(stat -c %a "$T/state")" = 700
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc" && echo root > "$R/etc/marker"
check "root add --from DIR" H root add deb12 --from "$R"
check "root content copied" grep -q root "$T/roots/deb12/1/etc/marker"
check "overlay add" H overlay add compute
check "root list names the root" sh -c "'$HOPELESS' -C '$T' root list | grep -q '^deb12 '"
check "overlay list names the overlay" sh -c "'$HOPELESS' -C '$T' overlay list | grep -q '^compute '"
check "node add (image)" H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb12 --overlay compute
check "node add (tmpfs, pxelinux, upper-case MAC)" H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:1A --root deb12 --overlay compute --state tmpfs --boot pxelinux
check "hopeless.root names the root" test "$(cat "$T/clients/10.9.0.11/hopeless.root")" = deb12
check "hopeless.overlay names the overlay" test "$(cat "$T/clients/10.9.0.11/hopeless.overlay")" = compute
check "etc/hostname in the host overlay" test "$(cat "$T/clients/10.9.0.11/etc/hostname")" = n1
check "rw.img is sparse" test "$(du -k "$T/state/10.9.0.11/rw.img" | cut -f1)" -lt 8192
check "rw.img is ext4" sh -c "file '$T/state/10.9.0.11/rw.img' | grep -q ext4"
check "rw.img is root-only" test "$(stat -c %a "$T/state/10.9.0.11/rw.img")" = 600
check "tmpfs node has no image" test ! -e "$T/state/10.9.0.12/rw.img"
check "images have no multi-mount protection by default" sh -c "! dumpe2fs -h '$T/state/10.9.0.11/rw.img' 2>/dev/null | grep -q 'features:.* mmp'"
T2=$SCRATCH/tree-mmp
"$HOPELESS" -C "$T2" init --server 10.9.0.1 --image-size 16M >/dev/null && sed -i 's/^image_mmp = no$/image_mmp = yes/' "$T2/hopeless.conf" &&
	"$HOPELESS" -C "$T2" root add r --from "$R" >/dev/null && "$HOPELESS" -C "$T2" overlay add o >/dev/null &&
	"$HOPELESS" -C "$T2" node add m1 --ip 10.9.0.21 --mac 52:54:00:00:09:21 --root r --overlay o >/dev/null
check "image_mmp = yes gives images multi-mount protection" sh -c "dumpe2fs -h '$T2/state/10.9.0.21/rw.img' 2>/dev/null | grep -q 'features:.* mmp'"
check "MAC stored in lower case" grep -q 'mac = 52:54:00:00:09:1a' "$T/nodes/n2.conf"
check "config" H config
check "dnsmasq accepts the generated config" dnsmasq --test -C "$T/etc/dnsmasq.conf"
check "per-node pxelinux file" test -f "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-1a"
check "per-node iPXE script" test -f "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"
check "state export writable by its node only" grep -q "$T/state/10.9.0.11 10.9.0.11(rw" "$T/etc/exports"
check "no world-writable file in the tree" test -z "$(find "$T" -perm -o+w ! -type l)"
check "node list shows both" test "$(H node list | grep -c '^n[12] ')" = 2
H config >/dev/null

# Each line: a description and the arguments of a command that must fail.
check_rejects "malformed IP" node add n3 --ip 10.9.0.256 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "IP with leading zero" node add n3 --ip 10.9.0.013 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "malformed MAC" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09 --root deb12 --overlay compute
check_rejects "multicast MAC" node add n3 --ip 10.9.0.13 --mac 01:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "host name with /" node add a/b --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "host name with .." node add .. --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "host name with a space" node add "a b" --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "host name with a control character" node add "$(printf 'a\tb')" --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "duplicate host name" node add n1 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "duplicate IP" node add n3 --ip 10.9.0.11 --mac 52:54:00:00:09:13 --root deb12 --overlay compute
check_rejects "duplicate MAC" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:11 --root deb12 --overlay compute
check_rejects "duplicate MAC in another spelling" node add n3 --ip 10.9.0.13 --mac 52-54-00-00-09-1A --root deb12 --overlay compute
check_rejects "unknown root" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root nope --overlay compute
check_rejects "unknown overlay" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay nope
check_rejects "an overlay given as root" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root compute --overlay compute
check_rejects "root name with .." node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root ../deb12 --overlay compute
check_rejects "bad state mode" node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute --state disk
check_rejects "missing --mac" node add n3 --ip 10.9.0.13 --root deb12 --overlay compute
check_rejects "overlay name with /" overlay add a/b
check_rejects "overlay name .." overlay add ..
check_rejects "duplicate overlay" overlay add compute
check_rejects "root name with /" root add x/y --from "$R"
check_rejects "root from a missing dir" root add r2 --from "$SCRATCH/nope"
check_rejects "root add over an overlay's name" root add compute --from "$R"
check_rejects "initramfs for an unknown root" initramfs build --root nope
check_rejects "initramfs for a root without kernel" initramfs build --root deb12
check_rejects "unknown subcommand" node frobnicate

out=$("$HOPELESS" -C "$SCRATCH/not-a-tree" node list 2>&1); rc=$?
check "a directory that is not a tree is refused ($out)" test "$rc" != 0 -a -n "$(echo "$out" | grep 'not a hopeless tree\|No such file')"
check "--help works for every command" sh -c "for c in init root overlay node initramfs config lab; do '$HOPELESS' \$c --help >/dev/null || exit 1; done"
done_testing
