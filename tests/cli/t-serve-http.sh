#!/bin/bash
# hopeless serve with its services, on real addresses in a network and mount
# namespace of the test's own (unshare -n -m; private /run and
# /var/lib/nfs for nfs-ganesha, as in the lab): nginx serves tftp/ over HTTP
# on the server's address; GET works, nothing else does, no symbolic link is
# followed, no dot file served; hopeless config reloads nginx when its
# configuration changes; a tree nobody can reach is refused in one line;
# SIGTERM stops every service.
if [ -z "${HOPELESS_IN_NETNS:-}" ]; then
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec unshare -n -m --propagation private env HOPELESS_IN_NETNS=1 bash "$0" "$@"
	fi
	echo "not ok - t-serve-http.sh needs network and mount namespaces (run as root)"
	exit 1
fi
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
mkdir -p "$SCRATCH/nfs-lib" "$SCRATCH/run"
mount --bind "$SCRATCH/nfs-lib" /var/lib/nfs
mount --bind "$SCRATCH/run" /run
mkdir -p /run/ganesha

ip link set lo up
ip link add hl0 type veth peer name hl1
ip addr add 10.9.2.1/24 dev hl0
ip link set hl1 up
ip link set hl0 up

H init --server 10.9.2.1 --interface hl0 >/dev/null
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc"
H root add deb12 --from "$R" >/dev/null
H overlay add compute >/dev/null
H node add n1 --ip 10.9.2.11 --mac 52:54:00:00:29:11 --root deb12 --overlay compute --state tmpfs >/dev/null
H config >/dev/null
mkdir -p "$T/tftp/boot/deb12"
echo kernel-bytes > "$T/tftp/boot/deb12/vmlinuz"
echo secret > "$SCRATCH/outside"
ln -s "$SCRATCH/outside" "$T/tftp/boot/deb12/leak"
ln -s "$SCRATCH" "$T/tftp/boot/linkdir"
echo hidden > "$T/tftp/.hidden"
check "nginx.conf generated" grep -q 'listen 10.9.2.1:80;' "$T/etc/nginx.conf"

"$HOPELESS" -C "$T" serve --foreground >"$SCRATCH/serve.out" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; sleep 0.5; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 1 100); do ss -ltn | grep -q '10.9.2.1:80 ' && break; sleep 0.1; done
cat "$SCRATCH/serve.out"
check "serve says nginx serves tftp/" grep -q 'nginx serves tftp/ over HTTP' "$SCRATCH/serve.out"
check "nginx listens on the server's address, port 80" sh -c "ss -ltn | grep -q '10.9.2.1:80 '"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
U=http://10.9.2.1
check "GET of a boot file: 200" test "$(code $U/boot/deb12/vmlinuz)" = 200
check "GET returns the file's bytes" test "$(curl -s $U/boot/deb12/vmlinuz)" = kernel-bytes
check "GET of a node's iPXE script: 200" test "$(code $U/ipxe/52-54-00-00-29-11.ipxe)" = 200
check "the iPXE script names HTTP URLs" sh -c "curl -s $U/ipxe/52-54-00-00-29-11.ipxe | grep -q '^kernel http://10.9.2.1/boot/deb12/vmlinuz '"
check "a symbolic link to a file outside tftp/ is not followed" test "$(code $U/boot/deb12/leak)" != 200
check "nor a linked directory" test "$(code $U/boot/linkdir/outside)" != 200
check "a dot file is not served" test "$(code $U/.hidden)" = 403
check "no directory listing" test "$(code $U/boot/)" != 200
check "POST refused" test "$(code -X POST --data x $U/boot/deb12/vmlinuz)" = 403
check "PUT refused" test "$(code -X PUT --data x $U/boot/deb12/x)" = 403
check "the nothing-outside-tftp/ path: ../ stays inside" test "$(code --path-as-is $U/../hopeless.conf)" != 200
check "downloads are logged with the client's address" grep -q '^10.9.2.1 .*"GET /boot/deb12/vmlinuz HTTP/1.1" 200' "$T/log/http-access.log"
check "workers run as nobody" sh -c "ps -o user= --ppid \$(cat '$T/run/nginx.pid') | grep -qx nobody"

# A new port: config rewrites nginx.conf and reloads nginx.
sed -i 's/^http_port = .*/http_port = 8080/' "$T/hopeless.conf"
H config > "$SCRATCH/config.out" 2>&1
cat "$SCRATCH/config.out"
check "config reloads nginx" grep -q 'nginx (pid [0-9]*) reloaded its configuration' "$SCRATCH/config.out"
for _ in $(seq 1 50); do ss -ltn | grep -q '10.9.2.1:8080 ' && break; sleep 0.1; done
check "after the reload nginx serves port 8080" test "$(code http://10.9.2.1:8080/boot/deb12/vmlinuz)" = 200
check "and the scripts name the port" grep -q '^kernel http://10.9.2.1:8080/boot/deb12/vmlinuz ' "$T"/tftp/ipxe/*.ipxe

kill "$SERVE"; wait "$SERVE"
check "SIGTERM stops nginx too" sh -c "! ss -ltn | grep -q '10.9.2.1:8080 '"

# A tree below a directory others cannot search: one line, nothing started.
chmod 0700 "$SCRATCH"
out=$("$HOPELESS" -C "$T" serve --foreground 2>&1); rc=$?
chmod 0711 "$SCRATCH"
check "unreachable tftp/: refused ($out)" sh -c "[ $rc != 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && printf '%s' \"\$1\" | grep -q 'nginx.s workers (user nobody) cannot reach .*chmod o+x'" sh "$out"
done_testing
