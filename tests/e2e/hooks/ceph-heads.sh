# hopeless lab --ceph hook (tests/e2e/t-boot-ceph-heads.sh): while the nodes
# run, record the holders of both RBD images' locks, a second writer on
# node1's image, and node1's key against node2's image (and, as a control,
# its own), object by object with rados. Before the second boot h1's boot
# services (dnsmasq, nginx) die: both nodes must PXE-boot from h2's. At
# the end the heads' HTTP logs (in the tree, on CephFS) are copied out.
hook_before_boot() {
	[ "$1" = 2 ] || return 0
	head_stop_boot h1
	wc -l < "$WORK/dnsmasq-h2.log" > "$WORK/h2-dnsmasq-lines-before-2"
	wc -l < "$TREE/log/http-access-h2.log" > "$WORK/h2-http-lines-before-2"
	say "hook: h1's dnsmasq and nginx killed before boot 2"
}
hook_teardown() {
	cp "$TREE"/log/http-access-h[12].log "$WORK/" 2>/dev/null || true
}
hook_up() {
	local out=$WORK/ceph-heads-$1 n img id1 id2 user2 key
	# hook_up comes at node1's marker: wait (60 s at most) for node2's
	for _ in $(seq 1 120); do
		grep -q "HOPELESS-LAB-MARKER up" "$WORK/console-node2-$1.log" 2>/dev/null && break
		sleep 0.5
	done
	for n in "$NODE" "$NODE2"; do
		img=rbd/hopeless-state-$n
		ceph_cmd "$WORK/ceph" rbd -n client.admin lock ls "$img" > "$out.$n.locks" 2>&1 || true
		say "hook: boot $1: $img lock: $(tr '\n' ' ' < "$out.$n.locks")"
	done
	local rc=0
	ceph_cmd "$WORK/ceph" timeout 30 rbd -n client.admin bench --io-type write --io-size 4096 --io-total 4096 \
		"rbd/hopeless-state-$NODE" > "$out.second" 2>&1 || rc=$?
	echo "rc=$rc" >> "$out.second"
	say "hook: boot $1: a second writer on $NODE's image: $(tail -n 2 "$out.second" | tr '\n' ' ')"
	[ "$1" = 1 ] || return 0
	# node1's key, from its host layer's hopeless.rbd, in a keyring of the lab's
	id1=$(ceph_cmd "$WORK/ceph" rbd -n client.admin info "rbd/hopeless-state-$NODE" | sed -n 's/.*block_name_prefix: rbd_data\.//p')
	id2=$(ceph_cmd "$WORK/ceph" rbd -n client.admin info "rbd/hopeless-state-$NODE2" | sed -n 's/.*block_name_prefix: rbd_data\.//p')
	user2=$(sed -n 's/^user = //p' "$TREE/clients/$NODE_IP/hopeless.rbd")
	key=$(sed -n 's/^secret = //p' "$TREE/clients/$NODE_IP/hopeless.rbd")
	( umask 077; printf '[client.%s]\n\tkey = %s\n' "$user2" "$key" > "$WORK/node1.keyring" )
	{
		echo "user $user2 id1 $id1 id2 $id2"
		for o in "rbd_header.$id1" "rbd_header.$id2"; do
			if ceph_cmd "$WORK/ceph" timeout 30 rados -n "client.$user2" --keyring "$WORK/node1.keyring" -p rbd stat "$o" 2>&1; then
				echo "stat $o: allowed"
			else
				echo "stat $o: refused"
			fi
		done
		if ceph_cmd "$WORK/ceph" timeout 30 rados -n "client.$user2" --keyring "$WORK/node1.keyring" -p rbd \
			get "rbd_data.$id2.0000000000000000" "$WORK/node2-data" 2>&1; then
			echo "get rbd_data.$id2.0000000000000000: allowed"
		else
			echo "get rbd_data.$id2.0000000000000000: refused"
		fi
	} > "$out.keys" 2>&1
	say "hook: node1's key: $(grep -E 'allowed|refused' "$out.keys" | tr '\n' ' ')"
}
