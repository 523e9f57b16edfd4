#!/bin/bash
# End to end, two heads on the lab Ceph (issue 11): hopeless lab --ceph puts
# the tree on CephFS, declares heads h1 and h2 (each an nfs-ganesha with
# FSAL_CEPH in a network namespace of its own) and boots node1 (head h1)
# and node2 (head h2), state rbd, twice at the same time, through the PXE
# chain that both heads serve (each runs dnsmasq and nginx from its
# etc/heads/NAME/; h1's die before the second boot). Each node mounts
# its layers from its own head, sees its own host layer, maps its own RBD
# image with its own key and writes to it; the second boot reads what the
# first wrote. While the nodes run: each kernel holds its image's lock, a
# second writer is refused, a VM presenting node1's address (the lab's
# twin) gets no further than the address check and never maps the image,
# and node1's key cannot reach node2's image (object by object with rados;
# tests/cli/t-ceph-rbd.sh checks every key the same way, and with rbd).
. "$(dirname "$0")/../lib.sh"
T0=$(date +%s)
W=$SCRATCH/lab
HOPELESS=$HOPELESS "$HOPELESS" lab --ceph --boot ipxe --boots 2 --hold 15 --twin \
	--hook "$TOP/tests/e2e/hooks/ceph-heads.sh" --workdir "$W" --keep --timeout 240 > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
check "node1 up on both boots" test "$(grep -c '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out")" = 2
check "node2 up on both boots" test "$(grep -c '^hopeless: node node2 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out")" = 2
H1=$(sed -n 's/.*head h1: nfs-ganesha (pid [0-9]*, node id h1) listening on \([0-9.]*\) in namespace .*/\1/p' "$SCRATCH/lab.out")
H2=$(sed -n 's/.*head h2: nfs-ganesha (pid [0-9]*, node id h2) listening on \([0-9.]*\) in namespace .*/\1/p' "$SCRATCH/lab.out")
check "two heads, each its own address ($H1, $H2)" sh -c "[ -n '$H1' ] && [ -n '$H2' ] && [ '$H1' != '$H2' ]"
check "the tree is on CephFS" grep -q 'CephFS mounted on .*; the tree is its /hopeless' "$SCRATCH/lab.out"
check "node1's boot file: h1 first, h2 its fallback" grep -q "node1 command line: .*hopeless.servers=$H2 hopeless.server=$H1 " "$SCRATCH/lab.out"
check "node2's boot file: h2 first, h1 its fallback" grep -q "node2 command line: .*hopeless.servers=$H1 hopeless.server=$H2 " "$SCRATCH/lab.out"
D1=$W/dnsmasq-h1.log D2=$W/dnsmasq-h2.log A1=$W/http-access-h1.log A2=$W/http-access-h2.log
check "the lab ran no DHCP server of its own" test ! -e "$W/dnsmasq.log"
check "both heads ran dnsmasq and nginx" \
	grep -q "head h1: dnsmasq (pid [0-9]*) and nginx (pid [0-9]*) serving the boot files on $H1" "$SCRATCH/lab.out"
check "h2 too" grep -q "head h2: dnsmasq (pid [0-9]*) and nginx (pid [0-9]*) serving the boot files on $H2" "$SCRATCH/lab.out"
check "boot 1: the heads answered both nodes' DHCP" sh -c "cat '$D1' '$D2' | grep -q 'DHCPACK.* node1\$' && cat '$D1' '$D2' | grep -q 'DHCPACK.* node2\$'"
check "boot 1: the heads' nginx served the iPXE scripts and kernels" \
	sh -c "cat '$A1' '$A2' | grep -c '\"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1\" 200 ' | grep -qv '^[01]\$' &&
	       cat '$A1' '$A2' | grep -q '\"GET /boot/lab-root/vmlinuz HTTP/1\.1\" 200 '"
n2=$(cat "$W/h2-dnsmasq-lines-before-2" 2>/dev/null || echo 0) a2=$(cat "$W/h2-http-lines-before-2" 2>/dev/null || echo 0)
check "boot 2, h1's dnsmasq and nginx dead: h2 answered node1's DHCP" sh -c "tail -n +$((n2 + 1)) '$D2' | grep -q 'DHCPACK.* node1\$'"
check "boot 2: and h2's nginx served node1's iPXE script and kernel" \
	sh -c "tail -n +$((a2 + 1)) '$A2' | grep -q '\"GET /ipxe/52-54-00-[0-9a-f-]*\.ipxe HTTP/1\.1\" 200 ' &&
	       tail -n +$((a2 + 1)) '$A2' | grep -c '\"GET /boot/lab-root/vmlinuz HTTP/1\.1\" 200 ' | grep -q '^[2-9]'"
check "each head ran its event receiver" test "$(grep -c 'head h[12]: event receiver (pid [0-9]*, events in tree/log/events-h[12].log)' "$SCRATCH/lab.out")" = 2
check "hopeless status saw both nodes reach switchroot through their heads' receivers" \
	sh -c "grep -q '^lab:   node1 .* switchroot ' '$SCRATCH/lab.out' && grep -q '^lab:   node2 .* switchroot ' '$SCRATCH/lab.out' && ! grep -q '^lab:   node[12] .*never seen' '$SCRATCH/lab.out'"
for b in 1 2; do
	c1=$W/console-$b.log c2=$W/console-node2-$b.log
	check "boot $b: node1 mounts its layers from h1" grep -q "nfs: $H1:/roots/lab-root, /roots/compute and /clients/.* mounted" "$c1"
	check "boot $b: node2 mounts its layers from h2" grep -q "nfs: $H2:/roots/lab-root, /roots/storage and /clients/.* mounted" "$c2"
	check "boot $b: node1 sees its own host layer" grep -q "LAB: layer all = host node1" "$c1"
	check "boot $b: node2 sees its own host layer" grep -q "LAB: layer all = host node2" "$c2"
	check "boot $b: node1's upper is its RBD image" grep -q 'upper: RBD image rbd/hopeless-state-node1 on /dev/rbd0' "$c1"
	check "boot $b: node2's upper is its RBD image" grep -q 'upper: RBD image rbd/hopeless-state-node2 on /dev/rbd0' "$c2"
done
for n in node1 node2; do
	case $n in node1) c1=$W/console-1.log c2=$W/console-2.log ;; *) c1=$W/console-node2-1.log c2=$W/console-node2-2.log ;; esac
	check "$n: first boot finds no earlier state" grep -q 'LAB: persisted = none' "$c1"
	w1=$(grep -o 'LAB: wrote written-at-[0-9.]*' "$c1" | sed 's/LAB: wrote //' | head -1)
	check "$n: first boot wrote a file ($w1)" test -n "$w1"
	check "$n: second boot reads it" grep -q "LAB: persisted = $w1" "$c2"
done
N1=${H1%.*}.10 N2=${H1%.*}.11
check "while they ran, node1's kernel held node1's lock" grep -q "auto .* $N1:0/" "$W/ceph-heads-1.node1.locks"
check "and node2's kernel node2's" grep -q "auto .* $N2:0/" "$W/ceph-heads-1.node2.locks"
check "a second writer on node1's image was refused" sh -c "! grep -qx 'rc=0' '$W/ceph-heads-1.second'"
check "node1's key reads its own image's header (control)" grep -q 'stat rbd_header\.[0-9a-f]*: allowed' "$W/ceph-heads-1.keys"
check "node1's key cannot stat node2's header" sh -c "[ \$(grep -c ': refused' '$W/ceph-heads-1.keys') = 2 ] && grep -q '^stat rbd_header.* refused' '$W/ceph-heads-1.keys'"
check "nor read node2's data" grep -q 'get rbd_data.*: refused' "$W/ceph-heads-1.keys"
check "refused by cephx caps (EPERM)" grep -q 'Operation not permitted' "$W/ceph-heads-1.keys"
check "the twin (node1's address, another VM) was refused" grep -q "net: address $N1 is in use by" "$W/console-twin.log"
check "and never mapped node1's image" sh -c "! grep -q 'upper: RBD image' '$W/console-twin.log'"
SECRET=$(sed -n 's/^\tkey = //p' "$W/node1.keyring")
check "node1's secret was read from its host layer" test -n "$SECRET"
check "and is on no console" sh -c "! grep -qF '$SECRET' '$W'/console-*.log"
left=$(pgrep -f -- "$W/" | tr '\n' ' ')
check "no process of the lab is left (${left:-none})" test -z "$left"
sed 's/^/# node1 key: /' "$W/ceph-heads-1.keys"
echo "# t-boot-ceph-heads.sh wall time $(( $(date +%s) - T0 )) s"
rm -rf "$W"
done_testing
