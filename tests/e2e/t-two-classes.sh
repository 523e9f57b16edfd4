#!/bin/bash
# End to end: two nodes of different classes, both made from the default host
# template, boot at the same time. Each sees its own host name (/etc/hostname
# from the template), its own ssh host key (the one in its host overlay), and
# its class's overlay (compute vs storage).
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --nodes 2 --boot ipxe --state image --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
check "node1 up line printed" grep -q '^hopeless: node node1 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
check "node2 up line printed" grep -q '^hopeless: node node2 (.*) up in [0-9.]* s$' "$SCRATCH/lab.out"
c1=$W/console-1.log c2=$W/console-node2-1.log
ip1=$(sed -n 's/^ip *= *//p' "$W/tree/nodes/node1.conf")
ip2=$(sed -n 's/^ip *= *//p' "$W/tree/nodes/node2.conf")
check "the two nodes have different addresses ($ip1, $ip2)" test -n "$ip1" -a -n "$ip2" -a "$ip1" != "$ip2"
check "dnsmasq acknowledged both MACs" \
	test "$(grep -o 'DHCPACK([^)]*) [0-9.]* 52:54:00:[0-9a-f:]*' "$W/dnsmasq.log" | awk '{print $3}' | sort -u | wc -l)" = 2
val() { grep -a "LAB: $2 " "$1" | tr -d '\r' | head -1 | sed "s/.*LAB: $2 //"; }
for n in 1 2; do
	c=$([ $n = 1 ] && echo "$c1" || echo "$c2")
	ip=$([ $n = 1 ] && echo "$ip1" || echo "$ip2")
	check "node$n: up" grep -q 'HOPELESS-LAB-MARKER up' "$c"
	check "node$n: hostname is node$n" test "$(val "$c" hostname)" = "node$n"
	check "node$n: /etc/hostname is its hostname" test "$(val "$c" etc-hostname)" = "node$n"
	pub=$W/tree/clients/$ip/etc/ssh/ssh_host_ed25519_key.pub
	check "node$n: the host overlay has an ed25519 public key" test -s "$pub"
	want=$(cut -d' ' -f2 "$pub" 2>/dev/null)
	got=$(val "$c" sshkey)
	check "node$n: sees its own ed25519 host key" test -n "$got" -a "$got" = "$want"
	eval "key$n=\$got"
done
check "the two nodes have different ssh host keys" test -n "$key1" -a "$key1" != "$key2"
check "node1: class compute (its overlay)" grep -q 'LAB: layer class = compute' "$c1"
check "node2: class storage (its overlay)" grep -q 'LAB: layer class = storage' "$c2"
check "node1: its host overlay wins over the overlay" grep -q 'LAB: layer all = host' "$c1"
check "node1: compute overlay over the root" grep -q 'LAB: layer overlay-root = overlay' "$c1"
check "node2: storage overlay over the root" grep -q 'LAB: layer overlay-root = storage-overlay' "$c2"
check "node2: no host file, the storage overlay shows" grep -q 'LAB: layer all = storage-overlay' "$c2"
check "both: a file only in the root reads as the root's" sh -c "grep -q 'LAB: layer root-only = root' '$c1' && grep -q 'LAB: layer root-only = root' '$c2'"
check "node1 never sees the storage overlay" sh -c "! grep -q 'storage' '$c1'"
check "node2 never sees the compute overlay" sh -c "! grep -Eq 'layer [a-z-]+ = (overlay|compute|host)$' '$c2'"
check "status shows both nodes at switchroot" sh -c "'$HOPELESS' -C '$W/tree' status | grep -Eq '^node1 .* switchroot ' && '$HOPELESS' -C '$W/tree' status | grep -Eq '^node2 .* switchroot '"
rm -rf "$W"
done_testing
