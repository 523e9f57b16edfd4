# hopeless lab --ceph --state image hook (tests/e2e/t-boot-rbd.sh): node1
# alone, behind head h1 of the two-head lab. Before the first boot
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
	# (lab --ceph names the cluster in hopeless.conf already)
	grep -q '^ceph_mons' "$TREE/hopeless.conf" ||
		printf 'ceph_conf = %s\nceph_mons = %s:6789\n' "$WORK/ceph/ceph.conf" "$SERVER" >> "$TREE/hopeless.conf"
	# rbd and ceph reach the monitor inside the lab's namespace
	ip netns exec "$NS" "$HOPELESS" -C "$TREE" node set "$NODE" --state rbd || return 1
	"$HOPELESS" -C "$TREE" initramfs build --root lab-root >/dev/null || return 1
	# the secret, for the test's console check (the tree is gone by then)
	( umask 077; sed -n 's/^secret = //p' "$TREE/clients/$NODE_IP/hopeless.rbd" > "$WORK/node-secret" )
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
	# A snapshot asked for by another client while the node's kernel holds
	# the lock (what node diff would need for one instant of a running node).
	rc=0
	[ "$1" != 1 ] || ceph_cmd "$WORK/ceph" timeout 20 rbd -n client.admin snap create --no-progress \
		rbd/hopeless-state-"$NODE"@probe > "$out.snap" 2>&1 || rc=$?
	[ "$1" != 1 ] || { echo "rc=$rc" >> "$out.snap"; say "hook: boot 1: snap create while up: $(tr '\n' ' ' < "$out.snap")"; }
	say "hook: boot $1: a second writer: $(tail -n 3 "$out.second" | tr '\n' ' ')"
}

# After the last boot: its dead client's lock broken as the admin would
# (rbd lock rm blocklists it), then node reset: the backup snapshot holds
# what the node's kernel wrote, the image is pristine again.
hook_teardown() {
	local img=rbd/hopeless-state-$NODE id locker b
	ceph_cmd "$WORK/ceph" rbd -n client.admin lock ls --format json "$img" > "$WORK/rbd-end.locks" 2>&1
	id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/rbd-end.locks")
	locker=$(sed -n 's/.*"locker":"\([^"]*\)".*/\1/p' "$WORK/rbd-end.locks")
	[ -z "$locker" ] || ceph_cmd "$WORK/ceph" rbd -n client.admin lock rm "$img" "$id" "$locker" >/dev/null 2>&1
	ip netns exec "$NS" "$HOPELESS" -C "$TREE" node reset "$NODE" > "$WORK/rbd-reset" 2>&1
	echo "rc=$?" >> "$WORK/rbd-reset"
	ip netns exec "$NS" "$HOPELESS" -C "$TREE" node show "$NODE" > "$WORK/rbd-show" 2>&1
	b=$(sed -n 's/^backups: \(backup-[0-9T.]*\) .*/\1/p' "$WORK/rbd-show")
	rm -f "$WORK/rbd-backup.img"
	[ -z "$b" ] || ceph_cmd "$WORK/ceph" rbd -n client.admin export --no-progress "$img@$b" "$WORK/rbd-backup.img" >/dev/null 2>&1
	# its journal replayed first (the copy only), as node diff does
	[ ! -f "$WORK/rbd-backup.img" ] || e2fsck -fy "$WORK/rbd-backup.img" >/dev/null 2>&1
	debugfs -R "cat /upper/var/lab/persist" "$WORK/rbd-backup.img" > "$WORK/rbd-backup.persist" 2>/dev/null
	ip netns exec "$NS" "$HOPELESS" -C "$TREE" node diff "$NODE" > "$WORK/rbd-diff-after" 2>&1
	echo "rc=$?" >> "$WORK/rbd-diff-after"
	say "hook: teardown: node reset: $(tr '\n' ' ' < "$WORK/rbd-reset"); backup $b holds: $(cat "$WORK/rbd-backup.persist")"
}
