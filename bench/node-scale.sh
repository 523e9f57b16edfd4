#!/bin/bash
# Benchmark (not a test; make check does not run it): the head node's side
# of a large cluster. hopeless node add, hopeless config (cold and
# unchanged) and hopeless status over N nodes, against what an administrator
# does by hand: a shell loop with mkdir/printf/ssh-keygen/truncate/mkfs.ext4
# writing the same host directories, state images and service configs, and
# awk over the events log for status. Prints each phase's time and the
# ratio; with --md FILE also writes the section of docs/benchmarks.md.
#
#   bench/node-scale.sh [--md FILE] [N] [IMAGE_SIZE]   (default 10000 nodes, 16M)
#
# Both sides run on the same fresh file systems, made for the run in sparse
# files and loop-mounted (a head node's /srv is not a /tmp with a history of
# deleted files, and ext4's inode allocator slows down on one): XFS with
# reflinks (mkfs.xfs' default in Debian 12) for the timed phases, and ext4
# for the disk figure without reflinks.
#
# Image size: by hand, a fully initialised ext4 image (lazy_itable_init=0)
# of 16M occupies about 1.2 MB and an mkfs.ext4 of 1G about 33 MB (its
# journal), 330 GB for 10,000 nodes, more than a test machine has; so the
# timed comparison uses IMAGE_SIZE for both sides, and the 1 GiB disk figure
# (hopeless' default image size) is measured on SAMPLE nodes by hand.
set -eu
MD=""
if [ "${1:-}" = "--md" ]; then MD=$2; shift 2; fi
N=${1:-10000}
SIZE=${2:-16M}
SAMPLE=100
ROUNDS=${ROUNDS:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
[ "$(id -u)" = 0 ] || { echo "node-scale: needs root (loop-mounted file systems)" >&2; exit 1; }
for p in mkfs.xfs mkfs.ext4 ssh-keygen fsfreeze; do
	command -v "$p" >/dev/null || { echo "node-scale: $p is missing (run make deps)" >&2; exit 1; }
done
[ -x "$HOPELESS" ] || { echo "node-scale: $HOPELESS is missing (run make)" >&2; exit 1; }
W=$(mktemp -d /var/tmp/hopeless-nodescale.XXXXXX)
cleanup() {
	for m in "$W"/xfs* "$W/ext4"; do mountpoint -q "$m" && umount "$m"; done
	rm -rf "$W"
}
trap cleanup EXIT
log() { echo "node-scale: [$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }
el() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
used_k() { df --output=used -k "$1" | tail -1; }
# quiet FS: each timed phase starts with nothing of the phase before still
# being written back. sync makes it durable, but XFS writes the metadata
# back in place later, in the background (and ext4 its journal); freezing
# the file system writes all of it back. (A node add of 10,000 nodes right
# after another on the same file system still runs 10-20 % slower than on
# a fresh one, with or without this; not explained yet.)
quiet() { sync; fsfreeze -f "$1" && fsfreeze -u "$1"; }
declare -A T

# mkfs_mount TYPE [NAME]: a fresh file system of that type at $W/NAME (default TYPE).
mkfs_mount() {
	local name=${2:-$1}
	truncate -s 200G "$W/$name.img"
	case $1 in
	xfs) mkfs.xfs -q -m reflink=1 "$W/$name.img" ;;
	ext4) mkfs.ext4 -q -F "$W/$name.img" ;;
	esac
	mkdir -p "$W/$name"
	mount -o loop "$W/$name.img" "$W/$name"
}
mkfs_mount xfs
mkfs_mount ext4
X=$W/xfs

mkdir -p "$W/r/boot"
for i in $(seq 1 "$N"); do printf '52:54:%02x:%02x:%02x:%02x\n' $((i >> 24 & 255)) $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)); done > "$W/macs"
setup() { # tree [image size]
	"$HOPELESS" -C "$1" init --server 10.128.0.1 --netmask 255.128.0.0 --image-size "$2" >/dev/null
	"$HOPELESS" -C "$1" root add deb12 --from "$W/r" >/dev/null
	"$HOPELESS" -C "$1" overlay add compute >/dev/null
}
add() { # tree state
	"$HOPELESS" -C "$1" node add "n[1-$N]" --ip 10.128.0.10+ --mac-file "$W/macs" --root deb12 --overlay compute --state "$2" >/dev/null
}
log "$N nodes, images of $SIZE, in $W (xfs and ext4 loop file systems)"

# --- hopeless ---
# ROUNDS rounds, each on a fresh XFS (the first one's stays for status and
# by hand): this machine's timings vary 15-25 % from run to run, so the
# table gives the median and the range. By hand runs once (minutes each).
med() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { print a "-" b }'; }
declare -a R_keys R_all R_images R_config R_unchanged
for k in $(seq 1 "$ROUNDS"); do
	F=$X
	if [ "$k" -gt 1 ]; then mkfs_mount xfs "xfs$k"; F=$W/xfs$k; fi
	setup "$F/h1" "$SIZE"
	quiet "$F"; t=$(now); add "$F/h1" tmpfs; sync; R_keys+=("$(el "$t")")
	setup "$F/h2" "$SIZE"
	quiet "$F"; t=$(now); add "$F/h2" image; sync; R_all+=("$(el "$t")")
	R_images+=("$(awk -v a="${R_all[-1]}" -v b="${R_keys[-1]}" 'BEGIN { printf "%.2f", a - b }')")
	quiet "$F"; t=$(now); "$HOPELESS" -C "$F/h2" config >/dev/null; R_config+=("$(el "$t")")
	quiet "$F"; t=$(now); "$HOPELESS" -C "$F/h2" config >/dev/null; R_unchanged+=("$(el "$t")")
	log "round $k: node add (host dirs + keys) ${R_keys[-1]} s, --state image ${R_all[-1]} s; config cold ${R_config[-1]} s, unchanged ${R_unchanged[-1]} s"
	rm -rf "$F/h1"
	if [ "$k" -gt 1 ]; then umount "$F"; rm -rf "$F" "$F.img"; fi
done
for p in keys all images config unchanged; do
	eval "v=(\"\${R_$p[@]}\")"
	T[h_$p]=$(med "${v[@]}")
	T[r_$p]=$(range "${v[@]}")
done

# The events of a whole cluster's boot: 8 per node, as hopeless serve logs
# them ("<received> <source> <RFC 5424>"), the last one a switchroot.
mkdir -p "$X/h2/log"
awk -v n="$N" 'BEGIN {
	split("modules dhcp nfs mounted upper union profile switchroot", ph, " ")
	for (k = 1; k <= 8; k++)
		for (i = 1; i <= n; i++) {
			a = 10 + i - 1; ip = sprintf("10.%d.%d.%d", 128 + int(a / 65536), int(a / 256) % 256, a % 256)
			printf "2026-12-01T10:%02d:%02d.000Z %s <29>1 - n%d hopeless-init 1 %s [hopeless@32473 phase=\"%s\" ip=\"%s\" t=\"%d.0\"] step %s\n",
				k, i % 60, ip, i, ph[k], ph[k], ip, k, ph[k]
		}
}' > "$X/h2/log/events.log"
quiet "$X"; t=$(now); "$HOPELESS" -C "$X/h2" status > "$W/status.h"; T[h_status]=$(el "$t")
log "hopeless status over $((8 * N)) events: ${T[h_status]} s ($(grep -c switchroot "$W/status.h") nodes at switchroot)"

# Disk per node, 1 GiB images (hopeless' default): allocated blocks (df)
# before and after node add, over everything node add writes.
for fs in xfs ext4; do
	setup "$W/$fs/g" 1G
	"$HOPELESS" -C "$W/$fs/g" node add x0 --ip 10.255.255.1 --mac 02:00:00:00:00:01 --root deb12 --overlay compute --state image >/dev/null
	quiet "$W/$fs"; u=$(used_k "$W/$fs"); t=$(now)
	add "$W/$fs/g" image; sync
	T[h_${fs}_1g]=$(el "$t")
	T[kb_$fs]=$(awk -v a="$(used_k "$W/$fs")" -v b="$u" -v n="$N" 'BEGIN { printf "%.0f", (a - b) / n }')
	log "hopeless, 1 GiB images on $fs: node add ${T[h_${fs}_1g]} s, ${T[kb_$fs]} KiB allocated per node"
	rm -rf "$W/$fs/g"
done

# --- by hand ---
M=$X/manual
mkdir -p "$M/clients" "$M/state" "$M/etc" "$M/tftp/pxelinux.cfg" "$M/tftp/ipxe"
ip_of() { local n=$(( (10 << 24) + (128 << 16) + 10 + $1 - 1 )); echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))"; }
quiet "$X"; t=$(now)
i=0
while read -r mac; do
	i=$((i + 1)); ip=$(ip_of $i); c=$M/clients/$ip
	mkdir -p "$c/etc/ssh" "$c/etc/hopeless"
	echo "n$i" > "$c/etc/hostname"; echo "n$i.cluster" > "$c/etc/mailname"
	printf 'PRETTY_HOSTNAME=n%s\nDEPLOYMENT=hopeless\n' "$i" > "$c/etc/machine-info"
	printf 'HOPELESS_HOSTNAME=n%s\nHOPELESS_IP=%s\nHOPELESS_MAC=%s\n' "$i" "$ip" "$mac" > "$c/etc/hopeless/node.env"
	echo deb12 > "$c/hopeless.root"; echo compute > "$c/hopeless.overlay"
	ssh-keygen -q -N "" -t ed25519 -C "root@n$i" -f "$c/etc/ssh/ssh_host_ed25519_key"
	ssh-keygen -q -N "" -t ecdsa -C "root@n$i" -f "$c/etc/ssh/ssh_host_ecdsa_key"
done < "$W/macs"
sync; T[m_keys]=$(el "$t")
log "by hand: host dirs + keys ${T[m_keys]} s"
quiet "$X"; t=$(now)
for i in $(seq 1 "$N"); do
	s=$M/state/$(ip_of "$i"); mkdir -p -m 700 "$s"
	truncate -s "$SIZE" "$s/rw.img"
	mkfs.ext4 -q -F -L hopeless-state -E lazy_itable_init=0,lazy_journal_init=0 "$s/rw.img"
done
sync; T[m_images]=$(el "$t")
T[m_all]=$(awk -v a="${T[m_keys]}" -v b="${T[m_images]}" 'BEGIN { printf "%.2f", a + b }')
log "by hand: state images ${T[m_images]} s"
quiet "$X"; t=$(now)
{
	echo "port=0"; echo "enable-tftp"; echo "tftp-root=$M/tftp"
	i=0; while read -r mac; do i=$((i + 1)); echo "dhcp-host=$mac,$(ip_of $i),n$i"; done < "$W/macs"
} > "$M/etc/dnsmasq.conf"
i=0
while read -r mac; do
	i=$((i + 1)); ip=$(ip_of $i); hy=${mac//:/-}
	echo "$M/state/$ip $ip(rw,no_root_squash,sync)" >> "$M/etc/exports"
	echo "$ip n$i" >> "$M/etc/hosts"
	printf 'DEFAULT n\nLABEL n\n KERNEL boot/deb12/vmlinuz\n APPEND initrd=boot/deb12/initrd.img hopeless.server=10.128.0.1 hopeless.state=image\n' > "$M/tftp/pxelinux.cfg/01-$hy"
	printf '#!ipxe\nkernel boot/deb12/vmlinuz hopeless.server=10.128.0.1\ninitrd boot/deb12/initrd.img\nboot\n' > "$M/tftp/ipxe/$hy.ipxe"
done < "$W/macs"
sync; T[m_config]=$(el "$t")
# By hand there is no "unchanged": the loop rewrites everything again.
T[m_unchanged]=${T[m_config]}
log "by hand: service configs ${T[m_config]} s"
# status by hand: the last event of every address, named from /etc/hosts.
quiet "$X"; t=$(now)
awk 'NR == FNR { name[$1] = $2; next } { last[$2] = $8 } END { for (ip in last) print name[ip], ip, last[ip] }' \
	"$M/etc/hosts" "$X/h2/log/events.log" | sort -V > "$W/status.m"
T[m_status]=$(el "$t")
log "by hand: status ${T[m_status]} s ($(grep -c switchroot "$W/status.m") nodes at switchroot)"
# 1 GiB images by hand, on SAMPLE nodes: what mkfs.ext4 allocates.
mkdir -p "$W/ext4/m"; sync; u=$(used_k "$W/ext4")
for i in $(seq 1 "$SAMPLE"); do truncate -s 1G "$W/ext4/m/$i.img"; mkfs.ext4 -q -F "$W/ext4/m/$i.img"; done
sync; T[kb_m]=$(awk -v a="$(used_k "$W/ext4")" -v b="$u" -v n="$SAMPLE" 'BEGIN { printf "%.0f", (a - b) / n }')
log "by hand, 1 GiB images: ${T[kb_m]} KiB allocated per node (mkfs.ext4 defaults, $SAMPLE nodes)"

# ratio HOPELESS BYHAND: "N.Nx faster" or "N.Nx slower" (hopeless against by hand)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0 || b <= 0) print "-"; else if (b >= a) printf "%.1fx faster", b / a; else printf "%.1fx slower", a / b }'; }
rows() { # FORMAT: one row per phase
	local f=$1
	printf "$f" "host directories + SSH keys (\`node add --state tmpfs\`)" "${T[h_keys]} s (${T[r_keys]})" "${T[m_keys]}" "$(ratio "${T[h_keys]}" "${T[m_keys]}")"
	printf "$f" "state images ($SIZE) on top" "${T[h_images]} s (${T[r_images]})" "${T[m_images]}" "$(ratio "${T[h_images]}" "${T[m_images]}")"
	printf "$f" "\`node add --state image\`, all of it" "${T[h_all]} s (${T[r_all]})" "${T[m_all]}" "$(ratio "${T[h_all]}" "${T[m_all]}")"
	printf "$f" "\`hopeless config\`, cold" "${T[h_config]} s (${T[r_config]})" "${T[m_config]}" "$(ratio "${T[h_config]}" "${T[m_config]}")"
	printf "$f" "\`hopeless config\`, unchanged" "${T[h_unchanged]} s (${T[r_unchanged]})" "${T[m_unchanged]}" "$(ratio "${T[h_unchanged]}" "${T[m_unchanged]}")"
	printf "$f" "\`hopeless status\`, $((8 * N)) events" "${T[h_status]} s" "${T[m_status]}" "$(ratio "${T[h_status]}" "${T[m_status]}")"
}
rows '%-58s %22s %9s s %14s\n' | sed 's/`//g'
echo "disk allocated per node before first boot, 1 GiB images: hopeless ${T[kb_xfs]} KiB on xfs (reflink), ${T[kb_ext4]} KiB on ext4; by hand ${T[kb_m]} KiB"
[ -n "$MD" ] || exit 0
{
	echo "## Head-node scale: $N nodes"
	echo
	echo "\`node add\`, \`hopeless config\` and \`hopeless status\` for $N nodes against the same work done by hand"
	echo "(a shell loop with mkdir, printf, two ssh-keygen and one truncate + mkfs.ext4 per node, writing the same"
	echo "host directories, state images, dnsmasq/exports/hosts and per-node PXE and iPXE files; awk over the events"
	echo "log for status). On fresh XFS file systems (reflinks on, Debian 12's default), loop-mounted for the run: hopeless"
	echo "runs $ROUNDS rounds, each on a file system of its own, and the table gives the median and the range (this"
	echo "machine's timings vary 15-25 % between runs); by hand runs once, on the first round's file system. Times include"
	echo "the final sync. Each timed phase, hopeless' and by hand, starts on a quiet file system (sync, then fsfreeze -f"
	echo "and -u: what the phase before left to XFS's background metadata writeback is written first). State images of"
	echo "$SIZE in the timed rows, since by hand a 1 GiB image costs 33 MB of disk and 10,000 of them do not fit here."
	echo
	echo "| phase | hopeless, median (range of $ROUNDS rounds) | by hand | hopeless is |"
	echo "|---|---:|---:|---:|"
	rows '| %s | %s | %s s | %s |\n'
	echo
	echo "\`node add\` builds the nodes in worker processes, one per CPU ($(nproc) here), while the parent flushes (syncfs)"
	echo "what they wrote so far; every command that reads the nodes (config, status, node list) loads their files in"
	echo "worker processes too, and \`config\` flushes the files it has staged while it writes the rest. By hand is one"
	echo "shell loop. \`hopeless status\` parses every line as strict RFC 5424, attributes it by source address, checks"
	echo "the name it claims and keeps each node's last error; the awk line only keeps each address's last phase word."
	echo "Most of status' time is reading the $N node files (three small files each), not the events."
	echo
	echo "Disk allocated per node before its first boot, with hopeless' default 1 GiB state image (used blocks before and"
	echo "after \`node add\` of $N nodes, divided by $N; host directory and keys included):"
	echo
	echo "| | per node | $N nodes |"
	echo "|---|---:|---:|"
	printf '| hopeless on XFS (reflink clone of one pristine image) | %s KiB | %s MiB |\n' "${T[kb_xfs]}" $(( ${T[kb_xfs]} * N / 1024 ))
	printf '| hopeless on ext4 (copy of the pristine image'"'"'s metadata blocks) | %s KiB | %s MiB |\n' "${T[kb_ext4]}" $(( ${T[kb_ext4]} * N / 1024 ))
	printf '| by hand, mkfs.ext4 defaults (%s nodes) | %s KiB | %s MiB |\n' "$SAMPLE" "${T[kb_m]}" $(( ${T[kb_m]} * N / 1024 ))
	echo
	printf '`node add --state image` of %s nodes with 1 GiB images took %s s on XFS and %s s on ext4.\n' "$N" "${T[h_xfs_1g]}" "${T[h_ext4_1g]}"
} > "$MD"
log "wrote $MD"
