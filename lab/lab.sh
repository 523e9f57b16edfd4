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
# usage: hopeless lab [--boot ipxe|pxelinux|grub|direct] [--state image|tmpfs] [--boots N]
#                     [--kernel cloud|generic] [--nic virtio|e1000] [--nics 1|2]
#                     [--nfs-delay S] [--dhcp-delay S] [--servers normal|unreachable-first]
#                     [--append ARGS] [--rescue-shell] [--expect-fail] [--hold S]
#                     [--mmp] [--twin] [--nodes 1|2] [--probe-security]
#                     [--root busybox|debian] [--workdir DIR] [--keep] [--timeout SECONDS]
#                     [--hook FILE] [--firmware bios|uefi|secureboot] [--transport http|tftp]
#   --transport tftp   http_port = 0 in the tree: iPXE fetches its script, the
#                      kernel and the initramfs over TFTP too; default http:
#                      nginx in the namespace serves tftp/ on port 80 and TFTP
#                      carries only the first loader
#   --firmware uefi    OVMF (Debian's ovmf) instead of SeaBIOS: the node PXE-boots
#                      as x86-64 UEFI (DHCP client architecture 7) on a q35
#                      machine; secureboot: OVMF with Secure Boot on and the
#                      Microsoft keys enrolled (OVMF_CODE_4M.ms.fd with
#                      OVMF_VARS_4M.ms.fd, SMM), so only a signed chain boots
#   --boot grub        the node's boot method grub: under UEFI shimx64.efi ->
#                      grubx64.efi (Debian's signed GRUB) -> the root's kernel
#   --hook FILE        a bash file the lab sources once the sample cluster is
#                      registered; it may define hook_setup (called then,
#                      before the initramfs and config are built),
#                      hook_before_boot N (before boot N) and hook_up N (once
#                      boot N's marker is seen, node1's with --nodes 2, while
#                      the node holds), hook_qemu_args TAP MAC (prints extra
#                      qemu arguments for the VM on that tap, one per line),
#                      hook_teardown (at exit, before the namespace goes). It
#                      sees the lab's variables ($HOPELESS, $TREE, $WORK,
#                      $NODE, $NODE_IP, ...) and may call release_hold to end
#                      the node's --hold once it has done its work (the hold
#                      is a ceiling; each boot starts held). The busybox root's init runs
#                      /etc/hopeless-lab/script start before its marker and
#                      script end after its hold, when a layer provides one.
#   --root debian      instead of the busybox sample root: a Debian bookworm root
#                      (mmdebstrap minbase + systemd-sysv, openssh-server, dbus,
#                      libpam-systemd, ifupdown, linux-image-cloud-amd64; its own
#                      kernel), built once and cached as
#                      cache/roots/bookworm-systemd.tar.zst (HOPELESS_ROOT_CACHE:
#                      another directory; HOPELESS_DEBIAN_MIRROR: another mirror),
#                      overlay compute from the netroot template, systemd as init;
#                      a lab-only service reports (LAB: ...) once the system is up
#                      and powers off with systemctl poweroff; with --hold S the
#                      lab logs in over ssh (root, the lab's key, the node's
#                      host key from its host overlay) while the node holds
#   --boot direct      qemu -kernel/-initrd/-append with the node's command line
#                      (from its iPXE script, without BOOTIF): no PXE, no firmware
#   --nics 2           a first NIC on a dead network (no ROM), the node's NIC second
#   --nfs-delay S      start nfs-ganesha S seconds after qemu (first boot); never: not at all
#   --dhcp-delay S     start dnsmasq S seconds after qemu (first boot; use --boot direct)
#   --servers unreachable-first   the node's server list starts with an address
#                      nobody answers (nodes/<host>.conf: server = DEAD,SERVER)
#   --append ARGS      extra kernel arguments for the node (hopeless node add --append)
#   --rescue-shell     initramfs build --rescue-shell
#   --expect-fail      success means the node did NOT come up
#   --hold S           the root's init waits S seconds before it powers off
#   --mmp              remake the state image with ext4 multi-mount protection
#   --twin             while the node holds (--hold), boot a second VM with another
#                      MAC and the node's address (static ip=): it must refuse the
#                      state image; once the twin is down the lab ends the hold
#                      early (the root's init polls /etc/hopeless-lab/release)
#   --twin-segment     the twin is on a network segment of its own (namespace
#                      hl-twin-ID, the same addresses) behind a second
#                      nfs-ganesha from the tree's ganesha.conf: two machines
#                      reach the node's state image through two servers, as
#                      through two heads, with no fight over the address
#   --nodes 2          also register node2 (overlay storage, from the default
#                      template like node1) and boot both nodes at the same time
#   --probe-security   register node2 (overlay storage, with a shadow file)
#                      without booting it, and an overlay no node uses; node1's
#                      init tries to mount node2's state export, the storage
#                      and unused layers, to create a file in its own state
#                      export and to write the shared roots and its host
#                      overlay (LAB: ... refused|ALLOWED), while a VM with an
#                      unregistered MAC tries to boot for 25 s
#   --ceph             boot from a one-machine Ceph cluster (lab/ceph.sh: mon, mgr,
#                      OSD, MDS, CephFS, rbd pool) on the server's address, in
#                      WORKDIR/ceph: the tree on CephFS (ceph-fuse at
#                      WORKDIR/cephfs, the tree is its /hopeless), two heads h1
#                      and h2 (hopeless head add), each an nfs-ganesha (FSAL_CEPH,
#                      rados_cluster) from etc/heads/NAME/ganesha.conf in a network
#                      namespace of its own on the lab bridge, beside its dnsmasq,
#                      nginx and event receiver; node1 on h1, node2 on h2
#                      (--nodes 2 is the default), state rbd; or with --state
#                      image node1 alone, its rw.img on CephFS behind h1 (the
#                      failover test; hooks can call head_kill NAME,
#                      head_takeover DEAD SURVIVOR, head_watch HEAD,
#                      head_release DEAD SURVIVOR and head_restart NAME); the
#                      tree is NFSv3; the lab
#                      runs in a private mount namespace
# Boot events: 'hopeless serve --events-only' runs in the namespace (events in
# tree/log/events.log); 'hopeless status' is printed after each successful boot.
set -euo pipefail

HOPELESS=${HOPELESS:-hopeless}
LAB_ARGS=("$@")
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BOOT=ipxe STATE=image BOOTS=1 KEEP=0 WORK="" TIMEOUT=300
KERNEL=cloud NIC=virtio NICS=1 NFS_DELAY=0 DHCP_DELAY=0 SERVERS=normal APPEND=""
RESCUE=0 EXPECT_FAIL=0 HOLD=0 MMP=0 TWIN=0 TWIN_SEGMENT=0 NODES="" STATE_SET=0 PROBE=0 ROOT=busybox HOOK= FIRMWARE=bios TRANSPORT=http CEPH=0

num() { case "$2" in ''|*[!0-9]*) echo "hopeless: lab: $1 $2: want a number of seconds" >&2; exit 2 ;; esac; }
while [ $# -gt 0 ]; do
	case "$1" in
	--boot) BOOT=$2; shift 2 ;;
	--state) STATE=$2; STATE_SET=1; shift 2 ;;
	--boots) BOOTS=$2; shift 2 ;;
	--workdir) WORK=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--timeout) TIMEOUT=$2; num "$1" "$2"; shift 2 ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--nic) NIC=$2; shift 2 ;;
	--nics) NICS=$2; shift 2 ;;
	--nfs-delay) NFS_DELAY=$2; [ "$2" = never ] || num "$1" "$2"; shift 2 ;;
	--dhcp-delay) DHCP_DELAY=$2; num "$1" "$2"; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--rescue-shell) RESCUE=1; shift ;;
	--expect-fail) EXPECT_FAIL=1; shift ;;
	--hold) HOLD=$2; num "$1" "$2"; shift 2 ;;
	--mmp) MMP=1; shift ;;
	--twin) TWIN=1; shift ;;
	--twin-segment) TWIN=1 TWIN_SEGMENT=1; shift ;;
	--nodes) NODES=$2; shift 2 ;;
	--probe-security) PROBE=1; shift ;;
	--root) ROOT=$2; shift 2 ;;
	--hook) HOOK=$2; shift 2 ;;
	--firmware) FIRMWARE=$2; shift 2 ;;
	--transport) TRANSPORT=$2; shift 2 ;;
	--ceph) CEPH=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
	*) echo "hopeless: lab: unknown option '$1' (see hopeless lab --help)" >&2; exit 2 ;;
	esac
done
if [ "$CEPH" = 1 ]; then
	[ "$STATE_SET" = 1 ] || STATE=rbd
	if [ -z "$NODES" ]; then NODES=1; [ "$STATE" = rbd ] && NODES=2; fi
	if { [ "$STATE" = rbd ] && [ "$NODES" != 2 ]; } || { [ "$STATE" = image ] && [ "$NODES" != 1 ]; } || [ "$STATE" = tmpfs ]; then
		echo "hopeless: lab: --ceph boots two nodes with state rbd, or node1 alone with --state image (not --state $STATE, --nodes $NODES)" >&2; exit 2
	fi
	if [ "$NFS_DELAY" != 0 ] || [ "$DHCP_DELAY" != 0 ] || [ "$PROBE" = 1 ] || [ "$MMP" = 1 ] || [ "$ROOT" != busybox ]; then
		echo "hopeless: lab: --ceph goes with neither --nfs-delay, --dhcp-delay, --probe-security, --mmp nor --root debian" >&2; exit 2
	fi
	if [ "$TWIN" = 1 ] && [ "$HOLD" = 0 ]; then
		echo "hopeless: lab: --twin needs --hold S" >&2; exit 2
	fi
elif [ "$STATE" = rbd ]; then
	echo "hopeless: lab: --state rbd needs --ceph" >&2; exit 2
fi
[ -n "$NODES" ] || NODES=1
case "$BOOT" in ipxe|pxelinux|grub|direct) ;; *) echo "hopeless: lab: --boot $BOOT: want ipxe, pxelinux, grub or direct" >&2; exit 2 ;; esac
case "$STATE" in image|tmpfs|rbd) ;; *) echo "hopeless: lab: --state $STATE: want image, tmpfs or rbd (with --ceph)" >&2; exit 2 ;; esac
case "$BOOTS" in [1-9]) ;; *) echo "hopeless: lab: --boots $BOOTS: want 1 to 9" >&2; exit 2 ;; esac
case "$KERNEL" in cloud|generic) ;; *) echo "hopeless: lab: --kernel $KERNEL: want cloud or generic" >&2; exit 2 ;; esac
case "$NIC" in virtio) NIC_DEV=virtio-net-pci ;; e1000) NIC_DEV=e1000 ;;
	*) echo "hopeless: lab: --nic $NIC: want virtio or e1000" >&2; exit 2 ;; esac
case "$NICS" in 1|2) ;; *) echo "hopeless: lab: --nics $NICS: want 1 or 2" >&2; exit 2 ;; esac
case "$SERVERS" in normal|unreachable-first) ;;
	*) echo "hopeless: lab: --servers $SERVERS: want normal or unreachable-first" >&2; exit 2 ;; esac
case "$NODES" in 1|2) ;; *) echo "hopeless: lab: --nodes $NODES: want 1 or 2" >&2; exit 2 ;; esac
case "$FIRMWARE" in bios|uefi|secureboot) ;; *) echo "hopeless: lab: --firmware $FIRMWARE: want bios, uefi or secureboot" >&2; exit 2 ;; esac
if [ "$FIRMWARE" != bios ] && [ "$BOOT" = direct ]; then
	echo "hopeless: lab: --firmware $FIRMWARE needs a network boot (not --boot direct)" >&2; exit 2
fi
case "$TRANSPORT" in http|tftp) ;; *) echo "hopeless: lab: --transport $TRANSPORT: want http or tftp" >&2; exit 2 ;; esac
case "$ROOT" in busybox|debian) ;; *) echo "hopeless: lab: --root $ROOT: want busybox or debian" >&2; exit 2 ;; esac
if [ "$ROOT" = debian ] && [ "$PROBE" = 1 ]; then
	echo "hopeless: lab: --probe-security needs the busybox root (its init runs the probes)" >&2; exit 2
fi
if [ "$NODES" = 2 ] && [ "$CEPH" = 0 ] && { [ "$TWIN" = 1 ] || [ "$PROBE" = 1 ] || [ "$BOOT" = direct ] || [ "$EXPECT_FAIL" = 1 ]; }; then
	echo "hopeless: lab: --nodes 2 goes with neither --twin, --probe-security, --boot direct nor --expect-fail" >&2; exit 2
fi
if [ "$NODES" = 2 ] && { [ "$NFS_DELAY" != 0 ] || [ "$DHCP_DELAY" != 0 ]; }; then
	echo "hopeless: lab: --nodes 2 goes with neither --nfs-delay nor --dhcp-delay" >&2; exit 2
fi
if [ "$PROBE" = 1 ] && { [ "$TWIN" = 1 ] || [ "$EXPECT_FAIL" = 1 ]; }; then
	echo "hopeless: lab: --probe-security goes with neither --twin nor --expect-fail" >&2; exit 2
fi
if [ "$TWIN_SEGMENT" = 1 ] && [ "$CEPH" = 1 ]; then
	echo "hopeless: lab: --twin-segment goes with a lab without --ceph" >&2; exit 2
fi
if [ "$TWIN" = 1 ] && [ "$CEPH" = 0 ] && { [ "$HOLD" = 0 ] || [ "$STATE" != image ]; }; then
	echo "hopeless: lab: --twin needs --hold S and --state image" >&2; exit 2
fi
if [ -n "$HOOK" ] && [ ! -r "$HOOK" ]; then
	echo "hopeless: lab: --hook $HOOK: not a readable file" >&2; exit 2
fi
KERNEL_CACHE=${HOPELESS_KERNEL_CACHE:-$SRC_DIR/cache/kernels/$KERNEL/root}
[ "$(id -u)" = 0 ] || { echo "hopeless: lab: needs root (network namespaces, tap devices)" >&2; exit 1; }
# --ceph: the CephFS mount (ceph-fuse) and the heads' namespaces belong to
# this run only: the lab re-runs itself in a private mount namespace.
if [ "$CEPH" = 1 ] && [ -z "${HOPELESS_LAB_MNTNS:-}" ]; then
	exec unshare -m --propagation private env HOPELESS_LAB_MNTNS=1 HOPELESS="$HOPELESS" bash "$0" "${LAB_ARGS[@]}"
fi
if [ "$CEPH" = 1 ]; then
	for tool in ceph-mon ceph-fuse ganesha-rados-grace nsenter; do
		command -v "$tool" >/dev/null || { echo "hopeless: lab: $tool missing (run: make deps)" >&2; exit 1; }
	done
	[ -e /usr/lib/x86_64-linux-gnu/ganesha/libfsalceph.so ] ||
		{ echo "hopeless: lab: nfs-ganesha-ceph (FSAL_CEPH) missing (run: make deps)" >&2; exit 1; }
fi
for tool in qemu-system-x86_64 dnsmasq ganesha.nfsd busybox ip $([ "$TRANSPORT" = http ] && echo nginx); do
	command -v "$tool" >/dev/null || { echo "hopeless: lab: $tool missing (run: make deps)" >&2; exit 1; }
done
[ "$ROOT" = debian ] || [ -d "$KERNEL_CACHE/boot" ] || { echo "hopeless: lab: no kernel in $KERNEL_CACHE (run: make deps)" >&2; exit 1; }

# Every run has its own names and subnet, so runs (and a killed run's
# leftovers) never collide. Interface names are at most 15 characters.
ID=$$
NET_B=$(( (ID / 250) % 250 + 1 )) NET_C=$(( ID % 250 + 1 ))
SUBNET=10.$((200 + ID % 50)).$NET_C
SERVER=$SUBNET.1 NODE_IP=$SUBNET.10 DEAD_SERVER=$SUBNET.250
NS=hl-lab-$ID BR=hlbr$ID TAP=hltap$ID TAP0=hldead$ID TAP2=hltwin$ID
# --twin-segment: the twin's own namespace and bridge
NS_TWIN=hl-twin-$ID BR_TWIN=hltbr$ID TWIN_NS=$NS
[ "$TWIN_SEGMENT" = 1 ] && TWIN_NS=$NS_TWIN
MAC=$(printf '52:54:00:%02x:%02x:0a' $NET_B $NET_C)
MAC0=$(printf '52:54:00:%02x:%02x:0b' $NET_B $NET_C)
MAC2=$(printf '52:54:00:%02x:%02x:0c' $NET_B $NET_C)
NODE=node1
# The second node (--nodes 2, --probe-security) and the unregistered VM.
NODE2=node2 NODE2_IP=$SUBNET.11 TAPN2=hlnode2$ID TAPX=hlstray$ID
MACN2=$(printf '52:54:00:%02x:%02x:0d' $NET_B $NET_C)
MACX=$(printf '52:54:00:%02x:%02x:0e' $NET_B $NET_C)
[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/hopeless-lab.XXXXXX)
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
# nginx's workers run as nobody: the tree's tftp/ must be reachable (x, not r).
[ "$TRANSPORT" = http ] && chmod o+x "$WORK"
TREE=$WORK/tree
T0=$(date +%s.%N)

since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
say() { printf 'lab: [%6s s] %s\n' "$(since "$T0")" "$*"; }
PIDS=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for f in "$WORK"/dnsmasq.pid "$WORK"/ganesha.pid "$WORK"/ganesha-twin.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	if declare -F hook_teardown >/dev/null; then hook_teardown || true; fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ "$CEPH" = 1 ]; then
		# the heads and the services let go of CephFS before it is unmounted
		for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
		if [ -n "${FUSE_PID:-}" ]; then
			umount "$WORK/cephfs" 2>/dev/null || umount -l "$WORK/cephfs" 2>/dev/null || true
			kill "$FUSE_PID" 2>/dev/null || true
			wait "$FUSE_PID" 2>/dev/null || true
		fi
		for f in "$WORK"/rpcbind-*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
		ip netns del "hl-h1-$ID" 2>/dev/null || true
		ip netns del "hl-h2-$ID" 2>/dev/null || true
	fi
	if declare -F ceph_stop >/dev/null; then ceph_stop "$WORK/ceph" || true; fi
	sleep 0.3
	ip netns del "$NS" 2>/dev/null || true
	[ "$TWIN_SEGMENT" = 0 ] || ip netns del "$NS_TWIN" 2>/dev/null || true
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
# The lab's files in a root's /etc/hopeless-lab (both sample roots): which
# layer a file came from, the hold (--hold S) and hold-wait, which the root's
# init (or the Debian root's report service) runs after its marker.
lab_root_files() { # DIR
	local f
	for f in all overlay-root root-only class; do echo "root" > "$1/$f"; done
	echo "$HOLD" > "$1/hold"
	echo hold > "$1/release"
	cat > "$1/hold-wait" <<'WAIT'
#!/bin/sh
# Wait the hold's seconds, or less: the lab ends the hold early by writing
# "free" into release (--twin: once the twin is down; hooks: release_hold).
# Read with direct I/O: the server's file as it is now; a cached read would
# see "hold" until the attributes the server itself caches (up to a minute)
# expire.
hold=$(cat /etc/hopeless-lab/hold 2>/dev/null || echo 0)
[ "$hold" -gt 0 ] || exit 0
echo "LAB: holding for $hold s"
i=0
while [ "$i" -lt "$hold" ]; do
	if [ "$(dd if=/etc/hopeless-lab/release iflag=direct bs=4096 count=1 2>/dev/null)" = free ]; then
		echo "LAB: released after $i s"; break
	fi
	sleep 1; i=$((i + 1))
done
echo "LAB: hold over"
WAIT
	chmod 755 "$1/hold-wait"
}

if [ "$ROOT" = busybox ]; then
say "building a sample root (busybox + $(ls "$KERNEL_CACHE/lib/modules"), $KERNEL kernel)"
SRC=$WORK/src-root
mkdir -p "$SRC"/{bin,sbin,etc,proc,sys,dev,run,tmp,var,root,boot,lib/modules,etc/hopeless-lab}
cp /bin/busybox "$SRC/bin/busybox"
for a in sh cat echo mount umount sync poweroff reboot mkdir hostname sleep ls uname grep cut touch dd; do
	ln -s busybox "$SRC/bin/$a"
done
cp -a "$KERNEL_CACHE"/boot/vmlinuz-* "$SRC/boot/"
cp -a "$KERNEL_CACHE"/lib/modules/* "$SRC/lib/modules/"
lab_root_files "$SRC/etc/hopeless-lab"
cat > "$SRC/sbin/init" <<'INIT'
#!/bin/sh
# The sample root's init: report what the node sees, write one file, power off.
echo "LAB: root init running on $(hostname)"
echo "LAB: hostname $(hostname)"
echo "LAB: etc-hostname $(cat /etc/hostname 2>/dev/null)"
if [ -f /etc/ssh/ssh_host_ed25519_key.pub ]; then
	echo "LAB: sshkey $(cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub)"
fi
for f in all overlay-root root-only class; do echo "LAB: layer $f = $(cat /etc/hopeless-lab/$f)"; done
if [ -f /etc/hopeless-lab/probe ]; then
	# --probe-security: SERVER OWN-IP OTHER-IP. Each attempt must be refused.
	read server own other < /etc/hopeless-lab/probe
	mkdir -p /mnt
	o="vers=4.1,addr=$server,clientaddr=$own"
	# The control: the same mount of the node's own state export works.
	if mount -t nfs4 -o "$o" "$server:/state/$own" /mnt; then
		echo "LAB: mount-own-state ok"; umount /mnt
	else
		echo "LAB: mount-own-state FAILED"
	fi
	# Root is squashed on the state export: the node writes its image, and
	# creates nothing else in the (root-owned) directory.
	if mount -t nfs4 -o "$o" "$server:/state/$own" /mnt; then
		if touch /mnt/lab-probe 2>/dev/null; then
			echo "LAB: create-in-own-state ALLOWED"
		else
			echo "LAB: create-in-own-state refused"
		fi
		# Symlinks a later head-node command might follow: beside the
		# image, and in place of it.
		if ln -s /etc/passwd /mnt/lab-link 2>/dev/null; then
			echo "LAB: symlink-in-own-state ALLOWED"
		else
			echo "LAB: symlink-in-own-state refused"
		fi
		if ln -sf /etc/passwd /mnt/rw.img 2>/dev/null || mv -f /mnt/rw.img /mnt/rw.old 2>/dev/null; then
			echo "LAB: replace-own-image ALLOWED"
		else
			echo "LAB: replace-own-image refused"
		fi
		umount /mnt
	fi
	if mount -t nfs4 -o "$o" "$server:/state/$other" /mnt; then
		echo "LAB: mount-other-state ALLOWED"; umount /mnt
	else
		echo "LAB: mount-other-state refused"
	fi
	# Another class's overlay (node2's, with a shadow file) and a layer no
	# node uses: neither is exported to this node.
	for l in storage unused; do
		if mount -t nfs4 -o "$o" "$server:/roots/$l" /mnt; then
			echo "LAB: mount-layer-$l ALLOWED"
			if cat /mnt/etc/shadow >/dev/null 2>&1; then echo "LAB: read-shadow-$l ALLOWED"; fi
			umount /mnt
		else
			echo "LAB: mount-layer-$l refused"
		fi
	done
	# Mounted read-write (the client allows writes), so a refusal is the server's.
	if mount -t nfs4 -o "$o" "$server:/roots/lab-root" /mnt; then
		echo "LAB: roots-rw-mount $(grep ' /mnt ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1)"
	fi
	if grep -q ' /mnt ' /proc/mounts && touch /mnt/probe; then
		echo "LAB: write-roots-rw-mount ALLOWED"
	else
		echo "LAB: write-roots-rw-mount refused"
	fi
	umount /mnt 2>/dev/null
	for d in roots/lab-root roots/compute client; do
		if echo x > "/run/hopeless/$d/probe"; then
			echo "LAB: write-$(echo $d | tr / -) ALLOWED"
		else
			echo "LAB: write-$(echo $d | tr / -) refused"
		fi
	done
fi
echo "LAB: persisted = $(cat /var/lab/persist 2>/dev/null || echo none)"
mkdir -p /var/lab
echo "written-at-$(cat /proc/uptime | cut -d' ' -f1)" > /var/lab/persist
echo "LAB: wrote $(cat /var/lab/persist)"
echo "LAB: mounts $(grep -c hopeless /proc/mounts) under /run/hopeless"
[ -x /etc/hopeless-lab/script ] && /etc/hopeless-lab/script start
sync; sleep 1; sync
echo "HOPELESS-LAB-MARKER up"
/etc/hopeless-lab/hold-wait
[ -x /etc/hopeless-lab/script ] && /etc/hopeless-lab/script end
poweroff -f
INIT
chmod 755 "$SRC/sbin/init"
fi

# --root debian: a Debian bookworm root with systemd, built once per machine
# with hopeless root add --debootstrap and kept as a tarball.
ROOT_CACHE=${HOPELESS_ROOT_CACHE:-$SRC_DIR/cache/roots}
DEBIAN_TAR=$ROOT_CACHE/bookworm-systemd.tar.zst
DEBIAN_PKGS=systemd-sysv,openssh-server,dbus,libpam-systemd,ifupdown,linux-image-cloud-amd64
debian_root() {
	if [ -s "$DEBIAN_TAR" ]; then
		local t0
		t0=$(date +%s.%N)
		"$HOPELESS" -C "$TREE" root add lab-root --tar "$DEBIAN_TAR" >/dev/null
		say "Debian root imported from $DEBIAN_TAR in $(since "$t0") s"
		return
	fi
	say "building the Debian bookworm root once (mmdebstrap; cached in $DEBIAN_TAR)"
	local t0 args
	t0=$(date +%s.%N)
	args=(root add lab-root --debootstrap bookworm --variant minbase --include "$DEBIAN_PKGS")
	[ -n "${HOPELESS_DEBIAN_MIRROR:-}" ] && args+=(--mirror "$HOPELESS_DEBIAN_MIRROR")
	"$HOPELESS" -C "$TREE" "${args[@]}" > "$WORK/root-build.log" 2>&1 ||
		{ tail -n 20 "$WORK/root-build.log" >&2; echo "hopeless: lab: building the Debian root failed (see $WORK/root-build.log)" >&2; exit 1; }
	say "Debian root built in $(since "$t0") s ($(du -sh "$TREE/roots/lab-root/1" | cut -f1))"
	mkdir -p "$ROOT_CACHE"
	tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$TREE/roots/lab-root/1" \
		-I 'zstd -q -T0 -3' -cf "$DEBIAN_TAR.tmp.$$" . && mv -f "$DEBIAN_TAR.tmp.$$" "$DEBIAN_TAR"
	say "Debian root cached ($(du -h "$DEBIAN_TAR" | cut -f1))"
}

# The lab-only report service of the Debian root (in the overlay, not in the
# shipped netroot template): once systemd has finished starting, it reports
# on the serial console what the node sees, writes a file in /var, prints the
# marker and powers the node off cleanly.
debian_report_service() {
	local o=$TREE/roots/compute/1
	mkdir -p "$o/usr/local/sbin" "$o/etc/systemd/system/multi-user.target.wants"
	cat > "$o/etc/systemd/system/hopeless-lab-report.service" <<'UNIT'
[Unit]
Description=hopeless lab: report the node's state on ttyS0, then power off
After=ssh.service getty.target

[Service]
# simple, not oneshot: its start job is done at once, so the script can wait
# for the end of the boot (is-system-running --wait) without a deadlock.
Type=simple
ExecStart=/usr/local/sbin/hopeless-lab-report

[Install]
WantedBy=multi-user.target
UNIT
	ln -sf ../hopeless-lab-report.service "$o/etc/systemd/system/multi-user.target.wants/hopeless-lab-report.service"
	cat > "$o/usr/local/sbin/hopeless-lab-report" <<'REPORT'
#!/bin/sh
# Each line opens /dev/ttyS0 anew: the serial getty's vhangup() on ttyS0
# turns descriptors opened before it into dead ends (EIO).
echo() {
	for _ in 1 2 3 4 5; do
		printf '%s\n' "$*" 2>/dev/null > /dev/ttyS0 && return 0
		sleep 0.2
	done
}
exec 2>/dev/null
echo "LAB: root init running on $(hostname)"
echo "LAB: pid1 $(cat /proc/1/comm)"
state=$(systemctl is-system-running --wait)
echo "LAB: system state $state"
failed=$(systemctl --failed --plain --no-legend | awk '{ print $1 }' | tr '\n' ' ' | sed 's/ $//')
echo "LAB: failed units ${failed:-none}"
for u in $failed; do
	journalctl -b -u "$u" --no-pager -n 8 -o cat | while IFS= read -r l; do echo "LAB: failed-log $u: $l"; done
done
echo "LAB: startup $(systemd-analyze time 2>/dev/null | head -n 1)"
echo "LAB: sshd $(systemctl is-active ssh)"
echo "LAB: sshd listening $(ss -ltnH 2>/dev/null | grep -c ':22 ' || true)"
echo "LAB: hostname $(hostname)"
echo "LAB: etc-hostname $(cat /etc/hostname 2>/dev/null)"
echo "LAB: sshkey $(cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub)"
for f in all overlay-root root-only class; do echo "LAB: layer $f = $(cat /etc/hopeless-lab/$f)"; done
echo "LAB: persisted = $(cat /var/lab/persist 2>/dev/null || printf none)"
mkdir -p /var/lab
printf 'written-at-%s\n' "$(cut -d' ' -f1 /proc/uptime)" > /var/lab/persist
echo "LAB: wrote $(cat /var/lab/persist)"
echo "LAB: mounts $(grep -c hopeless /proc/mounts) under /run/hopeless"
echo "LAB: owner /usr/bin/mount $(stat -c '%u:%g %A' /usr/bin/mount)"
sync
echo "HOPELESS-LAB-MARKER up"
/etc/hopeless-lab/hold-wait
systemctl --no-block poweroff
REPORT
	chmod 755 "$o/usr/local/sbin/hopeless-lab-report"
}

# The lab's network namespace, its bridge with the server's address and the
# VMs' taps.
# bridge_netns NS BR: a namespace with a bridge carrying the server's address.
bridge_netns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip -n "$1" link add "$2" type bridge
	ip -n "$1" addr add "$SERVER/24" dev "$2"
	ip -n "$1" link set "$2" up
}
# add_tap NS TAP BRIDGE: a VM's tap on that bridge.
add_tap() {
	ip -n "$1" tuntap add dev "$2" mode tap
	ip -n "$1" link set "$2" master "$3" up
}
make_netns() {
	say "starting namespace $NS (bridge $BR, server $SERVER)"
	bridge_netns "$NS" "$BR"
	# A ULA and router advertisements: iPXE otherwise waits ~16 s for IPv6.
	ip -n "$NS" addr add "fd00:${NET_B}:${NET_C}::1/64" dev "$BR" nodad
	add_tap "$NS" "$TAP" "$BR"
	if [ "$NICS" = 2 ]; then
		# A tap on no bridge: the guest sees a link, and nobody ever answers.
		ip -n "$NS" tuntap add dev "$TAP0" mode tap
		ip -n "$NS" link set "$TAP0" up
	fi
	if [ "$TWIN_SEGMENT" = 1 ]; then
		say "starting namespace $NS_TWIN for the twin (bridge $BR_TWIN, server $SERVER)"
		bridge_netns "$NS_TWIN" "$BR_TWIN"
		add_tap "$NS_TWIN" "$TAP2" "$BR_TWIN"
	elif [ "$TWIN" = 1 ]; then
		add_tap "$NS" "$TAP2" "$BR"
	fi
	if [ "$NODES" = 2 ]; then add_tap "$NS" "$TAPN2" "$BR"; fi
	if [ "$PROBE" = 1 ]; then add_tap "$NS" "$TAPX" "$BR"; fi
}

# --ceph: the network first (Ceph listens on the server's address), Ceph,
# CephFS mounted by ceph-fuse in the lab's network namespace (nsenter: the
# mount stays in the lab's mount namespace, where every later command and
# service sees it), the tree made on it at /hopeless.
if [ "$CEPH" = 1 ]; then
	. "$(dirname "$0")/ceph.sh"
	make_netns
	say "starting Ceph on $SERVER in $WORK/ceph"
	ceph_start "$NS" "$SERVER" "$WORK/ceph" || exit 1
	say "Ceph is up (HEALTH_OK, CephFS up:active; CEPH_CONF=$WORK/ceph/ceph.conf)"
	mkdir -p "$WORK/cephfs"
	# --client_oc=false: each write reaches the OSDs before it returns
	# (syncfs does not reach ceph-fuse; docs/scale-out.md)
	nsenter --net="/run/netns/$NS" ceph-fuse -f -c "$WORK/ceph/ceph.conf" -n client.admin \
		--client_oc=false "$WORK/cephfs" >"$WORK/ceph-fuse.log" 2>&1 &
	FUSE_PID=$!
	for _ in $(seq 1 100); do mountpoint -q "$WORK/cephfs" && break; sleep 0.1; done
	mountpoint -q "$WORK/cephfs" || { echo "hopeless: lab: ceph-fuse did not mount CephFS (see $WORK/ceph-fuse.log)" >&2; exit 1; }
	TREE=$WORK/cephfs/hopeless
	say "CephFS mounted on $WORK/cephfs (ceph-fuse pid $FUSE_PID); the tree is its /hopeless"
fi
say "creating the tree $TREE"
IMAGE_SIZE=64M INIT_APPEND="console=ttyS0 loglevel=4 panic=-1"
if [ "$ROOT" = debian ]; then
	IMAGE_SIZE=256M
	# Only failed units on the console: the boot log stays readable.
	INIT_APPEND="$INIT_APPEND systemd.show_status=error"
fi
"$HOPELESS" -C "$TREE" init --server "$SERVER" --netmask 255.255.255.0 --interface "$BR" \
	--append "$INIT_APPEND" --image-size "$IMAGE_SIZE" >/dev/null
[ "$TRANSPORT" = tftp ] && sed -i 's/^http_port = .*/http_port = 0/' "$TREE/hopeless.conf"
if [ "$CEPH" = 1 ]; then
	# The heads' ganesha and the CLI find the cluster through ceph_conf; the
	# nodes' kernels reach the monitor at ceph_mons; the tree is CephFS's /hopeless.
	printf 'ceph_conf = %s\nceph_path = /hopeless\nceph_mons = %s:6789\n' "$WORK/ceph/ceph.conf" "$SERVER" >> "$TREE/hopeless.conf"
	# NFSv3: nfs-ganesha 4.3's FSAL_CEPH advertises NFSv4 ACLs but answers a
	# read of one with nothing, so a node's overlayfs cannot copy a directory
	# of an NFSv4 layer up (EOPNOTSUPP on every write; docs/scale-out.md).
	sed -i 's/^nfs_version = .*/nfs_version = 3/' "$TREE/hopeless.conf"
fi
# hl ARGS...: hopeless on the tree; with --ceph inside the lab's network
# namespace, where the monitor is (node add|set --state rbd run rbd and ceph).
hl() {
	if [ "$CEPH" = 1 ]; then
		ip netns exec "$NS" "$HOPELESS" -C "$TREE" "$@"
	else
		"$HOPELESS" -C "$TREE" "$@"
	fi
}
if [ "$ROOT" = busybox ]; then
	"$HOPELESS" -C "$TREE" root add lab-root --from "$SRC" >/dev/null
	"$HOPELESS" -C "$TREE" overlay add compute >/dev/null
else
	debian_root
	KERNEL="root's own ($(ls "$TREE/roots/lab-root/1/lib/modules" | head -n 1))"
	mkdir -p "$TREE/roots/lab-root/1/etc/hopeless-lab"
	lab_root_files "$TREE/roots/lab-root/1/etc/hopeless-lab"
	"$HOPELESS" -C "$TREE" overlay add compute --from-template netroot >/dev/null
	debian_report_service
	# The lab's ssh key, for the login while the node holds (--hold S).
	ssh-keygen -q -t ed25519 -N '' -C hopeless-lab -f "$WORK/lab_ssh_key"
	install -d -m 700 "$TREE/roots/compute/1/root/.ssh"
	install -m 600 "$WORK/lab_ssh_key.pub" "$TREE/roots/compute/1/root/.ssh/authorized_keys"
fi
mkdir -p "$TREE/roots/compute/1/etc/hopeless-lab"
echo overlay > "$TREE/roots/compute/1/etc/hopeless-lab/all"
echo overlay > "$TREE/roots/compute/1/etc/hopeless-lab/overlay-root"
echo compute > "$TREE/roots/compute/1/etc/hopeless-lab/class"
if [ "$NODES" = 2 ] || [ "$PROBE" = 1 ]; then
	"$HOPELESS" -C "$TREE" overlay add storage >/dev/null
	mkdir -p "$TREE/roots/storage/1/etc/hopeless-lab"
	echo storage-overlay > "$TREE/roots/storage/1/etc/hopeless-lab/all"
	echo storage-overlay > "$TREE/roots/storage/1/etc/hopeless-lab/overlay-root"
	echo storage > "$TREE/roots/storage/1/etc/hopeless-lab/class"
fi
if [ "$PROBE" = 1 ]; then
	# A secret only node2's class may read, and a layer no node uses.
	echo "root:lab-secret-storage:19000:0:99999:7:::" > "$TREE/roots/storage/1/etc/shadow"
	chmod 600 "$TREE/roots/storage/1/etc/shadow"
	"$HOPELESS" -C "$TREE" overlay add unused >/dev/null
	mkdir -p "$TREE/roots/unused/1/etc"
	echo "root:lab-secret-unused:19000:0:99999:7:::" > "$TREE/roots/unused/1/etc/shadow"
	chmod 600 "$TREE/roots/unused/1/etc/shadow"
fi
NODE_BOOT=$BOOT
[ "$BOOT" = direct ] && NODE_BOOT=ipxe
node_args=(node add "$NODE" --ip "$NODE_IP" --mac "$MAC" --root lab-root --overlay compute
	--state "$STATE" --boot "$NODE_BOOT")
[ -n "$APPEND" ] && node_args+=(--append "$APPEND")
hl "${node_args[@]}"
mkdir -p "$TREE/clients/$NODE_IP/etc/hopeless-lab"
echo host > "$TREE/clients/$NODE_IP/etc/hopeless-lab/all"
if [ "$NODES" = 2 ] || [ "$PROBE" = 1 ]; then
	node2_args=(node add "$NODE2" --ip "$NODE2_IP" --mac "$MACN2" --root lab-root --overlay storage
		--state "$STATE" --boot "$NODE_BOOT")
	[ -n "$APPEND" ] && node2_args+=(--append "$APPEND")
	hl "${node2_args[@]}"
fi
if [ "$PROBE" = 1 ]; then
	echo "$SERVER $NODE_IP $NODE2_IP" > "$TREE/clients/$NODE_IP/etc/hopeless-lab/probe"
fi
if [ "$SERVERS" = unreachable-first ]; then
	# Nobody answers at DEAD_SERVER: the node must fall back to the next server.
	echo "server = $DEAD_SERVER,$SERVER" >> "$TREE/nodes/$NODE.conf"
fi
if [ "$MMP" = 1 ]; then
	# ext4 multi-mount protection: the kernel refuses a second mount of an
	# image another machine has mounted (see docs/boot.md).
	img=$TREE/state/$NODE_IP/rw.img
	mkfs.ext4 -q -F -L hopeless-state -O mmp -E mmp_update_interval=5,lazy_itable_init=0,lazy_journal_init=0 "$img"
fi
# --ceph: two heads on the lab network, node1 served by h1 and node2 by h2
# (each with the other as its fallback), and each node's host layer says whose it is.
H1_IP=$SUBNET.2 H2_IP=$SUBNET.3
if [ "$CEPH" = 1 ]; then
	"$HOPELESS" -C "$TREE" head add h1 --ip "$H1_IP" >/dev/null
	"$HOPELESS" -C "$TREE" head add h2 --ip "$H2_IP" >/dev/null
	hl node set "$NODE" --head h1,h2 >/dev/null
	echo "host $NODE" > "$TREE/clients/$NODE_IP/etc/hopeless-lab/all"
	if [ "$NODES" = 2 ]; then
		hl node set "$NODE2" --head h2,h1 >/dev/null
		mkdir -p "$TREE/clients/$NODE2_IP/etc/hopeless-lab"
		echo "host $NODE2" > "$TREE/clients/$NODE2_IP/etc/hopeless-lab/all"
	fi
fi
if [ -n "$HOOK" ]; then
	# shellcheck source=/dev/null
	. "$HOOK"
	if declare -F hook_setup >/dev/null; then say "hook: setup"; hook_setup; fi
fi
ib_args=(initramfs build --root lab-root)
[ "$RESCUE" = 1 ] && ib_args+=(--rescue-shell)
"$HOPELESS" -C "$TREE" "${ib_args[@]}"
"$HOPELESS" -C "$TREE" config
if [ "$CEPH" = 1 ]; then
	# Both heads' node ids in the one grace database (a head whose id is not
	# there exits at start).
	ceph_cmd "$WORK/ceph" ganesha-rados-grace --cephconf "$WORK/ceph/ceph.conf" --userid ganesha \
		--pool nfs-ganesha --ns grace add h1 h2 >"$WORK/grace-add.log" 2>&1 ||
		{ echo "hopeless: lab: ganesha-rados-grace add h1 h2 failed (see $WORK/grace-add.log)" >&2; exit 1; }
fi

# The node's kernel command line as the iPXE script passes it, without
# BOOTIF (which names the NIC that PXE-booted: a direct boot has none).
node_cmdline() { # [MAC]: node1's without one
	sed -n 's/^kernel [^ ]* //p' "$TREE"/tftp/ipxe/"$(echo "${1:-$MAC}" | tr : -)".ipxe |
		sed 's/initrd=[^ ]* //; s/ BOOTIF=[^ ]*//'
}

# ---- the network and the services ----
[ "$CEPH" = 1 ] || make_netns

# wait_listening NETNS SS-FLAGS TEXT TRIES STEP [PID]: until `ss SS-FLAGS` in
# NETNS lists a socket with TEXT (a fixed string), TRIES times STEP seconds
# at most, or until PID (the service) is gone. 0 when it listens.
wait_listening() {
	local ns=$1 flags=$2 text=$3 tries=$4 step=$5 pid=${6:-}
	for _ in $(seq 1 "$tries"); do
		ip netns exec "$ns" ss "$flags" 2>/dev/null | grep -Fq -- "$text" && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep "$step"
	done
	ip netns exec "$ns" ss "$flags" 2>/dev/null | grep -Fq -- "$text"
}

# The boot event receiver (hopeless serve --events-only) on $SERVER:514.
ip netns exec "$NS" "$HOPELESS" -C "$TREE" serve --events-only --foreground >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_listening "$NS" -lun "$SERVER:514 " 50 0.1 "$SERVE_PID" ||
	{ echo "hopeless: lab: hopeless serve --events-only did not start (see $WORK/serve.log)" >&2; exit 1; }
say "event receiver running (pid $SERVE_PID, events in tree/log/events.log)"
print_status() { "$HOPELESS" -C "$TREE" status | sed "s/^/lab:   /" || say "hopeless status failed (rc $?)"; }

start_dnsmasq() {
	ip netns exec "$NS" dnsmasq -C "$TREE/etc/dnsmasq.conf" --user=root \
		--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq.log" --log-dhcp \
		--dhcp-leasefile="$WORK/dnsmasq.leases" --enable-ra --dhcp-range=::,constructor:"$BR",ra-only
	say "dnsmasq running (pid $(cat "$WORK/dnsmasq.pid"))"
}

# ganesha keeps its state in /var/lib/nfs/ganesha and /run: a private mount
# namespace with its own copies keeps runs apart. start_ganesha [NETNS
# SUFFIX]: the lab's, or (--twin-segment) a second one for the twin's segment.
start_ganesha() {
	local ns=${1:-$NS} sfx=${2:-}
	mkdir -p "$WORK/ganesha-lib$sfx" "$WORK/ganesha-run$sfx"
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		set -e
		mkdir -p /var/lib/nfs
		mount --bind "$1" /var/lib/nfs
		mount --bind "$2" /run
		mkdir -p /run/ganesha
		exec ganesha.nfsd -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
		"$WORK/ganesha-lib$sfx" "$WORK/ganesha-run$sfx" "$TREE/etc/ganesha.conf" "$WORK/ganesha$sfx.log" "$WORK/ganesha$sfx.pid"
	# Up to 30 s: ganesha starts in about a second, slower on a loaded machine.
	wait_listening "$ns" -ltn ":2049 " 150 0.2 || { echo "hopeless: lab: nfs-ganesha did not start (see $WORK/ganesha$sfx.log)" >&2; exit 1; }
	say "nfs-ganesha running (pid $(cat "$WORK/ganesha$sfx.pid"))${sfx:+ in $ns}"
}

# nginx serves tftp/ over HTTP (etc/nginx.conf from hopeless config; its
# pid file is the tree's run/nginx.pid, so hopeless config reloads it).
start_nginx() {
	mkdir -p "$TREE/run/nginx" "$TREE/log"
	ip netns exec "$NS" nginx -c "$TREE/etc/nginx.conf" -e "$WORK/nginx-error.log" -g 'daemon off;' \
		>"$WORK/nginx.out" 2>&1 &
	PIDS+=("$!")
	wait_listening "$NS" -ltn "$SERVER:80 " 50 0.1 "$!" ||
		{ echo "hopeless: lab: nginx did not start (see $WORK/nginx-error.log)" >&2; exit 1; }
	say "nginx running (pid $!, boot files over HTTP, log in tree/log/http-access.log)"
}
[ "$TRANSPORT" = http ] && [ "$CEPH" = 0 ] && start_nginx

# --ceph: each head in a network namespace of its own (hl-NAME-ID), its
# veth on the lab bridge carrying the head's address, running nfs-ganesha
# from etc/heads/NAME/ganesha.conf in a private mount namespace (its own
# /run and /var/lib/nfs). The ganesha's PID is HEAD_PID[NAME].
declare -A HEAD_PID=()
head_ns() { echo "hl-$1-$ID"; }
start_head() { # NAME IP
	local name=$1 ip=$2 hns
	hns=$(head_ns "$1")
	ip netns add "$hns"
	ip -n "$hns" link set lo up
	ip -n "$NS" link add "hlv$name$ID" type veth peer name eth0 netns "$hns"
	ip -n "$NS" link set "hlv$name$ID" master "$BR" up
	ip -n "$hns" addr add "$ip/24" dev eth0
	ip -n "$hns" link set eth0 up
	run_head_ganesha "$name" "$hns" "$ip"
	run_head_boot "$name" "$hns" "$ip"
	# Its nodes send their boot events to it (their first server): the
	# head's receiver, into the tree's log/events-NAME.log.
	ip netns exec "$hns" "$HOPELESS" -C "$TREE" serve --events-only --head "$name" --foreground \
		>"$WORK/serve-$name.log" 2>&1 &
	PIDS+=("$!")
	wait_listening "$hns" -lun "$ip:514 " 50 0.1 "$!" ||
		{ echo "hopeless: lab: head $name's event receiver did not start (see $WORK/serve-$name.log)" >&2; exit 1; }
	say "head $name: event receiver (pid $!, events in tree/log/events-$name.log)"
}
# run_head_boot NAME NETNS IP: the head's boot services from its
# etc/heads/NAME/ (hopeless config): dnsmasq (DHCP and TFTP on the head's
# address, log $WORK/dnsmasq-NAME.log) and, with HTTP, nginx (log
# tree/log/http-access-NAME.log). Every head answers every node.
declare -A HEAD_DNSMASQ=() HEAD_NGINX=()
run_head_boot() {
	local name=$1 hns=$2 ip=$3
	# its pid file is the tree's run/dnsmasq-NAME.pid (in its dnsmasq.conf),
	# where head watch finds it to reload it
	ip netns exec "$hns" dnsmasq -C "$TREE/etc/heads/$name/dnsmasq.conf" --user=root \
		--log-facility="$WORK/dnsmasq-$name.log" --log-dhcp \
		--dhcp-leasefile="$WORK/dnsmasq-$name.leases"
	HEAD_DNSMASQ[$name]=$(cat "$TREE/run/dnsmasq-$name.pid")
	PIDS+=("${HEAD_DNSMASQ[$name]}")
	if [ "$TRANSPORT" = http ]; then
		mkdir -p "$TREE/run/nginx-$name" "$TREE/log"
		ip netns exec "$hns" nginx -c "$TREE/etc/heads/$name/nginx.conf" -e "$WORK/nginx-error-$name.log" \
			-g 'daemon off;' >"$WORK/nginx-$name.out" 2>&1 &
		HEAD_NGINX[$name]=$!
		PIDS+=("$!")
		wait_listening "$hns" -ltn "$ip:80 " 50 0.1 "${HEAD_NGINX[$name]}" ||
			{ echo "hopeless: lab: head $name's nginx did not start (see $WORK/nginx-error-$name.log)" >&2; exit 1; }
	fi
	say "head $name: dnsmasq (pid ${HEAD_DNSMASQ[$name]})${HEAD_NGINX[$name]:+ and nginx (pid ${HEAD_NGINX[$name]})} serving the boot files on $ip"
}
# head_stop_boot NAME: the head's dnsmasq and nginx die.
head_stop_boot() {
	local p
	for p in "${HEAD_DNSMASQ[$1]:-}" "${HEAD_NGINX[$1]:-}"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	HEAD_DNSMASQ[$1]="" HEAD_NGINX[$1]=""
}
# run_head_ganesha NAME NETNS IP: the ganesha of head NAME (its node id
# and address) in NETNS, with its own /run; waits until it listens on IP.
# Its pid file is the tree's run/ganesha-NAME.pid (head watch reloads it).
# Its own rpcbind (NFSv3) too, unless one runs there already (a restart).
run_head_ganesha() {
	local name=$1 hns=$2 ip=$3 lib=$WORK/ganesha-lib-$1
	mkdir -p "$lib" "$WORK/ganesha-run-$name"
	ip netns exec "$hns" unshare -m --propagation private sh -c '
		set -e
		mkdir -p /var/lib/nfs
		mount --bind "$1" /var/lib/nfs
		mount --bind "$2" /run
		mkdir -p /run/ganesha
		# NFSv3: an rpcbind of its own (its socket is in this /run)
		if ! [ -S /run/rpcbind.sock ]; then
			rpcbind -f -w & echo $! > "$7"
			for _ in $(seq 1 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
		fi
		CEPH_CONF=$6 exec ganesha.nfsd -F -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
		"$lib" "$WORK/ganesha-run-$name" "$TREE/etc/heads/$name/ganesha.conf" \
		"$WORK/ganesha-$name.log" "$TREE/run/ganesha-$name.pid" "$WORK/ceph/ceph.conf" \
		"$WORK/rpcbind-$name.pid" >"$WORK/ganesha-$name.out" 2>&1 &
	HEAD_PID[$name]=$!
	PIDS+=("$!")
	wait_listening "$hns" -ltn "$ip]:2049 " 150 0.2 "${HEAD_PID[$name]}" ||
		{ echo "hopeless: lab: head $name's nfs-ganesha did not start (see $WORK/ganesha-$name.log)" >&2; exit 1; }
	say "head $name: nfs-ganesha (pid ${HEAD_PID[$name]}, node id $name) listening on $ip in namespace $hns"
}
head_ip() { case $1 in h1) echo "$H1_IP" ;; h2) echo "$H2_IP" ;; esac; }
# head_kill NAME: head NAME dies: SIGKILL to its ganesha, dnsmasq and
# nginx, its address gone.
head_kill() {
	kill -KILL "${HEAD_PID[$1]}" 2>/dev/null || true
	wait "${HEAD_PID[$1]}" 2>/dev/null || true
	head_stop_boot "$1"
	ip -n "$(head_ns "$1")" addr del "$(head_ip "$1")/24" dev eth0
}
# head_cli HEAD ARGS...: `hopeless ARGS` as head HEAD's machine runs it: in
# its network namespace, with its /run (its rpcbind, its takeover records)
# and a /var/lib/nfs of its own.
head_cli() {
	local h=$1; shift
	mkdir -p "$WORK/ganesha-lib-cli-$h" "$WORK/ganesha-run-$h"
	# HEAD_CLI_EXEC=1: replace the calling (background) shell, so its $!
	# is the command's pid.
	${HEAD_CLI_EXEC:+exec} ip netns exec "$(head_ns "$h")" unshare -m --propagation private sh -c '
		mount --bind "$1" /var/lib/nfs && mount --bind "$2" /run || exit 1
		shift 2; exec "$@"' sh "$WORK/ganesha-lib-cli-$h" "$WORK/ganesha-run-$h" "$HOPELESS" -C "$TREE" "$@"
}
# head_takeover DEAD SURVIVOR: the survivor runs `hopeless head takeover
# DEAD` (docs/scale-out.md "Failover"): after an ARP probe that nobody
# answers, the dead head's address on its interface, announced, and a
# ganesha with the dead head's generated configuration and node id beside
# its own. HEAD_ADDR_UP is when the address came up.
head_takeover() {
	local dead=$1 surv=$2 out t0
	t0=$(date +%s.%N)
	out=$(head_cli "$surv" head takeover "$dead" 2>&1) || { echo "$out" >&2; return 1; }
	printf '%s\n' "$out" >> "$WORK/takeover.out"
	HEAD_ADDR_UP=$(printf '%s\n' "$out" | sed -n 's/.* address up after \([0-9.]*\) s.*/\1/p')
	HEAD_ADDR_UP=$(awk -v a="$t0" -v b="${HEAD_ADDR_UP:-0}" 'BEGIN { printf "%.3f", a + b }')
	HEAD_PID[$dead]=$(cat "$WORK/ganesha-run-$surv/hopeless/takeover/$dead.pid")
	PIDS+=("${HEAD_PID[$dead]}")
	say "takeover: $(printf '%s\n' "$out" | head -n 1)"
}
# head_watch HEAD [ARGS...]: `hopeless head watch` on head HEAD, in the
# background until the lab ends; its output in $WORK/watch-HEAD.log.
head_watch() {
	local h=$1; shift
	HEAD_CLI_EXEC=1 head_cli "$h" head watch "$@" > "$WORK/watch-$h.log" 2>&1 &
	PIDS+=("$!")
	say "head $h: hopeless head watch running (pid $!, log $WORK/watch-$h.log)"
}
# head_release DEAD SURVIVOR: the survivor gives the dead head back
# (`hopeless head release DEAD`: its ganesha stopped, the address removed,
# the survivor's rpcbind registrations put back).
head_release() {
	local out
	out=$(head_cli "$2" head release "$1" 2>&1) || { echo "$out" >&2; return 1; }
	printf '%s\n' "$out" >> "$WORK/takeover.out"
	say "release: $(printf '%s\n' "$out" | head -n 1)"
}
# head_restart NAME: the head is back: its address on its own interface,
# announced, and its own services again (its rpcbind lived on).
head_restart() {
	local hns ip
	hns=$(head_ns "$1") ip=$(head_ip "$1")
	ip -n "$hns" addr add "$ip/24" dev eth0
	ip netns exec "$hns" busybox arping -U -c 1 -I eth0 "$ip" >/dev/null 2>&1 || true
	run_head_ganesha "$1" "$hns" "$ip"
	run_head_boot "$1" "$hns" "$ip"
}

DNSMASQ_UP=0 GANESHA_UP=0
# --ceph: the heads serve DHCP, TFTP and HTTP (run_head_boot), not the lab.
if [ "$CEPH" = 1 ]; then DNSMASQ_UP=1
elif [ "$DHCP_DELAY" = 0 ]; then start_dnsmasq; DNSMASQ_UP=1; fi
if [ "$CEPH" = 1 ]; then
	start_head h1 "$H1_IP"; start_head h2 "$H2_IP"; GANESHA_UP=1
elif [ "$NFS_DELAY" = 0 ]; then start_ganesha; GANESHA_UP=1; fi
[ "$TWIN_SEGMENT" = 0 ] || start_ganesha "$NS_TWIN" -twin

# ---- boot the node ----
# start_qemu LOG TAP MAC [extra qemu args...]: starts a VM in the namespace;
# sets QPID.
start_qemu() {
	local log=$1 tap=$2 mac=$3; shift 3
	local nics=()
	if [ "$NICS" = 2 ] && [ "$tap" = "$TAP" ]; then
		# The dead NIC comes first; without an option ROM, PXE uses the second.
		nics+=(-netdev "tap,id=n9,ifname=$TAP0,script=no,downscript=no"
			-device "$NIC_DEV,netdev=n9,mac=$MAC0,romfile=")
	fi
	# Under UEFI the NIC has no option ROM: the firmware's own network stack
	# PXE-boots (as on a server), not qemu's iPXE ROM (unsigned, so Secure
	# Boot would refuse it anyway); snponly.efi is what brings iPXE.
	local rom=""
	[ "$FIRMWARE" = bios ] || rom=",romfile="
	nics+=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "$NIC_DEV,netdev=n0,mac=$mac$rom")
	local fw=() extra=() serial=(-serial "file:$log")
	firmware_args "$tap"
	if declare -F hook_qemu_args >/dev/null; then
		mapfile -t extra < <(hook_qemu_args "$tap" "$mac")
		# A hook that takes over the serial port (a BMC's serial over LAN)
		# logs the console itself.
		case " ${extra[*]} " in *" -serial "*|*" -chardev "*serial*) serial=() ;; esac
	fi
	ip netns exec "${QEMU_NS:-$NS}" qemu-system-x86_64 -accel tcg -m 512 -display none -monitor none \
		-no-reboot "${serial[@]}" "${fw[@]}" "${nics[@]}" "${extra[@]}" "$@" &
	QPID=$!
	PIDS+=("$QPID")
}

# The firmware of a VM (sets fw): SeaBIOS is qemu's default; OVMF needs its
# code read-only and a private, writable copy of its variable store per VM.
firmware_args() { # $1: the VM's tap (names its variable store)
	fw=()
	[ "$FIRMWARE" = bios ] && return 0
	local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	if [ "$FIRMWARE" = secureboot ]; then
		code=/usr/share/OVMF/OVMF_CODE_4M.ms.fd vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
	fi
	[ -r "$code" ] && [ -r "$vars" ] || { echo "hopeless: lab: $code or $vars missing (run: make deps; package ovmf)" >&2; exit 1; }
	cp "$vars" "$WORK/ovmf-vars-$1.fd"
	fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$WORK/ovmf-vars-$1.fd")
	if [ "$FIRMWARE" = secureboot ]; then
		# The Secure Boot variables are only protected with SMM.
		fw=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on "${fw[@]}")
	else
		fw=(-machine q35 "${fw[@]}")
	fi
}

boot_args() { # the qemu arguments that boot the node
	if [ "$BOOT" = direct ]; then
		echo "-kernel" "$TREE/tftp/boot/lab-root/vmlinuz" "-initrd" "$TREE/tftp/boot/lab-root/initrd.img"
	else
		echo "-boot" "n"
	fi
}

# End the node's --hold early: the root's init polls this file. Written in
# place, the same length: the node reads the same inode with direct I/O.
# set_hold WORD: hold (before each boot) or free.
set_hold() {
	local f
	for f in "$TREE"/roots/lab-root/*/etc/hopeless-lab/release; do
		[ -f "$f" ] && echo "$1" > "$f"
	done
	return 0
}
RELEASED_AT=""
release_hold() {
	set_hold free
	RELEASED_AT=$(date +%s.%N)
	say "releasing the node's hold"
}

# True once the twin's init said it powers off and 15 s have passed: seen
# once in five runs, a twin whose power-off never ended its qemu.
TWIN_OFF_AT=""
twin_hangs_after_poweroff() {
	if [ -z "$TWIN_OFF_AT" ]; then
		grep -q 'onfail=halt: powering off' "$WORK/console-twin.log" 2>/dev/null || return 1
		TWIN_OFF_AT=$(date +%s)
	fi
	[ $(( $(date +%s) - TWIN_OFF_AT )) -ge 15 ]
}

# The twin: another MAC, the node's own address given statically, the same
# command line otherwise. It must refuse the node's state image.
boot_twin() {
	local log=$WORK/console-twin.log start
	: > "$log"
	start=$(date +%s.%N)
	local cmd
	cmd="$(node_cmdline) ip=$NODE_IP::$SERVER:255.255.255.0:twin::off hopeless.hostname=twin"
	local where=""
	[ "$TWIN_SEGMENT" = 0 ] || where=", on its own segment in $NS_TWIN"
	say "twin: starting qemu (direct boot, MAC $MAC2, static ip=$NODE_IP$where)"
	QEMU_NS=$TWIN_NS start_qemu "$log" "$TAP2" "$MAC2" -kernel "$TREE/tftp/boot/lab-root/vmlinuz" \
		-initrd "$TREE/tftp/boot/lab-root/initrd.img" -append "$cmd"
	TWIN_PID=$QPID
}

# --root debian with --hold S: while the node holds, log in over ssh from the
# namespace with the lab's key, trusting only the host key from the node's
# host overlay (clients/<ip>/etc/ssh): proves sshd serves the node's own key.
ssh_probe() { # $1: boot number
	local kh=$WORK/known_hosts out
	echo "$NODE_IP $(cut -d' ' -f1,2 "$TREE/clients/$NODE_IP/etc/ssh/ssh_host_ed25519_key.pub")" > "$kh"
	if out=$(ip netns exec "$NS" ssh -n -i "$WORK/lab_ssh_key" -o UserKnownHostsFile="$kh" \
		-o StrictHostKeyChecking=yes -o HostKeyAlgorithms=ssh-ed25519 -o BatchMode=yes \
		-o ConnectTimeout=15 -o LogLevel=ERROR "root@$NODE_IP" \
		'echo "$(hostname) $(systemctl is-system-running)"' 2>&1); then
		say "boot $1: ssh root@$NODE_IP: ok: $(echo "$out" | tr '\n' ' ')"
	else
		say "boot $1: ssh root@$NODE_IP: FAILED: $(echo "$out" | tr '\n' ' ')"
	fi
}

boot_node() { # $1: boot number
	local n=$1 log=$WORK/console-$1.log start
	: > "$log"
	start=$(date +%s.%N)
	set_hold hold
	RELEASED_AT=""
	say "boot $n: starting qemu ($BOOT boot, $FIRMWARE firmware, $NIC NIC x$NICS, $KERNEL kernel, state $STATE)"
	if [ "$BOOT" = direct ]; then
		local cmd
		cmd=$(node_cmdline)
		say "boot $n: command line: $cmd"
		start_qemu "$log" "$TAP" "$MAC" $(boot_args) -append "$cmd"
	else
		start_qemu "$log" "$TAP" "$MAC" $(boot_args)
	fi
	local qpid=$QPID
	local seen="" up="" killed=0 twin=0 deadline=$(( $(date +%s) + TIMEOUT ))
	while kill -0 "$qpid" 2>/dev/null; do
		local el
		el=$(since "$start")
		if [ "$DNSMASQ_UP" = 0 ] && awk -v a="$el" -v b="$DHCP_DELAY" 'BEGIN { exit !(a >= b) }'; then
			say "boot $n: starting dnsmasq $DHCP_DELAY s after qemu"
			start_dnsmasq; DNSMASQ_UP=1
		fi
		if [ "$GANESHA_UP" = 0 ] && [ "$NFS_DELAY" != never ] && awk -v a="$el" -v b="$NFS_DELAY" 'BEGIN { exit !(a >= b) }'; then
			say "boot $n: starting nfs-ganesha $NFS_DELAY s after qemu"
			start_ganesha; GANESHA_UP=1
		fi
		for phase in "modules: done" "net: " "nfs: " "union: " "switchroot: exec" "LAB: root init" \
			"HOPELESS-LAB-MARKER" "boot failed:" "rescue shell" "powering off" "rebooting"; do
			case "$seen" in *"|$phase|"*) continue ;; esac
			if grep -q -- "$phase" "$log" 2>/dev/null; then
				seen="$seen|$phase|"
				say "boot $n: $(grep -m1 -- "$phase" "$log" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //')"
				[ "$phase" = HOPELESS-LAB-MARKER ] && up=$(since "$start")
				if [ "$phase" = HOPELESS-LAB-MARKER ] && declare -F hook_up >/dev/null; then
					say "hook: boot $n is up"; hook_up "$n"
				fi
				if [ "$phase" = HOPELESS-LAB-MARKER ] && [ "$ROOT" = debian ] && [ "$HOLD" -gt 0 ]; then
					ssh_probe "$n"
					# the login was what the hold was for
					if [ "$CEPH" = 0 ]; then release_hold; fi
				fi
			fi
		done
		[ "$PROBE" = 1 ] && stop_stray
		if [ "$TWIN" = 1 ] && [ "$twin" = 0 ] && [ -n "$up" ]; then
			twin=1
			boot_twin
		fi
		if [ "$twin" = 1 ] && kill -0 "$TWIN_PID" 2>/dev/null && twin_hangs_after_poweroff; then
			say "twin: still running 15 s after its init powered off; stopping qemu"
			kill "$TWIN_PID" 2>/dev/null || true
			wait "$TWIN_PID" 2>/dev/null || true
		fi
		if [ "$twin" = 1 ] && ! kill -0 "$TWIN_PID" 2>/dev/null; then
			twin=2
			say "twin: qemu exited"
			# (the Ceph lab's hook checks the locks while node1 holds)
			if [ "$CEPH" = 0 ]; then release_hold; fi
		fi
		case "$seen" in *"|rescue shell|"*)
			# The rescue shell is waiting on the console: prove it stays, then stop.
			sleep 3
			if kill -0 "$qpid" 2>/dev/null; then
				say "boot $n: rescue shell still waiting after 3 s; stopping qemu"
				echo "lab: rescue shell waiting" >> "$WORK/events"
				kill "$qpid" 2>/dev/null || true
				killed=1
				break
			fi ;;
		esac
		if [ "$ROOT" = debian ] && [ -n "$up" ] &&
			awk -v a="$(since "$start")" -v b="$up" -v l=$((HOLD + 120)) 'BEGIN { exit !(a - b > l) }'; then
			say "boot $n: no power-off $((HOLD + 120)) s after the marker (shutdown hangs); stopping qemu"
			tail -n 15 "$log" | tr -d '\r' | sed 's/^/lab:   console: /'
			kill "$qpid" 2>/dev/null || true
			killed=1
			break
		fi
		if [ "$(date +%s)" -gt "$deadline" ]; then
			say "boot $n: no marker after $TIMEOUT s; stopping qemu"
			kill "$qpid" 2>/dev/null || true
			killed=1
			break
		fi
		sleep 0.5
	done
	wait "$qpid" 2>/dev/null || true
	local took
	took=$(since "$start")
	if [ "$ROOT" = debian ] && [ -n "$up" ] && [ "$killed" = 0 ]; then
		local rel=""
		[ -z "$RELEASED_AT" ] || rel=$(since "$RELEASED_AT")
		say "boot $n: powered off $(awk -v a="$took" -v b="$up" -v h="$HOLD" -v r="$rel" 'BEGIN {
			printf "%.1f s after the marker", a - b
			if (r != "") printf " (%.1f s after the hold was released)", r
			else if (h > 0) printf " (%.1f + the %d s hold)", a - b - h, h }')"
	fi
	if [ "$twin" = 1 ]; then
		# The node went down first: give the twin the rest of the time.
		while kill -0 "$TWIN_PID" 2>/dev/null && [ "$(date +%s)" -le "$deadline" ]; do sleep 0.5; done
		kill "$TWIN_PID" 2>/dev/null || true
		wait "$TWIN_PID" 2>/dev/null || true
	fi
	if [ "$TWIN" = 1 ]; then
		grep "hopeless-init:" "$WORK/console-twin.log" | tr -d '\r' | sed 's/^/lab:   twin: /' | tail -n 12
	fi
	if [ "$EXPECT_FAIL" = 1 ]; then
		# (a node whose firmware refused its boot loader never ran the init)
		{ grep "hopeless-init:" "$log" || true; } | tr -d '\r' | sed 's/^/lab:   /' | tail -n 12
		if grep -q "HOPELESS-LAB-MARKER up" "$log"; then
			echo "hopeless: lab: node $NODE came up on boot $n, but --expect-fail was given" >&2
			return 1
		fi
		if [ "$killed" = 1 ]; then
			echo "hopeless: node $NODE ($NODE_IP) did not come up, as expected; qemu stopped by the lab after $took s"
		else
			echo "hopeless: node $NODE ($NODE_IP) did not come up, as expected; qemu exited by itself after $took s"
		fi
		return 0
	fi
	if ! grep -q "HOPELESS-LAB-MARKER up" "$log"; then
		echo "hopeless: lab: node $NODE did not come up on boot $n; last console lines:" >&2
		tail -n 25 "$log" | tr -d '\r' >&2
		return 1
	fi
	grep "LAB: " "$log" | tr -d '\r' | sed 's/^/lab:   /'
	print_status
	# The node-up line comes last: it is what make demo ends with.
	echo "hopeless: node $NODE ($NODE_IP) up in ${up:-$(since "$start")} s"
}

# The stray: a VM with a MAC nobody registered, PXE-booting for 25 s. It must
# get no DHCP offer and no boot files (see dnsmasq.log).
start_stray() {
	: > "$WORK/console-stray.log"
	say "stray: starting qemu (PXE boot, unregistered MAC $MACX, for 25 s)"
	start_qemu "$WORK/console-stray.log" "$TAPX" "$MACX" -boot n
	STRAY_PID=$QPID STRAY_END=$(( $(date +%s) + 25 ))
}
stop_stray() { # $1: wait: let it run its 25 s first
	[ -n "${STRAY_PID:-}" ] || return 0
	if [ "${1:-}" = wait ]; then
		while kill -0 "$STRAY_PID" 2>/dev/null && [ "$(date +%s)" -lt "$STRAY_END" ]; do sleep 0.5; done
	elif [ "$(date +%s)" -lt "$STRAY_END" ]; then
		return 0
	fi
	kill "$STRAY_PID" 2>/dev/null || true
	wait "$STRAY_PID" 2>/dev/null || true
	STRAY_PID=""
	say "stray: stopped; dnsmasq lines for $MACX: $(grep -ci "$MACX" "$WORK/dnsmasq.log" || true)"
	grep -i "$MACX" "$WORK/dnsmasq.log" | sed 's/^/lab:   stray: /' | tail -n 6
}

# The intruder (--probe-security): a VM at an address no node has
# ($SUBNET.99), not PXE-booted (it would get nothing) but started directly
# from the node's kernel and initramfs with a second archive appended whose
# /init is a busybox script. It loads the initramfs's modules, takes its
# address by hand, tries to mount every export (and to read the overlays'
# shadow files through any that opened), sends a boot event that claims to
# be node1, and powers off. Every attempt must be refused, the event dropped.
INTRUDER_IP=$SUBNET.99
intruder_init() {
	cat <<INIT
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /mnt /usr/bin /sbin
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
grep '^module ' /lib/hopeless/modules.conf | while read -r _ name path _; do insmod "\$path" 2>/dev/null; done
ip link set lo up; ip link set eth0 up
ip addr add $INTRUDER_IP/24 dev eth0
sleep 2
echo "LAB: intruder at \$(ip -4 -o addr show eth0 | awk '{print \$4}')"
o="vers=4.1,addr=$SERVER,clientaddr=$INTRUDER_IP,soft,timeo=30,retrans=1"
for e in /roots/lab-root /roots/compute /roots/storage /roots/unused /clients/$NODE_IP /clients/$NODE2_IP /state/$NODE_IP /state/$NODE2_IP; do
	if mount -t nfs4 -o "\$o" "$SERVER:\$e" /mnt 2>/dev/null; then
		echo "LAB: intruder-mount \$e ALLOWED"
		if cat /mnt/etc/shadow >/dev/null 2>&1; then echo "LAB: intruder-shadow \$e ALLOWED"; fi
		umount /mnt
	else
		echo "LAB: intruder-mount \$e refused"
	fi
done
if mount -t nfs4 -o "\$o" "$SERVER:/" /mnt 2>/dev/null; then
	echo "LAB: intruder-pseudo-root lists: \$(ls -A /mnt | tr '\n' ' ')"
	umount /mnt
else
	echo "LAB: intruder-pseudo-root refused"
fi
# busybox has no UDP nc: its syslogd forwards to the head node's receiver.
hostname $NODE
syslogd -R $SERVER:514
sleep 1
logger -t hopeless-init "boot $NODE intruder-forged-event"
sleep 2
echo "LAB: intruder sent a forged event for $NODE"
echo "LAB: intruder done"
poweroff -f
INIT
}
run_intruder() {
	local d=$WORK/intruder log=$WORK/console-intruder.log
	rm -rf "$d"; mkdir -p "$d/bin"
	cp /bin/busybox "$d/bin/busybox"
	intruder_init > "$d/init"; chmod 755 "$d/init"
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -n) > "$WORK/intruder.cpio.gz"
	cat "$TREE/tftp/boot/lab-root/initrd.img" "$WORK/intruder.cpio.gz" > "$WORK/intruder-initrd.img"
	: > "$log"
	say "intruder: starting qemu (direct boot, unregistered address $INTRUDER_IP, MAC $MACX)"
	start_qemu "$log" "$TAPX" "$MACX" -kernel "$TREE/tftp/boot/lab-root/vmlinuz" \
		-initrd "$WORK/intruder-initrd.img" -append "console=ttyS0 panic=-1 quiet"
	local q=$QPID end=$(( $(date +%s) + 180 ))
	while kill -0 "$q" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.5; done
	kill "$q" 2>/dev/null || true
	wait "$q" 2>/dev/null || true
	grep "LAB: " "$log" | tr -d '\r' | sed 's/^/lab:   intruder: /'
	sleep 1
	print_status
}

# --nodes 2: node1 and node2 boot at the same time, each on its own tap.
boot_pair() { # $1: boot number
	local n=$1 log1=$WORK/console-$1.log log2=$WORK/console-node2-$1.log start
	: > "$log1"; : > "$log2"
	start=$(date +%s.%N)
	say "boot $n: starting qemu for $NODE and $NODE2 ($BOOT boot, $NIC NIC, $KERNEL kernel, state $STATE)"
	if [ "$BOOT" = direct ]; then
		say "boot $n: $NODE command line: $(node_cmdline "$MAC")"
		say "boot $n: $NODE2 command line: $(node_cmdline "$MACN2")"
		start_qemu "$log1" "$TAP" "$MAC" $(boot_args) -append "$(node_cmdline "$MAC")"
	else
		# The same command line, from the boot file the heads serve.
		say "boot $n: $NODE command line: $(node_cmdline "$MAC")"
		say "boot $n: $NODE2 command line: $(node_cmdline "$MACN2")"
		start_qemu "$log1" "$TAP" "$MAC" -boot n
	fi
	local q1=$QPID
	if [ "$BOOT" = direct ]; then
		start_qemu "$log2" "$TAPN2" "$MACN2" $(boot_args) -append "$(node_cmdline "$MACN2")"
	else
		start_qemu "$log2" "$TAPN2" "$MACN2" -boot n
	fi
	local q2=$QPID
	local up1="" up2="" twin=0 deadline=$(( $(date +%s) + TIMEOUT ))
	while kill -0 "$q1" 2>/dev/null || kill -0 "$q2" 2>/dev/null; do
		if [ -z "$up1" ] && grep -q "HOPELESS-LAB-MARKER up" "$log1"; then
			up1=$(since "$start"); say "boot $n: $NODE: HOPELESS-LAB-MARKER up"
			if declare -F hook_up >/dev/null; then say "hook: boot $n is up ($NODE)"; hook_up "$n"; fi
			# --twin (with --ceph): node1's identity again while node1 holds
			if [ "$TWIN" = 1 ] && [ "$n" = 1 ]; then twin=1; boot_twin; fi
		fi
		if [ "$twin" = 1 ] && grep -q "boot failed:\|attempt [0-9]* failed" "$WORK/console-twin.log"; then
			say "twin: $(grep -m1 "boot failed:\|attempt [0-9]* failed" "$WORK/console-twin.log" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //'); stopping it"
			kill "$TWIN_PID" 2>/dev/null || true
			wait "$TWIN_PID" 2>/dev/null || true
		fi
		if [ "$twin" = 1 ] && ! kill -0 "$TWIN_PID" 2>/dev/null; then
			twin=2; say "twin: qemu exited"
		fi
		if [ -z "$up2" ] && grep -q "HOPELESS-LAB-MARKER up" "$log2"; then
			up2=$(since "$start"); say "boot $n: $NODE2: HOPELESS-LAB-MARKER up"
		fi
		if [ "$(date +%s)" -gt "$deadline" ]; then
			say "boot $n: not both markers after $TIMEOUT s; stopping qemu"
			kill "$q1" "$q2" 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	wait "$q1" 2>/dev/null || true
	wait "$q2" 2>/dev/null || true
	if [ "$twin" = 1 ]; then
		# the nodes went down first: give the twin up to 30 s more
		local tend=$(( $(date +%s) + 30 ))
		while kill -0 "$TWIN_PID" 2>/dev/null && [ "$(date +%s)" -le "$tend" ] &&
			! grep -q "boot failed:\|attempt [0-9]* failed" "$WORK/console-twin.log"; do sleep 0.5; done
		kill "$TWIN_PID" 2>/dev/null || true
		wait "$TWIN_PID" 2>/dev/null || true
	fi
	if [ "$twin" != 0 ]; then
		grep "hopeless-init:" "$WORK/console-twin.log" | tr -d '\r' | sed 's/^/lab:   twin: /' | tail -n 12
	fi
	local bad=0 uplines=""
	if grep -q "HOPELESS-LAB-MARKER up" "$log1"; then
		grep "LAB: " "$log1" | tr -d '\r' | sed 's/^/lab:   /'
		uplines="hopeless: node $NODE ($NODE_IP) up in ${up1:-$(since "$start")} s"
	else
		echo "hopeless: lab: node $NODE did not come up on boot $n; last console lines:" >&2
		tail -n 25 "$log1" | tr -d '\r' >&2
		bad=1
	fi
	if grep -q "HOPELESS-LAB-MARKER up" "$log2"; then
		grep "LAB: " "$log2" | tr -d '\r' | sed "s/^/lab:   $NODE2: /"
		uplines="$uplines${uplines:+
}hopeless: node $NODE2 ($NODE2_IP) up in ${up2:-$(since "$start")} s"
	else
		echo "hopeless: lab: node $NODE2 did not come up on boot $n; last console lines:" >&2
		tail -n 25 "$log2" | tr -d '\r' >&2
		bad=1
	fi
	print_status
	[ -z "$uplines" ] || echo "$uplines"
	[ "$bad" = 0 ] || return 1
}

[ "$PROBE" = 1 ] && start_stray
for i in $(seq 1 "$BOOTS"); do
	if declare -F hook_before_boot >/dev/null; then say "hook: before boot $i"; hook_before_boot "$i"; fi
	if [ "$NODES" = 2 ]; then boot_pair "$i"; else boot_node "$i"; fi
	[ "$PROBE" = 1 ] && stop_stray
done
if [ "$PROBE" = 1 ]; then stop_stray wait; run_intruder; fi
