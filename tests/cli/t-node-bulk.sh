#!/bin/bash
# hopeless node add for many nodes at once: ranges, address runs, MAC files,
# CSV; all-or-nothing (a bad entry anywhere, or a failure half-way, leaves the
# tree byte-identical).
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }
SMALL=$SCRATCH/small
trap 'mountpoint -q "$SMALL" && umount "$SMALL"; rm -rf "$SCRATCH"' EXIT

check "init" q H init --server 10.20.0.1 --netmask 255.0.0.0 --image-size 8M
mkdir -p "$SCRATCH/r/boot"
check "root add" q H root add deb12 --from "$SCRATCH/r"
check "overlay add" q H overlay add compute
A=(--root deb12 --overlay compute)
for i in $(seq 1 1000); do printf '52:54:00:10:%02x:%02x\n' $((i / 256)) $((i % 256)); done > "$SCRATCH/macs"

start=$(date +%s.%N)
check "bulk add of 1000 nodes" q H node add c[0001-1000] --ip 10.20.0.10+ --mac-file "$SCRATCH/macs" --state tmpfs "${A[@]}"
echo "# node add of 1000 nodes (tmpfs state, ed25519+ecdsa keys): $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s"
check "1000 node entries" test "$(ls "$T/nodes" | grep -c '\.conf$')" = 1000
check "first node" grep -qx 'ip = 10.20.0.10' "$T/nodes/c0001.conf"
check "last node: consecutive addresses across a /24" grep -qx "ip = 10.20.3.241" "$T/nodes/c1000.conf"
check "MACs in file order" grep -qx 'mac = 52:54:00:10:03:e8' "$T/nodes/c1000.conf"
check "hostname from the template" test "$(cat "$T/clients/10.20.2.3/etc/hostname")" = c0506
check "1000 distinct ssh host keys" test "$(cat "$T"/clients/*/etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2 | sort -u | wc -l)" = 1000
check "node list shows 1000" test "$(H node list | tail -n +2 | wc -l)" = 1000
start=$(date +%s.%N)
check "config over 1000 nodes" q H config
echo "# config over 1000 nodes: $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s"

printf 'd1,52:54:00:20:00:01,10.21.0.1\n# comment\nd2,52:54:00:20:00:02,10.21.0.2\n' > "$SCRATCH/ok.csv"
check "add from CSV (--macs)" q H node add --macs "$SCRATCH/ok.csv" "${A[@]}" --state tmpfs
check "CSV nodes exist" test -f "$T/nodes/d1.conf" -a -f "$T/nodes/d2.conf"
check "add a range with state images" q H node add e[1-3] --ip 10.22.0.1+ --mac-file <(printf '52:54:00:30:00:0%s\n' 1 2 3) "${A[@]}"
check "each has its own image" test "$(ls "$T"/state/10.22.0.*/rw.img | wc -l)" = 3

for i in $(seq 1 100); do printf '52:54:00:40:00:%02x\n' "$i"; done > "$SCRATCH/m100"
sed '50s/.*/52:54:00:40:00/' "$SCRATCH/m100" > "$SCRATCH/m100-bad"
sed '50s/.*/52:54:00:40:00:01/' "$SCRATCH/m100" > "$SCRATCH/m100-dup"
sed '50s/.*/52:54:00:10:00:05/' "$SCRATCH/m100" > "$SCRATCH/m100-taken"
check_rejects "a bad MAC in the middle of the file" node add f[001-100] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100-bad" "${A[@]}"
check_rejects "a MAC twice in the batch" node add f[001-100] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100-dup" "${A[@]}"
check_rejects "a MAC already in the tree" node add f[001-100] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100-taken" "${A[@]}"
check_rejects "an address run into existing nodes" node add f[001-100] --ip 10.20.3.200+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "a range over existing names" node add c[0950-1049] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "fewer MACs than nodes" node add f[001-101] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "a plain IP with a range" node add f[001-100] --ip 10.23.0.1 --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "one --mac for a range" node add f[001-100] --ip 10.23.0.1+ --mac 52:54:00:40:01:01 "${A[@]}"
check_rejects "a reversed range" node add f[100-001] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "a range over 100000" node add f[0-100000] --ip 10.23.0.1+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "an address run past 255.255.255.255" node add f[001-100] --ip 255.255.255.200+ --mac-file "$SCRATCH/m100" "${A[@]}"
check_rejects "a missing MAC file" node add f[001-100] --ip 10.23.0.1+ --mac-file "$SCRATCH/nope" "${A[@]}"
check_rejects "--macs with a range" node add f[001-100] --macs "$SCRATCH/ok.csv" "${A[@]}"
printf 'g1,52:54:00:50:00:01,10.24.0.1\ng2,52:54:00:50:00:02,10.24.0.2,extra\ng3,52:54:00:50:00:03,10.24.0.3\n' > "$SCRATCH/bad.csv"
check_rejects "a CSV with a bad line in the middle" node add --macs "$SCRATCH/bad.csv" "${A[@]}"
printf 'g1,52:54:00:50:00:01,10.24.0.1\ng1,52:54:00:50:00:02,10.24.0.2\n' > "$SCRATCH/dup.csv"
check_rejects "a CSV naming a host twice" node add --macs "$SCRATCH/dup.csv" "${A[@]}"
printf 'g1,52:54:00:50:00:01,10.24.0.1\ng2,52:54:00:50:00:02,10.24.0.1\n' > "$SCRATCH/dupip.csv"
check_rejects "a CSV giving an address twice" node add --macs "$SCRATCH/dupip.csv" "${A[@]}"

# A failure half-way (the file system runs out of inodes while the batch is
# being built) must take back every node the batch had made.
mkdir -p "$SMALL"
mount -t tmpfs -o size=64M,nr_inodes=4000 tmpfs "$SMALL"
S=$SMALL/tree
q "$HOPELESS" -C "$S" init --server 10.30.0.1 && q "$HOPELESS" -C "$S" root add deb12 --from "$SCRATCH/r" &&
	q "$HOPELESS" -C "$S" overlay add compute &&
	q "$HOPELESS" -C "$S" node add h0 --ip 10.30.0.9 --mac 52:54:00:60:00:09 --state tmpfs "${A[@]}"
used=$(df --output=iused "$SMALL" | tail -1)
mount -o remount,nr_inodes=$((used + 150)) "$SMALL"
for i in $(seq 1 50); do printf '52:54:00:60:01:%02x\n' "$i"; done > "$SCRATCH/m50"
sbefore=$(tree_digest "$S")
out=$("$HOPELESS" -C "$S" node add h[01-50] --ip 10.30.0.10+ --mac-file "$SCRATCH/m50" --state tmpfs "${A[@]}" 2>&1 >/dev/null); rc=$?
check "a batch that runs out of inodes half-way fails ($out)" test "$rc" != 0 -a "$(echo "$out" | wc -l)" = 1
check "... and leaves the tree byte-identical" test "$(tree_digest "$S")" = "$sbefore"
check "... with no temporary directories left" test -z "$(ls -A "$S/clients" "$S/state" | grep '^\.')"
mount -o remount,nr_inodes=100000 "$SMALL"
check "the same batch succeeds with room" q "$HOPELESS" -C "$S" node add h[01-50] --ip 10.30.0.10+ --mac-file "$SCRATCH/m50" --state tmpfs "${A[@]}"

# The same with a batch large enough for worker processes (one per CPU from
# 512 nodes): every worker's nodes are taken back, whichever failed.
for i in $(seq 1 600); do printf '52:54:00:61:%02x:%02x\n' $((i >> 8)) $((i & 255)); done > "$SCRATCH/m600"
S2=$SMALL/tree2
mount -o remount,size=256M "$SMALL"
q "$HOPELESS" -C "$S2" init --server 10.31.0.1 --netmask 255.255.240.0 --image-size 16M &&
	q "$HOPELESS" -C "$S2" root add deb12 --from "$SCRATCH/r" && q "$HOPELESS" -C "$S2" overlay add compute
used=$(df --output=iused "$SMALL" | tail -1)
mount -o remount,nr_inodes=$((used + 3000)) "$SMALL"
sbefore=$(tree_digest "$S2")
out=$("$HOPELESS" -C "$S2" node add k[001-600] --ip 10.31.1.1+ --mac-file "$SCRATCH/m600" --state image "${A[@]}" 2>&1 >/dev/null); rc=$?
check "a 600-node batch that runs out of inodes fails ($out)" test "$rc" != 0 -a "$(echo "$out" | wc -l)" = 1
check "... and leaves the tree byte-identical" test "$(tree_digest "$S2")" = "$sbefore"
check "... with no temporary files left" test -z "$(ls -A "$S2/clients" "$S2/state" "$S2/.work" 2>/dev/null | grep '^\.\|rw.img$')"
mount -o remount,nr_inodes=100000 "$SMALL"
check "the 600-node batch succeeds with room" q "$HOPELESS" -C "$S2" node add k[001-600] --ip 10.31.1.1+ --mac-file "$SCRATCH/m600" --state image "${A[@]}"
check "... every node with its entry, host directory, keys and state image" test \
	"$(ls "$S2"/nodes/k*.conf | wc -l)/$(ls -d "$S2"/clients/10.31.* | wc -l)/$(ls "$S2"/clients/10.31.*/etc/ssh/ssh_host_ed25519_key | wc -l)/$(ls "$S2"/state/10.31.*/rw.img | wc -l)" = 600/600/600/600
check "... each image with a UUID of its own" test "$(blkid -s UUID -o value "$S2"/state/10.31.*/rw.img | sort -u | wc -l)" = 600
done_testing
