#!/bin/bash
# hopeless node discover: the window (open, status, close, expiry, bad
# input) and the mechanism without VMs: a real dnsmasq and hopeless serve
# --events-only in a network namespace, and busybox udhcpc on veth pairs as
# the unknown machines (their MACs set by hand). The VM version is
# tests/e2e/t-discover.sh.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }
NS=hl-disc-$$ BR=hldbr$$
NS_UP=0 SERVE_PID="" DNS_PID=""
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null
	[ "$NS_UP" = 1 ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

check "init" q H init --server 10.66.0.1 --netmask 255.255.255.0 --interface "$BR" --image-size 8M
mkdir -p "$SCRATCH/r/boot"
check "root add" q H root add r --from "$SCRATCH/r"
check "overlay add" q H overlay add o
check "a node by hand" q H node add n1 --ip 10.66.0.12 --mac 52:54:00:66:01:01 --root r --overlay o --state tmpfs
A=(--root r --overlay o)

# ---- no window ----
check "status without a window says none" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -qx 'window: none.*'"
check_rejects "closing when no window was opened" node discover --close
check_rejects "a bad node set" node discover 'x[5-1]' --ip 10.66.0.50+ "${A[@]}"
check_rejects "a node set that is no range" node discover 'x[1-a]' --ip 10.66.0.50+ "${A[@]}"
check_rejects "a name a node has" node discover 'n[1-3]' --ip 10.66.0.50+ "${A[@]}"
check_rejects "an address a node has" node discover 'm[1-3]' --ip 10.66.0.11+ "${A[@]}"
check_rejects "a plain address for a range" node discover 'm[1-3]' --ip 10.66.0.50 "${A[@]}"
check_rejects "addresses running off the cluster network" node discover 'm[1-5]' --ip 10.66.0.252+ "${A[@]}"
check_rejects "no --ip" node discover 'm[1-3]' "${A[@]}"
check_rejects "an unknown root" node discover 'm[1-3]' --ip 10.66.0.50+ --root nope --overlay o
check_rejects "an unknown overlay" node discover 'm[1-3]' --ip 10.66.0.50+ --root r --overlay nope
check_rejects "no root" node discover 'm[1-3]' --ip 10.66.0.50+ --overlay o
check_rejects "a root as the overlay" node discover 'm[1-3]' --ip 10.66.0.50+ --root r --overlay r
check_rejects "a bad --state" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --state disk
check_rejects "a bad --boot" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --boot floppy
check_rejects "a zero --for" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --for 0
check_rejects "a --for over 7 days" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --for 8d
check_rejects "a --for with junk" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --for 10x
check_rejects "a --mac" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --mac 52:54:00:66:01:09
check_rejects "--close with a node set" node discover --close 'm[1-3]'
check_rejects "--status with --close" node discover --status --close
check_rejects "--for on another subcommand" node list --for 1h
mkdir -p "$T/state/10.66.0.51"
check_rejects "a leftover state dir in the range" node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}"
rmdir "$T/state/10.66.0.51"

# ---- the window's state ----
check "open a window" q H node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}" --for 2s
check "the window lives in the tree" grep -qx 'nodes = m\[1-3\]' "$T/discover.conf"
check "... root-owned 0644" test "$(stat -c %U:%a "$T/discover.conf")" = root:644
check "status: open" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -qx 'window: open'"
check "status: next is the first" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -qx 'next: m1 10.66.0.50'"
check_rejects "a second window while one is open" node discover 'k[1-3]' --ip 10.66.0.60+ "${A[@]}"
sleep 2.5
check "status: expired" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -qx 'window: expired'"
check_rejects "closing an expired window" node discover --close
check "a new window after the old one expired" q H node discover 'm[1-3]' --ip 10.66.0.50+ "${A[@]}"
check "status: one hour by default" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -q '^until: '"
check "close it" q H node discover --close
check "status: closed by hand" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -q '^closed: .* (by hand)'"
check_rejects "closing it twice" node discover --close
check "node list: REGISTERED column, manual for nodes added by hand" \
	sh -c "'$HOPELESS' -C '$T' node list | awk 'NR==1 {h=\$NF} \$1==\"n1\" {v=\$NF} END {exit !(h==\"REGISTERED\" && v==\"manual\")}'"
check "node list --json: registered manual" sh -c "'$HOPELESS' -C '$T' node list --json | grep -q '\"registered\": \"manual\"'"
echo 'registered = by hand' >> "$T/nodes/n1.conf"
check_rejects "a node file with a bad registered value" node list
sed -i '/^registered/d' "$T/nodes/n1.conf"

# ---- the mechanism: a real dnsmasq, serve, and udhcpc as unknown machines ----
q H config
mkdir -p "$T/run"
ip netns add "$NS" && NS_UP=1
ip -n "$NS" link set lo up
ip -n "$NS" link add "$BR" type bridge
ip -n "$NS" addr add 10.66.0.1/24 dev "$BR"
ip -n "$NS" link set "$BR" up
for i in 1 2 3 4; do
	ip -n "$NS" link add "va$i" type veth peer name "vb$i"
	ip -n "$NS" link set "va$i" master "$BR" up
	ip -n "$NS" link set "vb$i" address "52:54:00:66:02:0$i" up
done
ip netns exec "$NS" dnsmasq -C "$T/etc/dnsmasq.conf" --user=root --pid-file="$T/run/dnsmasq.pid" \
	--log-facility="$SCRATCH/dnsmasq.log" --log-dhcp --dhcp-leasefile="$SCRATCH/leases"
sleep 0.3
DNS_PID=$(cat "$T/run/dnsmasq.pid" 2>/dev/null)
ip netns exec "$NS" "$HOPELESS" -C "$T" serve --events-only --foreground > "$SCRATCH/serve.log" 2>&1 &
SERVE_PID=$!
sleep 0.5
# udhcpc: DISCOVERs a second apart, at most 6; a lease means dnsmasq answered.
# Where no lease is expected, 4 DISCOVERs (a registration takes well under a
# second, the answer comes with the next retransmission).
lease() { ip netns exec "$NS" busybox udhcpc -i "vb$1" -n -q -f -t "${2:-6}" -T 1 -s /bin/true 2>&1 | grep -o 'lease of [0-9.]*' | cut -d' ' -f3; }
offers() { grep -ci "DHCPOFFER.* 52:54:00:66:02:0$1" "$SCRATCH/dnsmasq.log"; }

check "no window: an unknown MAC gets no lease" test -z "$(lease 1 4)"
check "... and is not registered" test "$(H node list | grep -c 52:54:00:66:02:01)" = 0
check "open a window of two" q H node discover 'd[01-02]' --ip 10.66.0.101+ "${A[@]}" --state image --for 5m
sleep 1.5
# Hostile frames first, from vb3 in another's name and malformed: none may
# register anything (python3 writes them on a packet socket).
check "forged frames sent" ip netns exec "$NS" python3 "$(dirname "$0")/forge-dhcp.py" vb3 52:54:00:66:02:03 52:54:00:66:02:09
sleep 1.5
check "... none registered a node" test "$(H node list | grep -cE '52:54:00:66:02:0[39]')" = 0
# Two machines at once.
lease 1 > "$SCRATCH/l1" & p1=$!
lease 2 > "$SCRATCH/l2" & p2=$!
wait "$p1" "$p2"
echo "# leases: vb1 $(cat "$SCRATCH/l1"), vb2 $(cat "$SCRATCH/l2")"
sed 's/^/# serve: /' "$SCRATCH/serve.log"
check "two machines at once both got a lease" test -n "$(cat "$SCRATCH/l1")" -a -n "$(cat "$SCRATCH/l2")"
check "... distinct addresses, the window's two" test "$(sort "$SCRATCH/l1" "$SCRATCH/l2" | tr '\n' ' ')" = "10.66.0.101 10.66.0.102 "
check "... registered as d01 and d02" test "$(H node list | awk '$1 ~ /^d0/ {print $1}' | tr '\n' ' ')" = "d01 d02 "
h1=$(H node list | awk '$3 == "52:54:00:66:02:01" {print $1 " " $2}')
check "each name goes with its address ($h1)" sh -c "echo '$h1' | grep -qE '^d01 10.66.0.101$|^d02 10.66.0.102$'"
check "node list: discovered with the time" sh -c "'$HOPELESS' -C '$T' node list | grep '^d01 ' | grep -qE 'discovered@20[0-9-]+T[0-9:]+Z$'"
check "node show: registered" sh -c "'$HOPELESS' -C '$T' node show d01 | grep -qE '^registered: discovered 20'"
check "registered like node add: state image" test -f "$T/state/10.66.0.101/rw.img"
check "... host keys" test -f "$T/clients/10.66.0.101/etc/ssh/ssh_host_ed25519_key"
check "... pointer files" test "$(cat "$T/clients/10.66.0.101/hopeless.root")" = r
check "... iPXE script" test -f "$T/tftp/ipxe/52-54-00-66-02-01.ipxe"
check "serve said dnsmasq reloaded" grep -q "dnsmasq (pid $DNS_PID) reloaded its node list" "$SCRATCH/serve.log"
check "node set keeps how a node came" sh -c "'$HOPELESS' -C '$T' node set d02 --boot pxelinux >/dev/null && grep -q '^registered = discovered ' '$T/nodes/d02.conf'"
check "a MAC heard again keeps its lease" test "$(lease 1)" = "$(cat "$SCRATCH/l1")"
check "... and is not registered twice" test "$(H node list | grep -c 52:54:00:66:02:01)" = 1
check "the full range closed the window" sh -c "'$HOPELESS' -C '$T' node discover --status | grep -qx 'window: full'"
check "a third machine after the range is full: no lease" test -z "$(lease 3 4)"
check "... no offer in dnsmasq's log" test "$(offers 3)" = 0
check "... not registered" test "$(H node list | grep -c 52:54:00:66:02:03)" = 0
check "open another window" q H node discover 'e[1-2]' --ip 10.66.0.111+ "${A[@]}" --state tmpfs
check "close it" q H node discover --close
sleep 1.5
check "after --close: no lease" test -z "$(lease 4 4)"
check "... no offer" test "$(offers 4)" = 0
check "... not registered" test "$(H node list | grep -c 52:54:00:66:02:04)" = 0
check "serve said the window ended" grep -q "discovery window ended" "$SCRATCH/serve.log"
check "serve is still running" kill -0 "$SERVE_PID"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=""
check "serve counted the malformed frames (the relayed one is not malformed, only ignored)" \
	grep -q "4 malformed frame(s)" "$SCRATCH/serve.log"
sed 's/^/# serve: /' "$SCRATCH/serve.log" | tail -n 4
done_testing
