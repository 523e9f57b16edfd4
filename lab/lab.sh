#!/bin/bash
# hopeless lab: a virtual cluster on one Linux machine, no special hardware.
#
# Builds a sample cluster in a scratch tree with the hopeless command itself
# (a tiny busybox root carrying a Debian kernel, a cluster overlay, a host
# overlay), starts a network namespace with a bridge, dnsmasq and nfs-ganesha
# inside it, and network-boots qemu virtual machines (TCG) through the iPXE
# option ROM or pxelinux. Stops everything it started, by PID, and deletes its
# namespace, also on failure or Ctrl-C.
#
# usage: hopeless lab [--boot ipxe|pxelinux] [--state image|tmpfs] [--boots N]
#                     [--workdir DIR] [--keep] [--timeout SECONDS]
set -euo pipefail

HOPELESS=${HOPELESS:-hopeless}
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
KERNEL_CACHE=${HOPELESS_KERNEL_CACHE:-$SRC_DIR/cache/kernels/cloud/root}
BOOT=ipxe STATE=image BOOTS=1 KEEP=0 WORK="" TIMEOUT=300

while [ $# -gt 0 ]; do
	case "$1" in
	--boot) BOOT=$2; shift 2 ;;
	--state) STATE=$2; shift 2 ;;
	--boots) BOOTS=$2; shift 2 ;;
	--workdir) WORK=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "hopeless: lab: unknown option '$1' (see hopeless lab --help)" >&2; exit 2 ;;
	esac
done
case "$BOOT" in ipxe|pxelinux) ;; *) echo "hopeless: lab: --boot $BOOT: want ipxe or pxelinux" >&2; exit 2 ;; esac
case "$STATE" in image|tmpfs) ;; *) echo "hopeless: lab: --state $STATE: want image or tmpfs" >&2; exit 2 ;; esac
case "$BOOTS" in [1-9]) ;; *) echo "hopeless: lab: --boots $BOOTS: want 1 to 9" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "hopeless: lab: needs root (network namespaces, tap devices)" >&2; exit 1; }
for tool in qemu-system-x86_64 dnsmasq ganesha.nfsd busybox ip; do
	command -v "$tool" >/dev/null || { echo "hopeless: lab: $tool missing (run: make deps)" >&2; exit 1; }
done
[ -d "$KERNEL_CACHE/boot" ] || { echo "hopeless: lab: no kernel in $KERNEL_CACHE (run: make deps)" >&2; exit 1; }

# Every run has its own names and subnet, so runs (and a killed run's
# leftovers) never collide. Interface names are at most 15 characters.
ID=$$
NET_B=$(( (ID / 250) % 250 + 1 )) NET_C=$(( ID % 250 + 1 ))
SUBNET=10.$((200 + ID % 50)).$NET_C
SERVER=$SUBNET.1 NODE_IP=$SUBNET.10
NS=hl-lab-$ID BR=hlbr$ID TAP=hltap$ID
MAC=$(printf '52:54:00:%02x:%02x:0a' $NET_B $NET_C)
NODE=node1
[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/hopeless-lab.XXXXXX)
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
TREE=$WORK/tree
T0=$(date +%s.%N)

since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
say() { printf 'lab: [%6s s] %s\n' "$(since "$T0")" "$*"; }
PIDS=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for f in "$WORK"/dnsmasq.pid "$WORK"/ganesha.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	ip netns del "$NS" 2>/dev/null || true
	if [ "$KEEP" = 0 ] && [ "$rc" = 0 ]; then
		rm -rf "$WORK"
	else
		echo "lab: files kept in $WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "lab: interrupted"; exit 130' INT TERM

# ---- the sample cluster, made with hopeless itself ----
say "building a sample root (busybox + $(ls "$KERNEL_CACHE/lib/modules"))"
SRC=$WORK/src-root
mkdir -p "$SRC"/{bin,sbin,etc,proc,sys,dev,run,tmp,var,root,boot,lib/modules,etc/hopeless-lab}
cp /bin/busybox "$SRC/bin/busybox"
for a in sh cat echo mount umount sync poweroff reboot mkdir hostname sleep ls uname grep; do
	ln -s busybox "$SRC/bin/$a"
done
cp -a "$KERNEL_CACHE"/boot/vmlinuz-* "$SRC/boot/"
cp -a "$KERNEL_CACHE"/lib/modules/* "$SRC/lib/modules/"
for f in all overlay-root root-only; do echo "root" > "$SRC/etc/hopeless-lab/$f"; done
cat > "$SRC/sbin/init" <<'INIT'
#!/bin/sh
# The sample root's init: report what the node sees, write one file, power off.
echo "LAB: root init running on $(hostname)"
for f in all overlay-root root-only; do echo "LAB: layer $f = $(cat /etc/hopeless-lab/$f)"; done
echo "LAB: persisted = $(cat /var/lab/persist 2>/dev/null || echo none)"
mkdir -p /var/lab
echo "written-at-$(cat /proc/uptime | cut -d' ' -f1)" > /var/lab/persist
echo "LAB: wrote $(cat /var/lab/persist)"
echo "LAB: mounts $(grep -c hopeless /proc/mounts) under /run/hopeless"
sync; sleep 1; sync
echo "HOPELESS-LAB-MARKER up"
poweroff -f
INIT
chmod 755 "$SRC/sbin/init"

say "creating the tree $TREE"
"$HOPELESS" -C "$TREE" init --server "$SERVER" --netmask 255.255.255.0 --interface "$BR" \
	--append "console=ttyS0 loglevel=4 panic=-1" --image-size 64M >/dev/null
"$HOPELESS" -C "$TREE" root add lab-root --from "$SRC" >/dev/null
"$HOPELESS" -C "$TREE" overlay add compute >/dev/null
mkdir -p "$TREE/roots/compute/etc/hopeless-lab"
echo overlay > "$TREE/roots/compute/etc/hopeless-lab/all"
echo overlay > "$TREE/roots/compute/etc/hopeless-lab/overlay-root"
"$HOPELESS" -C "$TREE" node add "$NODE" --ip "$NODE_IP" --mac "$MAC" --root lab-root --overlay compute \
	--state "$STATE" --boot "$BOOT"
mkdir -p "$TREE/clients/$NODE_IP/etc/hopeless-lab"
echo host > "$TREE/clients/$NODE_IP/etc/hopeless-lab/all"
"$HOPELESS" -C "$TREE" initramfs build --root lab-root
"$HOPELESS" -C "$TREE" config

# ---- the network and the services ----
say "starting namespace $NS (bridge $BR, server $SERVER)"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add "$BR" type bridge
ip -n "$NS" addr add "$SERVER/24" dev "$BR"
# A ULA and router advertisements: iPXE otherwise waits ~16 s for IPv6.
ip -n "$NS" addr add "fd00:${NET_B}:${NET_C}::1/64" dev "$BR" nodad
ip -n "$NS" link set "$BR" up
ip -n "$NS" tuntap add dev "$TAP" mode tap
ip -n "$NS" link set "$TAP" master "$BR" up

ip netns exec "$NS" dnsmasq -C "$TREE/etc/dnsmasq.conf" --user=root \
	--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq.log" --log-dhcp \
	--dhcp-leasefile="$WORK/dnsmasq.leases" --enable-ra --dhcp-range=::,constructor:"$BR",ra-only
say "dnsmasq running (pid $(cat "$WORK/dnsmasq.pid"))"

# ganesha keeps its state in /var/lib/nfs/ganesha and /run: a private mount
# namespace with its own copies keeps runs apart.
mkdir -p "$WORK/ganesha-lib" "$WORK/ganesha-run"
ip netns exec "$NS" unshare -m --propagation private sh -c '
	set -e
	mkdir -p /var/lib/nfs
	mount --bind "$1" /var/lib/nfs
	mount --bind "$2" /run
	mkdir -p /run/ganesha
	exec ganesha.nfsd -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
	"$WORK/ganesha-lib" "$WORK/ganesha-run" "$TREE/etc/ganesha.conf" "$WORK/ganesha.log" "$WORK/ganesha.pid"
for _ in $(seq 1 50); do
	ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q ":2049 " && break
	sleep 0.2
done
ip netns exec "$NS" ss -ltn | grep -q ":2049 " || { echo "hopeless: lab: nfs-ganesha did not start (see $WORK/ganesha.log)" >&2; exit 1; }
say "nfs-ganesha running (pid $(cat "$WORK/ganesha.pid"))"

# ---- boot the node ----
boot_node() { # $1: boot number
	local n=$1 log=$WORK/console-$1.log start
	: > "$log"
	start=$(date +%s.%N)
	say "boot $n: starting qemu ($BOOT chain, state $STATE)"
	ip netns exec "$NS" qemu-system-x86_64 -accel tcg -m 512 -display none -monitor none \
		-no-reboot -serial "file:$log" -boot n \
		-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$MAC" &
	local qpid=$!
	PIDS+=("$qpid")
	local seen="" up="" deadline=$(( $(date +%s) + TIMEOUT ))
	while kill -0 "$qpid" 2>/dev/null; do
		for phase in "modules: done" "net: " "nfs: " "union: " "switchroot: exec" "LAB: root init" "HOPELESS-LAB-MARKER"; do
			case "$seen" in *"|$phase|"*) continue ;; esac
			if grep -q -- "$phase" "$log" 2>/dev/null; then
				seen="$seen|$phase|"
				say "boot $n: $(grep -m1 -- "$phase" "$log" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //')"
				[ "$phase" = HOPELESS-LAB-MARKER ] && up=$(since "$start")
			fi
		done
		if [ "$(date +%s)" -gt "$deadline" ]; then
			say "boot $n: no marker after $TIMEOUT s; stopping qemu"
			kill "$qpid" 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	wait "$qpid" 2>/dev/null || true
	if ! grep -q "HOPELESS-LAB-MARKER up" "$log"; then
		echo "hopeless: lab: node $NODE did not come up on boot $n; last console lines:" >&2
		tail -n 25 "$log" | tr -d '\r' >&2
		return 1
	fi
	grep "LAB: " "$log" | tr -d '\r' | sed 's/^/lab:   /'
	echo "hopeless: node $NODE ($NODE_IP) up in ${up:-$(since "$start")} s"
}

for i in $(seq 1 "$BOOTS"); do
	boot_node "$i"
done
