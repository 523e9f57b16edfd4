#!/bin/bash
# Benchmark (not a test; make check does not run it): hopeless node add and
# hopeless config for N nodes, against what an administrator would do by
# hand with mkdir/sed/ssh-keygen/truncate/mkfs.ext4 and a shell loop writing
# the same service configs. Prints time and disk use (du) of each phase and
# the ratio hopeless / by hand.
#
#   bench/node-scale.sh [N] [IMAGE_SIZE]     (default 10000 nodes, 16M images)
#
# Disk: by hand, a fully initialised ext4 image (lazy_itable_init=0) of 16M
# occupies about 1.2 MB on the head node and one of 1G ~33 MB, 330 GB for
# 10,000, too much for a test machine, so the image phase uses IMAGE_SIZE.
# hopeless copies one pristine image (reflink, or its data ranges only).
set -eu
N=${1:-10000}
SIZE=${2:-16M}
TOP=$(cd "$(dirname "$0")/.." && pwd)
HOPELESS=${HOPELESS:-$TOP/build/hopeless}
W=$(mktemp -d /tmp/hopeless-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
el() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
du_m() { du -sm "$@" | awk '{s += $1} END {print s}'; }
declare -A T D KB

mkdir -p "$W/r/boot"
for i in $(seq 1 "$N"); do printf '52:54:%02x:%02x:%02x:%02x\n' $((i >> 24 & 255)) $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)); done > "$W/macs"
setup() { # tree
	"$HOPELESS" -C "$1" init --server 10.128.0.1 --netmask 255.128.0.0 --image-size "$SIZE" >/dev/null
	"$HOPELESS" -C "$1" root add deb12 --from "$W/r" >/dev/null
	"$HOPELESS" -C "$1" overlay add compute >/dev/null
}
echo "# $N nodes, images of $SIZE, in $W"

# --- hopeless ---
setup "$W/h1"
t=$(now)
"$HOPELESS" -C "$W/h1" node add "n[1-$N]" --ip 10.128.0.10+ --mac-file "$W/macs" --root deb12 --overlay compute --state tmpfs >/dev/null
T[h_keys]=$(el "$t"); D[h_keys]=$(du_m "$W/h1/clients" "$W/h1/nodes")
setup "$W/h2"
t=$(now)
"$HOPELESS" -C "$W/h2" node add "n[1-$N]" --ip 10.128.0.10+ --mac-file "$W/macs" --root deb12 --overlay compute --state image >/dev/null
T[h_all]=$(el "$t"); D[h_images]=$(du_m "$W/h2/state")
T[h_images]=$(awk -v a="${T[h_all]}" -v b="${T[h_keys]}" 'BEGIN { printf "%.1f", a - b }')
t=$(now)
"$HOPELESS" -C "$W/h2" config >/dev/null
T[h_config]=$(el "$t"); D[h_config]=$(du_m "$W/h2/etc" "$W/h2/tftp")
t=$(now)
"$HOPELESS" -C "$W/h2" config >/dev/null
T[h_unchanged]=$(el "$t"); D[h_unchanged]=-
KB[h]=$(du -sk "$W/h2/state" | awk -v n="$N" '{printf "%.0f", $1 / n}')
rm -rf "$W/h1"

# --- by hand ---
M=$W/manual
mkdir -p "$M/clients" "$M/state" "$M/etc" "$M/tftp/pxelinux.cfg" "$M/tftp/ipxe"
ip_of() { local n=$(( (10 << 24) + (128 << 16) + 10 + $1 - 1 )); echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))"; }
t=$(now)
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
T[m_keys]=$(el "$t"); D[m_keys]=$(du_m "$M/clients")
t=$(now)
for i in $(seq 1 "$N"); do
	s=$M/state/$(ip_of "$i"); mkdir -p -m 700 "$s"
	truncate -s "$SIZE" "$s/rw.img"
	mkfs.ext4 -q -F -L hopeless-state -E lazy_itable_init=0,lazy_journal_init=0 "$s/rw.img"
done
T[m_images]=$(el "$t"); D[m_images]=$(du_m "$M/state")
KB[m]=$(du -sk "$M/state" | awk -v n="$N" '{printf "%.0f", $1 / n}')
t=$(now)
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
T[m_config]=$(el "$t"); D[m_config]=$(du_m "$M/etc" "$M/tftp")
# By hand there is no "unchanged": the loop rewrites everything again.
T[m_unchanged]=${T[m_config]}; D[m_unchanged]=-

printf '%-28s %10s %10s %8s %12s %12s\n' phase "hopeless s" "by hand s" ratio "hopeless MB" "by hand MB"
row() { printf '%-28s %10.1f %10.1f %8.2f %12s %12s\n' "$1" "${T[h_$2]}" "${T[m_$2]}" "$(awk -v a="${T[h_$2]}" -v b="${T[m_$2]}" 'BEGIN { printf "%.2f", a / b }')" "${D[h_$2]}" "${D[m_$2]}"; }
row "host dirs + ssh keys" keys
row "state images ($SIZE)" images
row "service configs (cold)" config
row "service configs (unchanged)" unchanged
echo "# disk allocated per node before first boot (du of state/ / N, $SIZE images, $(stat -f -c %T "$W")): hopeless ${KB[h]} KiB, by hand ${KB[m]} KiB"
