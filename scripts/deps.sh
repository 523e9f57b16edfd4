#!/bin/sh
# Installs what hopeless needs on Debian 12 when it is missing, and fetches the
# Debian kernels the lab and the tests boot into cache/kernels/ (git ignores it).
# Idempotent: a second run does nothing but check.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config libkmod-dev zlib1g-dev libext2fs-dev libssl-dev musl-tools kmod
e2fsprogs cpio busybox-static qemu-system-x86 ipxe-qemu ipxe dnsmasq-base
nfs-ganesha nfs-ganesha-vfs rpcbind pxelinux syslinux-common iproute2 clang
libclang-rt-14-dev cppcheck openssh-client mmdebstrap debootstrap isc-dhcp-server
kea-dhcp4-server zstd xz-utils file python3
ovmf shim-signed grub-efi-amd64-signed openipmi ipmitool nginx-light
libnfs-dev libnfs-utils tcpdump strace xfsprogs libtirpc-dev
ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-fuse nfs-ganesha-ceph
nfs-ganesha-rados-grace"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: need root to install packages (run: sudo make deps)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Services such as isc-dhcp-server try to start on install and fail (no
	# config, maybe no init system); hopeless runs its own instances, so keep
	# package scripts from starting any (policy-rc.d exit 101: "not allowed").
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ -z "$policy" ] || { rm -f "$policy"; trap - EXIT; }
fi
# nfs-ganesha's package starts its own service on install; the lab runs its own
# instances inside namespaces and does not need (or touch) the system one.

# Kernels: the cloud flavour (virtio, small) and the generic one (e1000, ...).
fetch_kernel() { # flavour meta-package
	flavour=$1 meta=$2
	dest=cache/kernels/$flavour
	[ -f "$dest/.done" ] && return 0
	pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -qq
		pkg=$(apt-cache depends "$meta" | awk '/Depends: linux-image-/{print $2; exit}')
	fi
	[ -n "$pkg" ] || { echo "deps: cannot find the package behind $meta" >&2; exit 1; }
	echo "deps: fetching $pkg"
	rm -rf "$dest" && mkdir -p "$dest/dl"
	(cd "$dest/dl" && apt-get download "$pkg" >/dev/null 2>&1)
	dpkg-deb -x "$dest"/dl/*.deb "$dest/root"
	rm -rf "$dest/dl"
	kver=$(ls "$dest/root/lib/modules")
	# A kernel unpacked from a .deb has no modules.dep; a real root has one.
	depmod -b "$dest/root" "$kver"
	echo "$kver" > "$dest/.done"
}
fetch_kernel cloud linux-image-cloud-amd64
if [ "${HOPELESS_GENERIC_KERNEL:-1}" = 1 ]; then
	fetch_kernel generic linux-image-amd64
fi
echo "deps: ok"
