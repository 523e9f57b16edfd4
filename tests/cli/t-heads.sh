#!/bin/bash
# hopeless head add/list/rm, node set --head, and what hopeless config
# writes with heads: a ganesha.conf per head (FSAL_CEPH, rados_cluster with
# the head's node id) and boot files naming each node's primary and
# fallback heads. A tree without heads gets the files it always got.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
# digest of one folder of the tree (etc/, tftp/)
sub_digest() { (cd "$T/$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum; }

H init --server 10.9.0.1 --interface br9 --image-size 16M >/dev/null
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
H root add deb12 --from "$R" >/dev/null
H overlay add compute >/dev/null
H node add 'n[01-40]' --ip 10.9.0.11+ --mac-file <(for i in $(seq 11 50); do echo "52:54:00:00:09:$i"; done) \
	--root deb12 --overlay compute --state tmpfs >/dev/null
check "config without heads" sh -c "'$HOPELESS' -C '$T' config >/dev/null"
ETC0=$(sub_digest etc) TFTP0=$(sub_digest tftp)
check "no heads: no etc/heads" test ! -e "$T/etc/heads"
check "no heads: head list says so" sh -c "'$HOPELESS' -C '$T' head list | grep -q '^no heads: every node boots from this tree.s server 10.9.0.1'"
check "no heads: a node boots from the tree's server alone" grep -q 'hopeless.server=10.9.0.1 ' "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"
check "no heads: no fallback list" sh -c "! grep -q 'hopeless.servers=' '$T/tftp/ipxe/52-54-00-00-09-11.ipxe'"

# ---- head add: what it refuses (one line, non-zero, tree unchanged)
check_rejects "head add without --ip" head add h1
check_rejects "a bad head name" head add 'h/1' --ip 10.9.0.2
check_rejects "a head name with a space" head add 'h 1' --ip 10.9.0.2
check_rejects "a bad address" head add h1 --ip 10.9.0.256
check_rejects "an address outside the cluster subnet" head add h1 --ip 10.9.1.2
check_rejects "the broadcast address" head add h1 --ip 10.9.0.255
check_rejects "a node's address" head add h1 --ip 10.9.0.11
check_rejects "an unknown option" head add h1 --ip 10.9.0.2 --port 3
check_rejects "two names" head add h1 h2 --ip 10.9.0.2
check_rejects "--force on add" head add h1 --ip 10.9.0.2 --force
check_rejects "an unknown subcommand" head move h1
check_rejects "rm of an unknown head" head rm h9
check_rejects "--head before any head exists" node set n01 --head h1
check "head add h1" sh -c "'$HOPELESS' -C '$T' head add h1 --ip 10.9.0.2 | grep -q 'head h1 added (10.9.0.2); 1 head(s)'"
check "the head is a file in the tree" grep -qx 'ip = 10.9.0.2' "$T/heads/h1.conf"
check_rejects "a duplicate name" head add h1 --ip 10.9.0.3
check_rejects "a duplicate address" head add h2 --ip 10.9.0.2
check "head add h2 (the tree's server address is a head's too)" sh -c "'$HOPELESS' -C '$T' head add h2 --ip 10.9.0.1 >/dev/null"
check_rejects "node add at a head's address" node add n99 --ip 10.9.0.2 --mac 52:54:00:00:09:99 --root deb12 --overlay compute
check "head list: both, every node primary on one" sh -c "'$HOPELESS' -C '$T' head list | awk 'NR > 1 { s += \$3; n++ } END { exit !(n == 2 && s == 40) }'"

# ---- config with heads
check "config with two heads" sh -c "'$HOPELESS' -C '$T' config >'$SCRATCH/config.out'"
check "it says how to register each new head's node id" \
	test "$(grep -c 'ganesha-rados-grace --cephconf /etc/ceph/ceph.conf --userid ganesha --pool nfs-ganesha --ns grace add h[12]$' "$SCRATCH/config.out")" = 2
check "and only for new heads" sh -c "! '$HOPELESS' -C '$T' config | grep -q ganesha-rados-grace"
for h in h1 h2; do
	G=$T/etc/heads/$h/ganesha.conf
	check "$h: ganesha.conf written" test -s "$G"
	check "$h: bound to its own address" grep -q "Bind_addr = $(sed -n 's/^ip = //p' "$T/heads/$h.conf");" "$G"
	check "$h: its node id in the shared grace database" grep -Pzq "RADOS_KV \{\n\tCeph_Conf = \"/etc/ceph/ceph.conf\";\n\tUserId = \"ganesha\";\n\tPool = \"nfs-ganesha\";\n\tNamespace = \"grace\";\n\tNodeId = \"$h\";" "$G"
	check "$h: rados_cluster recovery" grep -q 'RecoveryBackend = rados_cluster;' "$G"
	check "$h: every export through FSAL_CEPH" test "$(grep -c 'Name = CEPH;' "$G")" = "$(grep -c '^EXPORT {' "$G")"
	check "$h: exports the tree's paths in CephFS (ceph_path /)" grep -q 'Path = "/roots/deb12";' "$G"
	check "$h: a node's state export is its own" grep -Pzq 'Path = "/state/10.9.0.11";\n\tPseudo = "/state/10.9.0.11";\n[^}]*Clients = 10.9.0.11;\n\t\tAccess_Type = RW;' "$G"
	check "$h: the root read-only" grep -Pzq 'Path = "/roots/deb12";\n[^}]*\n\t\tAccess_Type = RO;' "$G"
done
for h in h1 h2; do
	ip=$(sed -n 's/^ip = //p' "$T/heads/$h.conf")
	D=$T/etc/heads/$h/dnsmasq.conf N=$T/etc/heads/$h/nginx.conf
	check "$h: dnsmasq.conf answers on its address" grep -qx "listen-address=$ip" "$D"
	check "$h: with the same static hosts" grep -qx "dhcp-hostsfile=$T/etc/dnsmasq-hosts.conf" "$D"
	check "$h: and no interface name of the single head" sh -c "! grep -q '^interface=' '$D'"
	check "$h: nginx.conf listens on its address" grep -q "listen $ip:80;" "$N"
	check "$h: its own pid file and logs in the shared tree" \
		sh -c "grep -q 'pid $T/run/nginx-$h.pid;' '$N' && grep -q 'access_log $T/log/http-access-$h.log;' '$N'"
done
check "with heads, boot URLs name the head that answered DHCP" \
	grep -q '^kernel http://${next-server}/boot/deb12/vmlinuz ' "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"
check "and so does boot.ipxe" grep -q '^chain http://${next-server}/ipxe/${netX/mac:hexhyp}.ipxe ' "$T/tftp/boot.ipxe"
check "the single head's etc/nginx.conf stays on the tree's server" grep -q 'listen 10.9.0.1:80;' "$T/etc/nginx.conf"
check "both heads export the same (only address and node id differ)" \
	bash -c "diff <(sed '/Bind_addr\|NodeId\|^# ganesha.conf of head\|this head is node id/d' '$T/etc/heads/h1/ganesha.conf') <(sed '/Bind_addr\|NodeId\|^# ganesha.conf of head\|this head is node id/d' '$T/etc/heads/h2/ganesha.conf') >/dev/null"
check "the single head's etc/ganesha.conf is as without heads (FSAL VFS)" grep -q 'Name = VFS;' "$T/etc/ganesha.conf"
# Each node: primary one head, fallback the other.
bad=0 p1=0
for i in $(seq 11 50); do
	f=$T/tftp/ipxe/52-54-00-00-09-$i.ipxe
	srv=$(grep -o 'hopeless.server=[0-9.]*' "$f" | cut -d= -f2)
	fb=$(grep -o 'hopeless.servers=[0-9.,]*' "$f" | cut -d= -f2)
	case "$srv,$fb" in 10.9.0.2,10.9.0.1) p1=$((p1 + 1)) ;; 10.9.0.1,10.9.0.2) ;; *) bad=$((bad + 1)) ;; esac
done
check "every node: one head primary, the other fallback" test "$bad" = 0
check "both heads are someone's primary ($p1 of 40 on h1)" test "$p1" -gt 5 -a "$p1" -lt 35
srv=$(grep -o 'hopeless.server=[0-9.]*' "$T/tftp/ipxe/52-54-00-00-09-11.ipxe" | cut -d= -f2)
check "node show gives the heads its boot file names" sh -c "'$HOPELESS' -C '$T' node show n01 | grep -q '^server: $srv,10.9.0.[12] (its heads by hash'"
check "node list too" sh -c "'$HOPELESS' -C '$T' node list --json | grep -q '\"server\": \"$srv,10.9.0.[12]\"'"
H node set n01 --boot pxelinux >/dev/null && H config >/dev/null
check "pxelinux files name the same heads" grep -q "hopeless.servers=10.9.0.[12] hopeless.server=10.9.0.[12] " "$T/tftp/pxelinux.cfg/01-52-54-00-00-09-11"
H node set n01 --boot ipxe >/dev/null && H config >/dev/null
check "etc/dnsmasq-hosts.conf is the same with heads (same static hosts for every head)" \
	sh -c "grep -qx '52:54:00:00:09:11,10.9.0.11,n01' '$T/etc/dnsmasq-hosts.conf'"

# ---- a third head: only nodes that move go to it
before=$SCRATCH/before; mkdir -p "$before"; cp "$T"/tftp/ipxe/*.ipxe "$before"/
check "head add h3" sh -c "'$HOPELESS' -C '$T' head add h3 --ip 10.9.0.4 >/dev/null && '$HOPELESS' -C '$T' config >/dev/null"
moved=0 wrong=0
for f in "$before"/*.ipxe; do
	a=$(grep -o 'hopeless.server=[0-9.]*' "$f"); b=$(grep -o 'hopeless.server=[0-9.]*' "$T/tftp/ipxe/${f##*/}")
	[ "$a" = "$b" ] && continue
	moved=$((moved + 1)); [ "$b" = hopeless.server=10.9.0.4 ] || wrong=$((wrong + 1))
done
check "a third head takes some nodes ($moved of 40 moved)" test "$moved" -gt 3 -a "$moved" -lt 25
check "and no node moved between the old two" test "$wrong" = 0
check "three heads: two fallbacks per node" grep -q 'hopeless.servers=10.9.0.[0-9],10.9.0.[0-9] ' "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"

# ---- node set --head
check_rejects "--head with an unknown head" node set n01 --head h9
check_rejects "--head naming a head twice" node set n01 --head h1,h1
check_rejects "--head and --server together" node set n01 --head h1 --server 10.9.0.2
check_rejects "--head on node add" node add n99 --ip 10.9.0.99 --mac 52:54:00:00:09:99 --root deb12 --overlay compute --head h1
check "node set n01 --head h3,h1" sh -c "'$HOPELESS' -C '$T' node set n01 --head h3,h1 >/dev/null"
check "kept as addresses in the node's server list" grep -qx 'server = 10.9.0.4,10.9.0.2' "$T/nodes/n01.conf"
H config >/dev/null
check "an explicit list is authoritative in the boot file" grep -q 'hopeless.servers=10.9.0.2 hopeless.server=10.9.0.4 ' "$T/tftp/ipxe/52-54-00-00-09-11.ipxe"
check "head list counts it as named" sh -c "'$HOPELESS' -C '$T' head list | awk '\$1 == \"h3\" && \$4 == 1 { f = 1 } END { exit !f }'"
check_rejects "head rm of a head a node names" head rm h3
out=$(H head rm h3 2>&1)
check "and it says which node and what to do" sh -c "printf '%s' '$out' | grep -q 'n01.*--head auto.*--force'"
check "node set n01 --head auto" sh -c "'$HOPELESS' -C '$T' node set n01 --head auto >/dev/null"
check "auto: no server list of its own" sh -c "! grep -q '^server' '$T/nodes/n01.conf'"
check "node set --server IP still works with heads" sh -c "'$HOPELESS' -C '$T' node set n02 --server 10.9.0.4 >/dev/null"
check_rejects "head rm of the head n02 names by --server" head rm h3
check "head rm --force" sh -c "'$HOPELESS' -C '$T' head rm h3 --force | grep -q 'still list its address'"
check "head rm removed the file and its generated folder" test ! -e "$T/heads/h3.conf" -a ! -e "$T/etc/heads/h3"
H node set n02 --server 10.9.0.1 >/dev/null && H node set n02 --head auto >/dev/null

# ---- settings
sed -i '$a nfs_server = kernel' "$T/hopeless.conf"
sed -i '0,/^nfs_server = ganesha$/{//d}' "$T/hopeless.conf"
check_rejects "config with heads and nfs_server = kernel" config
check "hopeless check reports it" sh -c "'$HOPELESS' -C '$T' check 2>&1 | grep -q 'hopeless.conf: nfs_server = kernel, but 2 head(s)'"
sed -i 's/^nfs_server = kernel$/nfs_server = ganesha/' "$T/hopeless.conf"
printf 'ceph_conf = /etc/ceph/lab.conf\nceph_user = hl\nceph_fs = fs2\nceph_grace_pool = gp\nceph_grace_namespace = ns2\nceph_path = /trees/one\n' >> "$T/hopeless.conf"
check "config with ceph_* settings" sh -c "'$HOPELESS' -C '$T' config >/dev/null"
G=$T/etc/heads/h1/ganesha.conf
check "ceph_path prefixes the export paths" grep -q 'Path = "/trees/one/roots/deb12";' "$G"
check "ceph_conf, ceph_user, ceph_grace_* in RADOS_KV" grep -Pzq 'Ceph_Conf = "/etc/ceph/lab.conf";\n\tUserId = "hl";\n\tPool = "gp";\n\tNamespace = "ns2";' "$G"
check "ceph_fs and ceph_user in FSAL" grep -Pzq 'User_Id = "hl";\n\t\tFilesystem = "fs2";' "$G"
echo 'ceph_path = /a/../b' >> "$T/hopeless.conf"
check_rejects "a ceph_path with .." head list
sed -i '$d' "$T/hopeless.conf"
echo 'name = h7' > "$T/heads/h7.conf"
check_rejects "a head file without an address" config
check "hopeless check reports it" sh -c "'$HOPELESS' -C '$T' check 2>&1 | grep -q 'heads: .*/heads/h7.conf: no .ip = . line'"
echo 'name = h8' > "$T/heads/h7.conf"; echo 'ip = 10.9.0.8' >> "$T/heads/h7.conf"
check_rejects "a head file naming another head" head list
printf 'name = h7\nip = 10.9.0.12\n' > "$T/heads/h7.conf"
check "hopeless check reports a head at a node's address" sh -c "'$HOPELESS' -C '$T' check 2>&1 | grep -q 'heads/h7.conf: ip 10.9.0.12 is also node n02.s address'"
rm "$T/heads/h7.conf"

# ---- back to no heads: the files are those of a tree that never had any
sed -i '/^ceph_/d' "$T/hopeless.conf"
H head rm h1 >/dev/null && H head rm h2 >/dev/null
check "config after the last head goes" sh -c "'$HOPELESS' -C '$T' config >/dev/null"
check "etc/ is byte-identical to before the heads" test "$(sub_digest etc)" = "$ETC0"
check "tftp/ is byte-identical to before the heads" test "$(sub_digest tftp)" = "$TFTP0"
check "hopeless.conf has no ceph_ line by default" sh -c "! grep -q ceph_ '$T/hopeless.conf'"
check "hopeless check has nothing to say about heads" sh -c "! '$HOPELESS' -C '$T' check 2>&1 | grep -qi head"
done_testing
