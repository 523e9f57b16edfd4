#!/bin/bash
# Measurement (not a test; make check does not run it): hopeless-init against
# the two initramfs generators Debian ships, booting the same node.
#
#   bench/anchors.sh --md FILE [--boots N] [--timeout S] [--keep]
#
# --timeout S: per boot (default 150); --keep: keep the scratch folder;
# --inits LIST and ANCHORS_APPEND="ARGS" (more kernel arguments for every
# boot) are for debugging one init: the tables want all three.
#
# One run, one network namespace (bridge, tap, dnsmasq and nfs-ganesha as
# the lab runs them, ganesha serving NFSv3 too, with rpcbind, in a private
# mount namespace), one node MAC and address, the lab's cloud kernel
# (cache/kernels/cloud/root), qemu direct kernel boot (-kernel/-initrd, no
# firmware PXE), -m 512, one vCPU, one VM at a time. Rounds are interleaved:
# each round boots hopeless, initramfs-tools and dracut once (default 5
# rounds).
#   hopeless        its own initramfs (hopeless initramfs build), the full
#                   three-layer union (root + overlay + host layer) over
#                   NFSv4.1 with the state upper as the lab has it (an ext4
#                   image on NFS, on loop)
#   initramfs-tools Debian 12's, MODULES=netboot, BOOT=nfs: klibc ipconfig,
#                   nfsmount over NFSv3, the root read-only
#   dracut          Debian 12's dracut 059 with its nfs module (systemd in
#                   the initramfs, network-legacy: dhclient):
#                   root=nfs4:..., ip=dhcp, rd.neednet=1, the root read-only
# The anchors' images are built by their own tools for the lab kernel's
# version in mmdebstrap chroots (Debian bookworm from the archive; the host
# gets neither tool) and cached in cache/anchors/KVER/ (ANCHORS_CACHE:
# another folder); delete them to rebuild. All three boot the same busybox
# root (the anchors a copy of it in an export of its own), whose /sbin/init
# writes a marker to /dev/kmsg as its first action, copies the lines the
# figures need from the kernel log to the console and powers off.
# Peak memory: bench/memprobe.c, in a second cpio archive appended to each
# image (not counted in its size), runs first (rdinit=/memprobe), samples
# /proc/meminfo every 5 ms from a child and execs the image's own /init.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
KERNEL_CACHE=${HOPELESS_KERNEL_CACHE:-$TOP/cache/kernels/cloud/root}
MD="" BOOTS=5 TIMEOUT=150 KEEP=0 INITS="hopeless initramfs-tools dracut"
while [ $# -gt 0 ]; do
	case "$1" in
	--md) MD=$2; shift 2 ;;
	--boots) BOOTS=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--inits) INITS=$2; shift 2 ;;
	*) echo "bench: anchors: unknown option '$1' (want --md FILE, --boots N, --timeout S, --inits LIST, --keep)" >&2; exit 2 ;;
	esac
done
[ -n "$MD" ] || { echo "bench: anchors: --md FILE is required (where the Markdown section goes)" >&2; exit 2; }
case "$BOOTS" in ''|*[!0-9]*|0) echo "bench: anchors: --boots $BOOTS: want a number of rounds, 1 or more" >&2; exit 2 ;; esac
case "$TIMEOUT" in ''|*[!0-9]*|0) echo "bench: anchors: --timeout $TIMEOUT: want seconds" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: anchors: needs root (namespaces, taps, chroots)" >&2; exit 1; }
for tool in qemu-system-x86_64 dnsmasq ganesha.nfsd rpcbind mmdebstrap musl-gcc cpio gzip ip; do
	command -v "$tool" >/dev/null || { echo "bench: anchors: $tool missing (run: make deps)" >&2; exit 1; }
done
[ -x "$HOPELESS" ] || { echo "bench: anchors: $HOPELESS missing (run: make all)" >&2; exit 1; }
[ -d "$KERNEL_CACHE/boot" ] || { echo "bench: anchors: no kernel in $KERNEL_CACHE (run: make deps)" >&2; exit 1; }
KVER=$(ls "$KERNEL_CACHE/lib/modules" | head -n 1)
VMLINUZ=$(ls "$KERNEL_CACHE"/boot/vmlinuz-* | head -n 1)
ANCHORS_CACHE=${ANCHORS_CACHE:-$TOP/cache/anchors}/$KVER

ID=$$
SUBNET=10.$((150 + ID % 50)).$((ID / 50 % 250 + 1))
SERVER=$SUBNET.1 NODE_IP=$SUBNET.10
NS=hl-anc-$ID BR=hlabr$ID TAP=hlatap$ID
MAC=$(printf '52:54:00:a7:%02x:%02x' $((ID / 256 % 256)) $((ID % 256)))
W=$(mktemp -d /tmp/hopeless-anchors.XXXXXX)
TREE=$W/tree
PIDS=()
say() { echo "anchors: [$(date -u +%H:%M:%S)] $*" >&2; }
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for f in "$W"/dnsmasq.pid "$W"/ganesha.pid "$W"/rpcbind.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	ip netns del "$NS" 2>/dev/null || true
	if [ "$KEEP" = 0 ] && [ "$rc" = 0 ]; then rm -rf "$W"; else say "files kept in $W"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# ---- the anchors' images, built once per kernel version ----
# build_anchor NAME: cache/anchors/KVER/NAME.img from an mmdebstrap chroot
# holding the generator and the lab kernel's modules and config.
build_anchor() {
	local name=$1 out=$ANCHORS_CACHE/$1.img inc hooks=()
	[ -s "$out" ] && return 0
	mkdir -p "$ANCHORS_CACHE"
	local mods="mkdir -p \"\$1/lib/modules\" && cp -a '$KERNEL_CACHE/lib/modules/$KVER' \"\$1/lib/modules/\" &&
		cp '$KERNEL_CACHE/boot/config-$KVER' \"\$1/boot/\" && chroot \"\$1\" depmod '$KVER'"
	if [ "$name" = initramfs-tools ]; then
		inc=initramfs-tools,busybox,zstd
		hooks=(--customize-hook="$mods"
			--customize-hook='sed -i "s/^MODULES=.*/MODULES=netboot/" "$1/etc/initramfs-tools/initramfs.conf" && echo BOOT=nfs >> "$1/etc/initramfs-tools/initramfs.conf"'
			--customize-hook="chroot \"\$1\" mkinitramfs -o /tmp/anchor.img '$KVER'")
	else
		# network-legacy (dhclient, what Debian's dracut-network depends
		# on): with systemd-networkd, dracut's pick when systemd is in the
		# chroot, nothing ever runs the netroot hooks and the NFS root is
		# never mounted (dracutdevs/dracut#1706, dracut-ng#251). Its
		# check wants pgrep (procps). Debian's 11-ifcfg.conf names a
		# module 059 lacks.
		inc=dracut,dracut-network,nfs-common,systemd,procps,zstd
		hooks=(--customize-hook="$mods"
			--customize-hook='rm -f "$1/etc/dracut.conf.d/11-ifcfg.conf"'
			--customize-hook="chroot \"\$1\" dracut --no-hostonly --add 'nfs network-legacy' --kver '$KVER' --force /tmp/anchor.img")
	fi
	say "building the $name image for $KVER in an mmdebstrap chroot (once; log in $ANCHORS_CACHE/$name.log)"
	if ! mmdebstrap --variant=minbase --include="$inc" "${hooks[@]}" \
		--customize-hook="cp \"\$1/tmp/anchor.img\" '$out.tmp.$$' && chroot \"\$1\" dpkg-query -W $(echo "$inc" | tr , ' ') > '$out.versions.tmp.$$'" \
		bookworm /dev/null > "$ANCHORS_CACHE/$name.log" 2>&1; then
		rm -f "$out.tmp.$$" "$out.versions.tmp.$$"
		tail -n 15 "$ANCHORS_CACHE/$name.log" >&2
		echo "bench: anchors: building the $name image failed (see $ANCHORS_CACHE/$name.log)" >&2
		return 1
	fi
	mv -f "$out.versions.tmp.$$" "$out.versions"
	chmod 644 "$out.tmp.$$"
	mv -f "$out.tmp.$$" "$out"
}
for a in initramfs-tools dracut; do build_anchor "$a"; done

# ---- the sample cluster, made with hopeless itself ----
say "building the sample tree in $W"
SRC=$W/src
mkdir -p "$SRC"/{bin,sbin,etc,proc,sys,dev,run,tmp,var,root,boot,lib/modules}
cp /bin/busybox "$SRC/bin/busybox"
ln -s busybox "$SRC/bin/sh"
cp -a "$VMLINUZ" "$SRC/boot/"
cp -a "$KERNEL_CACHE/lib/modules/$KVER" "$SRC/lib/modules/"
cat > "$SRC/sbin/init" <<'INIT'
#!/bin/busybox sh
# bench/anchors.sh's root init: the marker first, then the kernel log lines
# the figures need, then power off.
echo "<1>ANCHOR-MARKER root init" > /dev/kmsg 2>/dev/null ||
	{ busybox mount -t devtmpfs dev /dev; echo "<1>ANCHOR-MARKER root init (after mounting /dev)" > /dev/kmsg; }
busybox dmesg | busybox grep -E 'Run /memprobe as init|memprobe:|ANCHOR-MARKER' | busybox sed 's/^/ANCHOR-DMESG /' > /dev/console
echo "ANCHOR-DONE" > /dev/console
busybox poweroff -f
INIT
chmod 755 "$SRC/sbin/init"
"$HOPELESS" -C "$TREE" init --server "$SERVER" --netmask 255.255.255.0 --interface "$BR" \
	--append "console=ttyS0 loglevel=4 panic=-1" --image-size 64M >/dev/null
"$HOPELESS" -C "$TREE" root add lab-root --from "$SRC" >/dev/null
"$HOPELESS" -C "$TREE" overlay add compute >/dev/null
"$HOPELESS" -C "$TREE" node add node1 --ip "$NODE_IP" --mac "$MAC" --root lab-root --overlay compute \
	--state image --boot ipxe >/dev/null
mkdir -p "$TREE/roots/compute/1/etc" "$TREE/clients/$NODE_IP/etc"
echo compute > "$TREE/roots/compute/1/etc/anchors-layer"
echo host > "$TREE/clients/$NODE_IP/etc/anchors-layer"
"$HOPELESS" -C "$TREE" initramfs build --root lab-root >/dev/null 2>&1
"$HOPELESS" -C "$TREE" config >/dev/null

# The anchors' root: a copy of the same root in an export of its own (not a
# subdirectory of the hopeless export, so the two never share a junction).
cp -a "$TREE/roots/lab-root/1" "$W/anchor-root"
# The lab's ganesha.conf, with NFSv3 too (klibc's nfsmount speaks nothing
# newer) and that export.
sed -i 's/^\tProtocols = 4;/\tProtocols = 3, 4;\n\tMNT_Port = 20048;\n\tmount_path_pseudo = true;/' "$TREE/etc/ganesha.conf"
grep -q "Protocols = 3, 4;" "$TREE/etc/ganesha.conf" || { echo "bench: anchors: ganesha.conf has no 'Protocols = 4;' line to extend" >&2; exit 1; }
cat >> "$TREE/etc/ganesha.conf" <<EOF
EXPORT {
	Export_Id = 9901;
	Path = "$W/anchor-root";
	Pseudo = "/anchor-root";
	Access_Type = None;
	Squash = Root_Squash;
	SecType = sys;
	CLIENT {
		Clients = $NODE_IP;
		Access_Type = RO;
		Squash = No_Root_Squash;
	}
	FSAL {
		Name = VFS;
	}
}
EOF

# ---- the images as booted: each with the sampler appended ----
musl-gcc -std=gnu11 -Wall -Wextra -Werror -static -Os -o "$W/memprobe" "$TOP/bench/memprobe.c"
mkdir -p "$W/probe-cpio"
install -m 755 "$W/memprobe" "$W/probe-cpio/memprobe"
(cd "$W/probe-cpio" && echo memprobe | cpio -o -H newc --quiet | gzip -n -9) > "$W/memprobe.cpio.gz"
declare -A IMG SIZE CMD
IMG[hopeless]=$TREE/tftp/boot/lab-root/initrd.img
IMG[initramfs-tools]=$ANCHORS_CACHE/initramfs-tools.img
IMG[dracut]=$ANCHORS_CACHE/dracut.img
for a in $INITS; do
	SIZE[$a]=$(stat -c %s "${IMG[$a]}")
	cat "${IMG[$a]}" "$W/memprobe.cpio.gz" > "$W/$a.img"
done
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer
# check can fail and panic before /init ("IO-APIC + timer doesn't work").
COMMON="console=ttyS0 panic=-1 printk.time=1 printk.devkmsg=on no_timer_check rdinit=/memprobe"
# hopeless: the node's command line as its iPXE script passes it, without
# BOOTIF (a direct boot has no PXE NIC); it sets loglevel=4 itself.
CMD[hopeless]="$(sed -n 's/^kernel [^ ]* //p' "$TREE/tftp/ipxe/$(echo "$MAC" | tr : -).ipxe" |
	sed 's/initrd=[^ ]* //; s/ BOOTIF=[^ ]*//; s/console=ttyS0 //; s/panic=-1 //') $COMMON"
CMD[initramfs-tools]="$COMMON quiet root=/dev/nfs nfsroot=$SERVER:/anchor-root ip=dhcp ro init=/sbin/init"
CMD[dracut]="$COMMON quiet root=nfs4:$SERVER:/anchor-root ip=dhcp rd.neednet=1 ro init=/sbin/init rd.shell=0"
# ANCHORS_APPEND: more arguments for every boot (debugging an anchor).
[ -z "${ANCHORS_APPEND:-}" ] || for a in $INITS; do CMD[$a]="${CMD[$a]} $ANCHORS_APPEND"; done

# ---- the network and the services ----
say "starting namespace $NS (bridge $BR, tap $TAP, server $SERVER)"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add "$BR" type bridge
ip -n "$NS" addr add "$SERVER/24" dev "$BR"
ip -n "$NS" link set "$BR" up
ip -n "$NS" tuntap add dev "$TAP" mode tap
ip -n "$NS" link set "$TAP" master "$BR" up
ip netns exec "$NS" "$HOPELESS" -C "$TREE" serve --events-only --foreground > "$W/serve.log" 2>&1 &
PIDS+=("$!")
ip netns exec "$NS" dnsmasq -C "$TREE/etc/dnsmasq.conf" --user=root --pid-file="$W/dnsmasq.pid" \
	--log-facility="$W/dnsmasq.log" --log-dhcp --dhcp-leasefile="$W/dnsmasq.leases"
# ganesha and its rpcbind in a private mount namespace with their own /run
# and /var/lib/nfs (the rpcbind socket is shared by every namespace).
mkdir -p "$W/ganesha-lib" "$W/ganesha-run"
ip netns exec "$NS" unshare -m --propagation private sh -c '
	set -e
	mkdir -p /var/lib/nfs
	mount --bind "$1" /var/lib/nfs
	mount --bind "$2" /run
	mkdir -p /run/ganesha /run/rpcbind
	rpcbind -f -w > "$7" 2>&1 &
	echo $! > "$6"
	i=0
	while [ ! -S /run/rpcbind.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	exec ganesha.nfsd -f "$3" -L "$4" -p "$5" -N NIV_EVENT' sh \
	"$W/ganesha-lib" "$W/ganesha-run" "$TREE/etc/ganesha.conf" "$W/ganesha.log" "$W/ganesha.pid" \
	"$W/rpcbind.pid" "$W/rpcbind.log"
for _ in $(seq 1 150); do
	ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q ":2049 " && break
	sleep 0.2
done
ip netns exec "$NS" ss -ltn | grep -q ":2049 " || { echo "bench: anchors: nfs-ganesha did not start (see $W/ganesha.log)" >&2; exit 1; }

# ---- the boots ----
now() { date +%s.%N; }
tapstat() { ip netns exec "$NS" cat "/sys/class/net/$TAP/statistics/$1"; }
# boot NAME ROUND: one VM; appends a result line to $W/results:
# NAME ROUND ok|fail wall init_to_root tx rx mem_avail mem_free
boot() {
	local a=$1 r=$2 log=$W/console-$1-$2.log t0 wall="" tx0 rx0 q
	: > "$log"
	tx0=$(tapstat tx_bytes) rx0=$(tapstat rx_bytes)
	t0=$(now)
	ip netns exec "$NS" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -display none -monitor none -no-reboot \
		-serial "file:$log" -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$MAC" \
		-kernel "$VMLINUZ" -initrd "$W/$a.img" -append "${CMD[$a]}" &
	q=$!
	PIDS+=("$q")
	local deadline=$(( $(date +%s) + TIMEOUT ))
	while kill -0 "$q" 2>/dev/null; do
		if [ -z "$wall" ] && grep -q "ANCHOR-MARKER" "$log"; then
			wall=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
		fi
		if [ "$(date +%s)" -gt "$deadline" ]; then
			say "$a round $r: no marker after $TIMEOUT s; stopping qemu"
			kill "$q" 2>/dev/null || true
			break
		fi
		sleep 0.02
	done
	wait "$q" 2>/dev/null || true
	[ -n "$wall" ] || ! grep -q "ANCHOR-MARKER" "$log" || wall=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	local tx rx
	tx=$(( $(tapstat tx_bytes) - tx0 )) rx=$(( $(tapstat rx_bytes) - rx0 ))
	if [ -z "$wall" ] || ! grep -q "ANCHOR-DONE" "$log"; then
		say "$a round $r: FAILED (console in $log); last lines:"
		tail -n 12 "$log" | tr -d '\r' | sed 's/^/anchors:   /' >&2
		echo "$a $r fail" >> "$W/results"
		return 0
	fi
	tr -d '\r' < "$log" | awk -v a="$a" -v r="$r" -v wall="$wall" -v tx="$tx" -v rx="$rx" '
		function ts(s) { sub(/^.*ANCHOR-DMESG \[ */, "", s); sub(/\].*/, "", s); return s + 0 }
		/ANCHOR-DMESG .*Run \/memprobe as init/ { init = ts($0) }
		/ANCHOR-DMESG .*ANCHOR-MARKER/ && !mark { mark = ts($0) }
		/ANCHOR-DMESG .*memprobe: / {
			ma = $0; sub(/.* used /, "", ma); ma += 0
			mf = $0; sub(/.*MemAvailable\), /, "", mf); mf += 0
			if (ma > mema) mema = ma; if (mf > memf) memf = mf
		}
		END { printf "%s %s ok %s %.3f %d %d %d %d\n", a, r, wall, mark - init, tx, rx, mema, memf }' >> "$W/results"
	if [ "$a" = hopeless ]; then
		# The terms of its profile line (each step, in the init's order,
		# and "other"), its floor and what is above it, and the total by
		# its own clock.
		tr -d '\r' < "$log" | awk '
			/hopeless-init: profile: / {
				line = $0; sub(/.*hopeless-init: profile: /, "", line)
				split(line, parts, "; ")
				terms = parts[1]; sub(/.*= /, "", terms)
				n = split(terms, t, " \\+ ")
				for (i = 1; i <= n; i++) { split(t[i], kv, " "); print kv[1], kv[2] }
				f = parts[2]; sub(/^floor /, "", f); sub(/ s .*/, "", f); print "floor", f
				a = parts[3]; sub(/^above the floor /, "", a); sub(/ s$/, "", a); print "above-the-floor", a
			}
			/hopeless-init: switchroot: exec / {
				x = $0; sub(/.*\(/, "", x); sub(/ s after.*/, "", x); print "total", x
			}' |
			sed "s/^/$r /" >> "$W/steps"
	fi
	say "$a round $r: $(tail -n 1 "$W/results" | cut -d' ' -f4-) (wall s, /init->root s, tx, rx, kB, kB)"
}
for r in $(seq 1 "$BOOTS"); do
	for a in $INITS; do boot "$a" "$r"; done
done

# ---- the section ----
# stats COLUMN NAME: "min / median / max" of a result column for NAME, and
# the median alone in $MED.
stats() {
	awk -v c="$1" -v n="$2" '$1 == n && $3 == "ok" { print $c }' "$W/results" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s\n", v[1], m, v[NR] }'
}
fmt() { # COLUMN NAME PRINTF-FORMAT DIVISOR: "min / median / max"
	stats "$1" "$2" | awk -v f="$3" -v d="$4" 'NF == 3 { printf f " / " f " / " f, $1 / d, $2 / d, $3 / d } NF != 3 { printf "-" }'
}
median() { stats "$1" "$2" | awk 'NF == 3 { print $2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) printf "-"; else printf "%.2f", a / b }'; }
okcount() { awk -v n="$1" '$1 == n && $3 == "ok"' "$W/results" | wc -l; }
fails=0
for a in $INITS; do [ "$(okcount "$a")" -gt 0 ] || fails=1; done
row() { # LABEL COLUMN FORMAT DIVISOR
	local line="| $1 |" a
	for a in $INITS; do
		line="$line $(fmt "$2" "$a" "$3" "$4") |"
		[ "$a" = hopeless ] || line="$line $(ratio "$(median "$2" "$a")" "$(median "$2" hopeless)") |"
	done
	echo "$line"
}
pkgver() { awk -v p="$2" '$1 == p { print $2 }' "$ANCHORS_CACHE/$1.img.versions" 2>/dev/null; }
{
	echo "## Against the anchors: hopeless-init, initramfs-tools and dracut"
	echo
	echo "The same node booted by three initramfs images for the same kernel"
	echo "($KVER, the lab's cloud kernel) in one run, rounds interleaved (hopeless,"
	echo "initramfs-tools, dracut; $BOOTS rounds): the same qemu ($(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}'), TCG, -m 512,"
	echo "one vCPU, virtio-net), started by direct kernel boot (-kernel/-initrd/-append,"
	echo "no firmware PXE: firmware and TFTP would add the same seconds to all three),"
	echo "the same bridge, dnsmasq and nfs-ganesha $(ganesha.nfsd -v 2>/dev/null | sed -n 's/.*Release = V\{0,1\}\([0-9.]*\).*/\1/p' | head -n 1)"
	echo "(the lab's configuration, with NFSv3 and rpcbind added for klibc) and the"
	echo "same busybox root, whose /sbin/init writes a marker to /dev/kmsg first."
	echo
	echo "- **hopeless**: \`hopeless initramfs build\` ($(awk -v s="${SIZE[hopeless]:-0}" 'BEGIN { printf "%.1f MiB", s / 1048576 }')); the full union (root + overlay +"
	echo "  host layer over NFSv4.1, upper: the node's ext4 state image on NFS via loop)."
	echo "- **initramfs-tools** $(pkgver initramfs-tools initramfs-tools) (Debian 12), MODULES=netboot, BOOT=nfs, its default"
	echo "  compression; klibc ipconfig (ip=dhcp) and nfsmount (NFSv3); the root read-only."
	echo "- **dracut** $(pkgver dracut dracut) (Debian 12) with its nfs module, \`--no-hostonly\`, systemd $(pkgver dracut systemd)"
	echo "  in the initramfs, network-legacy (dhclient; with systemd-networkd, dracut's own pick"
	echo "  when systemd is there, nothing runs its netroot hook and the NFS root is never mounted);"
	echo "  root=nfs4:..., ip=dhcp, rd.neednet=1; the root read-only."
	echo
	echo "Kernel command lines (the server's address varies per run):"
	echo
	echo '```'
	for a in $INITS; do echo "$a: ${CMD[$a]}"; done
	echo '```'
	echo
	echo "Each anchor image is built by its own tool in an mmdebstrap chroot (Debian"
	echo "bookworm) holding the lab kernel's modules; the anchors boot with \`quiet\`"
	echo "(their distribution's default), hopeless with its own line (loglevel=4)."
	echo
	echo "How it is measured: **/init -> root init** is the printk time of the root's"
	echo "marker minus that of \"Run /memprobe as init process\" (printk.time=1; read"
	echo "back from the kernel log by the root's init). **qemu -> marker** is wall time"
	echo "from starting qemu until the marker shows on the serial console (polled"
	echo "every 20 ms). **Bytes** are the tap's counters on the head node's bridge,"
	echo "read before qemu starts and after it exits (the root's init powers off right"
	echo "after the marker with \`poweroff -f\`, no unmount): *to the node* is the tap's"
	echo "tx (what the node fetched from the head node: DHCP, NFS), *from the node* its rx."
	echo "All three read the root's busybox ($(stat -c %s "$SRC/bin/busybox") bytes) over NFS to run its init:"
	echo "most of the bytes to the node are that, the same for all three."
	echo "**Peak memory** is the largest MemTotal - MemAvailable (and MemTotal -"
	echo "MemFree, which also counts page cache) seen by a sampler (bench/memprobe.c)"
	echo "that every image gets the same way: a second gzip'ed cpio appended to the"
	echo "image (not counted in its size) holds /memprobe; the kernel runs it first"
	echo "(rdinit=/memprobe), it forks a child that reads /proc/meminfo every 5 ms"
	echo "and execs the image's own /init as PID 1; the child stops once PID 1's"
	echo "executable is on another file system (the root's init runs). It includes"
	echo "the unpacked initramfs itself and the kernel's own use, so the three share"
	echo "a baseline. The sampler costs each boot a little CPU (one vCPU under TCG)."
	echo "Ratios are alternative / hopeless, of the medians. Machine caveats: no KVM,"
	echo "2 shared cores, other VMs running: read min/median/max, not one figure."
	echo
	echo "| figure (min / median / max over $BOOTS boots) | hopeless | initramfs-tools | ratio | dracut | ratio |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	line="| boots that reached the root's init |"
	for a in $INITS; do line="$line $(okcount "$a")/$BOOTS |"; [ "$a" = hopeless ] || line="$line |"; done
	echo "$line"
	line="| initramfs size, bytes (compressed, as built) |"
	for a in $INITS; do
		line="$line ${SIZE[$a]} |"
		[ "$a" = hopeless ] || line="$line $(ratio "${SIZE[$a]}" "${SIZE[hopeless]:-}") |"
	done
	echo "$line"
	row "/init -> root init, s (printk)" 5 "%.2f" 1
	row "qemu start -> marker, s (wall)" 4 "%.2f" 1
	row "bytes to the node (tap tx), KiB" 6 "%.0f" 1024
	row "bytes from the node (tap rx), KiB" 7 "%.0f" 1024
	row "peak MemTotal - MemAvailable, MiB" 8 "%.1f" 1024
	row "peak MemTotal - MemFree, MiB" 9 "%.1f" 1024
	echo
	echo "Where hopeless-init's time goes (the terms of its \`profile:\` line, in its"
	echo "order: each step's duration on the init's own path, the core modules"
	echo "loading beside nic-modules and net in a child; total: /init start to the"
	echo "exec of the root's init, by its own clock; floor: the kernel's CPU time"
	echo "loading modules plus the DHCP round trips, the part no init can go"
	echo "below; docs/boot.md explains what is above it):"
	echo
	echo "| step | median s | min s | max s |"
	echo "| --- | ---: | ---: | ---: |"
	for s in $(awk '!seen[$2]++ { print $2 }' "$W/steps" 2>/dev/null); do
		awk -v s="$s" '$2 == s { print $3 }' "$W/steps" 2>/dev/null | sort -g |
			awk -v s="$s" '{ v[NR] = $1 } END { if (!NR) { printf "| %s | - | - | - |\n", s; exit }
				m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
				printf "| %s | %.3f | %.3f | %.3f |\n", s, m, v[1], v[NR] }'
	done
	echo
	echo "Reproduce: \`bench/anchors.sh --md FILE [--boots N]\` (or \`bench/run.sh anchors\`);"
	echo "delete cache/anchors/$KVER/ to rebuild the anchors' images."
} > "$MD"
say "wrote $MD"
cat "$W/results" >&2
[ "$fails" = 0 ] || { echo "bench: anchors: an init never reached the root's init (see above)" >&2; exit 1; }
