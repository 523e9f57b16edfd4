# hopeless lab --ceph hook (tests/e2e/t-boot-rbd.sh): before the first boot
# the node becomes state rbd on the lab's Ceph (hopeless.conf names the
# cluster; node set makes its clone and key; the initramfs gains rbd); while
# each boot holds, the image's lock holder and a second writer are recorded;
# before the second boot, node diff and node inspect read what the first
# wrote (from an rbd export on the head).
hook_before_boot() {
	if [ "$1" = 2 ]; then
		# What the first boot wrote, read on the head from an export of the
		# image (its lock may still be the dead first boot's: read as it is).
		ip netns exec "$NS" "$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/rbd-diff" 2> "$WORK/rbd-diff.err"
		echo "rc=$?" >> "$WORK/rbd-diff"
		ip netns exec "$NS" "$HOPELESS" -C "$TREE" node inspect "$NODE" /var/lab/persist > "$WORK/rbd-inspect" 2>&1
		say "hook: before boot 2: node diff: $(tr '\n' ' ' < "$WORK/rbd-diff")"
		say "hook: before boot 2: node inspect /var/lab/persist: $(tr '\n' ' ' < "$WORK/rbd-inspect")"
		ceph_cmd "$WORK/ceph" rbd -n client.admin snap ls rbd/hopeless-state-"$NODE" > "$WORK/rbd-snaps" 2>&1
		return 0
	fi
	[ "$1" = 1 ] || return 0
	printf 'ceph_conf = %s\nceph_mons = %s:6789\n' "$WORK/ceph/ceph.conf" "$SERVER" >> "$TREE/hopeless.conf"
	# rbd and ceph reach the monitor inside the lab's namespace
	ip netns exec "$NS" "$HOPELESS" -C "$TREE" node set "$NODE" --state rbd || return 1
	"$HOPELESS" -C "$TREE" initramfs build --root lab-root >/dev/null || return 1
	"$HOPELESS" -C "$TREE" config >/dev/null || return 1
	say "hook: $NODE has state rbd: $(ceph_cmd "$WORK/ceph" rbd -n client.admin info rbd/hopeless-state-"$NODE" | grep -E 'parent|features' | tr '\n' ' ')"
}

hook_up() {
	local out=$WORK/rbd-$1
	local rc=0
	ceph_cmd "$WORK/ceph" rbd -n client.admin lock ls rbd/hopeless-state-"$NODE" > "$out.locks" 2>&1 || true
	ceph_cmd "$WORK/ceph" rbd -n client.admin status rbd/hopeless-state-"$NODE" > "$out.status" 2>&1 || true
	say "hook: boot $1: lock: $(tr '\n' ' ' < "$out.locks")"
	# A second client writing the image while the node holds it: the
	# node's kernel mapped it exclusive and does not hand the lock over.
	ceph_cmd "$WORK/ceph" timeout 30 rbd -n client.admin bench --io-type write --io-size 4096 --io-total 4096 \
		rbd/hopeless-state-"$NODE" > "$out.second" 2>&1 || rc=$?
	echo "rc=$rc" >> "$out.second"
	say "hook: boot $1: a second writer: $(tail -n 3 "$out.second" | tr '\n' ' ')"
}
