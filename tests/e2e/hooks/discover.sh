# lab hook for tests/e2e/t-discover.sh: before node1's boot, a discovery
# window for n[101-164] at $SUBNET.101+ is opened; two VMs with MACs no node
# has PXE-boot at the same time and must become n101 and n102 and reach the
# marker on the union root; then the window is closed and a third unknown VM
# PXE-boots for 30 s and must get nothing. Results go to $WORK/disc-*.
#
# The lab runs dnsmasq and nfs-ganesha with their pid files in $WORK; serve
# (which registers the machines and runs the config) signals the services
# named in <tree>/run/*.pid, as they are when hopeless serve starts them.

DISC_TAPS=() DISC_MACS=()
for i in 1 2 3; do
	DISC_TAPS+=("hld$i$ID")
	DISC_MACS+=("$(printf '52:54:00:%02x:%02x:2%d' "$NET_B" "$NET_C" "$i")")
done

disc_vm() { # N: start the Nth unknown VM (PXE boot); sets QPID
	local i=$1 tap=${DISC_TAPS[$(($1 - 1))]}
	ip -n "$NS" tuntap add dev "$tap" mode tap
	ip -n "$NS" link set "$tap" master "$BR" up
	: > "$WORK/console-disc$i.log"
	say "discover: starting unknown VM $i (MAC ${DISC_MACS[$((i - 1))]}, PXE)"
	start_qemu "$WORK/console-disc$i.log" "$tap" "${DISC_MACS[$((i - 1))]}" -boot n
}

# The lab runs under set -e: failures are recorded for the test, not fatal.
hook_before_boot() {
	[ "$1" = 1 ] || return 0
	cp "$WORK/dnsmasq.pid" "$TREE/run/dnsmasq.pid"
	cp "$WORK/ganesha.pid" "$TREE/run/ganesha.pid"
	"$HOPELESS" -C "$TREE" node discover 'n[101-164]' --ip "$SUBNET.101+" --root lab-root --overlay compute \
		--for 10m > "$WORK/disc-open.txt" 2>&1 || echo "rc=$?" >> "$WORK/disc-open.txt"
	say "discover: $(head -c 300 "$WORK/disc-open.txt")"
	for _ in $(seq 1 30); do
		grep -q "discovery window open" "$WORK/serve.log" && break
		sleep 0.2
	done
	local t0 q1 q2 deadline
	t0=$(date +%s.%N)
	disc_vm 1; q1=$QPID
	disc_vm 2; q2=$QPID
	deadline=$(( $(date +%s) + 200 ))
	local regs=0 seen=""
	while [ "$(date +%s)" -lt "$deadline" ]; do
		# Say (with the lab's clock) when serve registers each and when each is up.
		local n
		n=$(grep -c "is now node" "$WORK/serve.log" || true)
		if [ "$n" -gt "$regs" ]; then
			grep "is now node" "$WORK/serve.log" | sed -n "$((regs + 1)),${n}p" | while read -r l; do say "discover: ${l#hopeless: serve: discovery: }"; done
			regs=$n
		fi
		for i in 1 2; do
			case "$seen" in *"$i"*) continue ;; esac
			if grep -q "HOPELESS-LAB-MARKER up" "$WORK/console-disc$i.log"; then
				seen="$seen$i"; say "discover: VM $i up ($(since "$t0") s after both started)"
			fi
		done
		[ "${#seen}" = 2 ] && break
		kill -0 "$q1" 2>/dev/null || kill -0 "$q2" 2>/dev/null || break
		sleep 0.5
	done
	say "discover: both unknown VMs done after $(since "$t0") s"
	for i in 1 2; do
		local up
		up=$(grep -a -m1 "HOPELESS-LAB-MARKER up" "$WORK/console-disc$i.log" | tr -d '\r')
		say "discover: VM $i: ${up:-no marker}; $(grep -a -m1 'LAB: hostname' "$WORK/console-disc$i.log" | tr -d '\r')"
	done
	kill "$q1" "$q2" 2>/dev/null || true
	wait "$q1" "$q2" 2>/dev/null || true
	"$HOPELESS" -C "$TREE" node discover --status > "$WORK/disc-status-open.txt" 2>&1 || true
	"$HOPELESS" -C "$TREE" node discover --close > "$WORK/disc-close.txt" 2>&1 || echo "rc=$?" >> "$WORK/disc-close.txt"
	say "discover: $(cat "$WORK/disc-close.txt")"
	sleep 2 # serve follows the window file once a second
	disc_vm 3
	local q3=$QPID
	sleep 30
	kill "$q3" 2>/dev/null || true
	wait "$q3" 2>/dev/null || true
	"$HOPELESS" -C "$TREE" node list > "$WORK/disc-list.txt" 2>&1 || true
	"$HOPELESS" -C "$TREE" node discover --status > "$WORK/disc-status-closed.txt" 2>&1 || true
	say "discover: VM 3 stopped after 30 s; dnsmasq lines for it: $(grep -ci "${DISC_MACS[2]}" "$WORK/dnsmasq.log" || true)"
	printf '%s\n' "${DISC_MACS[@]}" > "$WORK/disc-macs.txt"
	echo "$SUBNET" > "$WORK/disc-subnet.txt"
}
