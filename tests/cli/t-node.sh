#!/bin/bash
# hopeless node: templates, ssh host keys, list/show/set/rm/reset/inspect,
# and every bad input (one line, non-zero exit, tree byte-identical).
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }

check "init" q H init --server 10.9.0.1 --image-size 16M --domain lab.test
check "init installs the shipped default template" test -f "$T/templates/default/etc/hostname"
check "hopeless.conf names the domain" grep -qx 'domain = lab.test' "$T/hopeless.conf"
R=$SCRATCH/rootsrc
mkdir -p "$R/boot" "$R/etc" && echo "root motd" > "$R/etc/motd" && echo root > "$R/etc/marker"
ln -s /etc/shadow "$R/etc/escape"
check "root add" q H root add deb12 --from "$R"
check "overlay add" q H overlay add compute
check "second overlay add" q H overlay add storage
mkdir -p "$T/roots/compute/1/etc" && echo "cluster issue" > "$T/roots/compute/1/etc/issue"

check "node add (image)" q H node add n1 --ip 10.9.0.11 --mac 52:54:00:00:09:11 --root deb12 --overlay compute
check "node add (tmpfs)" q H node add n2 --ip 10.9.0.12 --mac 52:54:00:00:09:12 --root deb12 --overlay compute --state tmpfs
check "template: etc/hostname" test "$(cat "$T/clients/10.9.0.11/etc/hostname")" = n1
check "template: etc/mailname uses the domain" test "$(cat "$T/clients/10.9.0.11/etc/mailname")" = n1.lab.test
check "template: node.env has IP and MAC" grep -q 'HOPELESS_IP=10.9.0.11' "$T/clients/10.9.0.11/etc/hopeless/node.env"
check "template: no @KEY@ left" sh -c "! grep -rq '@[A-Z]*@' '$T/clients/10.9.0.11/etc'"

# A custom template: substitution in contents, not names; binary copied as
# is; modes and symlinks kept.
G=$T/templates/gpu
mkdir -p "$G/etc/@HOSTNAME@" && printf 'ip=@IP@ mac=@MAC@\n' > "$G/etc/gpu.conf" && chmod 600 "$G/etc/gpu.conf"
printf '@IP@\000@IP@' > "$G/etc/blob" && ln -s gpu.conf "$G/etc/gpu.link"
check "node add --template gpu --ssh-rsa" q H node add n3 --ip 10.9.0.13 --mac 52:54:00:00:09:13 --root deb12 --overlay compute --template gpu --ssh-rsa
C3=$T/clients/10.9.0.13
check "gpu template substituted" test "$(cat "$C3/etc/gpu.conf")" = "ip=10.9.0.13 mac=52:54:00:00:09:13"
check "gpu template mode kept" test "$(stat -c %a "$C3/etc/gpu.conf")" = 600
check "binary file copied as is" cmp -s "$G/etc/blob" "$C3/etc/blob"
check "symlink kept" test "$(readlink "$C3/etc/gpu.link")" = gpu.conf
check "names not substituted" test -d "$C3/etc/@HOSTNAME@"
check "gpu template node has no default-template files" test ! -e "$C3/etc/mailname"

# ssh host keys
S1=$T/clients/10.9.0.11/etc/ssh S2=$T/clients/10.9.0.12/etc/ssh
check "ed25519 and ecdsa keys" test -f "$S1/ssh_host_ed25519_key" -a -f "$S1/ssh_host_ecdsa_key.pub"
check "no rsa key by default" test ! -e "$S1/ssh_host_rsa_key"
check "rsa key with --ssh-rsa" test -f "$C3/etc/ssh/ssh_host_rsa_key"
check "private keys 0600" test "$(stat -c %a "$S1/ssh_host_ed25519_key" "$S1/ssh_host_ecdsa_key" | sort -u)" = 600
check "public keys 0644" test "$(stat -c %a "$S1"/*.pub | sort -u)" = 644
check "keys differ between nodes" test "$(cut -d' ' -f2 "$S1/ssh_host_ed25519_key.pub")" != "$(cut -d' ' -f2 "$S2/ssh_host_ed25519_key.pub")"
check "key is a valid ed25519 key" sh -c "ssh-keygen -l -f '$S1/ssh_host_ed25519_key' | grep -q ED25519"

# list and show
check "list sorted by IP" test "$(H node list | awk 'NR>1{print $1}' | tr '\n' ' ')" = "n1 n2 n3 "
check "list --json parses" python3 -c "
import json,subprocess,sys
a=json.loads(subprocess.check_output(['$HOPELESS','-C','$T','node','list','--json']))
assert [n['hostname'] for n in a]==['n1','n2','n3'], a
keys={'hostname','ip','mac','root','overlay','state','boot','server','running','next_boot','registered','registered_at','append'}
assert all(set(n)==keys for n in a), a
assert a[1]['state']=='tmpfs' and a[0]['server']=='10.9.0.1' and a[0]['registered']=='manual'"
H node show n1 > "$SCRATCH/show"
check "show: ip" grep -qx 'ip: 10.9.0.11' "$SCRATCH/show"
check "show: host overlay path" grep -qx "host overlay: $T/clients/10.9.0.11" "$SCRATCH/show"
check "show: image size" grep -qx 'image size: 16.0 MiB' "$SCRATCH/show"
check "show: image usage" grep -q '^image usage: [0-9.]* [KM]iB' "$SCRATCH/show"
check "show: ssh keys" grep -qx 'ssh host keys: ed25519 ecdsa' "$SCRATCH/show"
check "show: no backups yet" grep -qx 'backups: none' "$SCRATCH/show"

# set
check "set tmpfs -> image creates the image" q H node set n2 --state image
check "image exists now" test -f "$T/state/10.9.0.12/rw.img"
check "set image -> tmpfs keeps the image" q H node set n2 --state tmpfs
check "image kept" test -f "$T/state/10.9.0.12/rw.img"
check "set --server --append --boot" q H node set n2 --server 10.9.0.2,10.9.0.3 --append "quiet loglevel=3" --boot pxelinux
check "conf updated" sh -c "grep -qx 'server = 10.9.0.2,10.9.0.3' '$T/nodes/n2.conf' && grep -qx 'boot = pxelinux' '$T/nodes/n2.conf' && grep -qx 'append = quiet loglevel=3' '$T/nodes/n2.conf'"
check "set --overlay" q H node set n2 --overlay storage
check "hopeless.overlay updated" test "$(cat "$T/clients/10.9.0.12/hopeless.overlay")" = storage
check "set prints the config hint" sh -c "'$HOPELESS' -C '$T' node set n2 --append '' | grep -q 'hopeless config'"

# inspect: a file the node wrote into its image, then the lower layers
IMG=$T/state/10.9.0.11/rw.img
# Images are copies of one pristine image in .work/: each must be a sound
# file system of its own (its own UUID) and cost (almost) nothing yet.
check "a new image passes e2fsck -fn" e2fsck -fn "$IMG"
uuid_of() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p'; }
check "images have UUIDs of their own" test -n "$(uuid_of "$IMG")" -a "$(uuid_of "$IMG")" != "$(uuid_of "$T/state/10.9.0.12/rw.img")"
check "pristine image stays in .work/" sh -c "ls '$T'/.work/pristine.*.img >/dev/null"
echo "# disk allocated per new image: $(du -k "$IMG" | cut -f1) KiB ($(stat -f -c %T "$T"))"
check "a new image allocates 1 MiB or less" test "$(du -k "$IMG" | cut -f1)" -le 1024
echo "node motd" > "$SCRATCH/motd"
debugfs -w -R "mkdir /upper" "$IMG" >/dev/null 2>&1
debugfs -w -R "mkdir /upper/etc" "$IMG" >/dev/null 2>&1
debugfs -w -R "write $SCRATCH/motd /upper/etc/motd" "$IMG" >/dev/null 2>&1
check "inspect reads the node's write from the image" test "$(H node inspect n1 /etc/motd 2>/dev/null)" = "node motd"
check "inspect names the layer on stderr" sh -c "'$HOPELESS' -C '$T' node inspect n1 /etc/motd 2>&1 >/dev/null | grep -q 'writable layer'"
check "inspect falls back to the host overlay" test "$(H node inspect n1 /etc/hostname 2>/dev/null)" = n1
check "inspect falls back to the cluster overlay" test "$(H node inspect n1 /etc/issue 2>/dev/null)" = "cluster issue"
check "inspect falls back to the root" test "$(H node inspect n1 /etc/marker 2>/dev/null)" = root
check "inspect of a tmpfs node reads the lower layers" test "$(H node inspect n3 /etc/motd 2>/dev/null)" = "root motd"

# reset: fresh image, timestamped backup unless --no-backup, keys survive
keys_before=$(cat "$S1"/ssh_host_*)
check "reset" q H node reset n1
check "reset keeps a timestamped backup outside the state export" test "$(ls "$T/backups/10.9.0.11" | grep -c '^rw\.img\.[0-9]\{8\}T[0-9]\{6\}')" = 1
check "the state export holds only rw.img" test "$(ls -A "$T/state/10.9.0.11")" = rw.img
check "backups/ is root-only" test "$(stat -c %a "$T/backups")" = 700
check "backup holds the node's write" sh -c "debugfs -c -R 'cat /upper/etc/motd' \$(ls -d '$T'/backups/10.9.0.11/rw.img.2*) 2>/dev/null | grep -q 'node motd'"
check "fresh image has no upper file: inspect shows the root's" test "$(H node inspect n1 /etc/motd 2>/dev/null)" = "root motd"
check "ssh keys survive reset" test "$(cat "$S1"/ssh_host_*)" = "$keys_before"
check "show lists the backup and where it is" sh -c "'$HOPELESS' -C '$T' node show n1 | grep -qx \"backups: \$(ls '$T/backups/10.9.0.11') (in $T/backups/10.9.0.11)\""
check_rejects "reset --from of an image node (files: copied by hand)" node reset n1 --from "$(ls "$T/backups/10.9.0.11")"
check "reset --no-backup" q H node reset n1 --no-backup
check "no second backup" test "$(ls "$T/backups/10.9.0.11" | grep -c '^rw\.img\.')" = 1
check "reset image is 0600" test "$(stat -c %a "$IMG")" = 600
uid=$(sed -n 's/^state_uid *= *//p' "$T/hopeless.conf")
check "reset image belongs to state_uid ($uid), its directory to root" \
	test "$(stat -c %u:%g "$IMG") $(stat -c '%u %a' "$T/state/10.9.0.11")" = "$uid:$uid 0 755"

# rm
out=$(H node rm n3)
check "rm n3" test -n "$out"
check "rm says where the state is kept" sh -c "echo '$out' | grep -q 'kept in $T/state/10.9.0.13'"
check "rm removed the entry and the host overlay" test ! -e "$T/nodes/n3.conf" -a ! -e "$T/clients/10.9.0.13"
check "rm kept the state" test -d "$T/state/10.9.0.13"
check "rm --purge n2" q H node rm n2 --purge
check "rm --purge removed the state" test ! -e "$T/state/10.9.0.12" -a ! -e "$T/clients/10.9.0.12"
check "rm --purge kept the image in backups/" test "$(ls "$T/backups/10.9.0.12" | grep -c '^rw\.img\.2')" = 1
check "list after rm" test "$(H node list | awk 'NR>1{print $1}')" = n1
check "no world-writable file" test -z "$(find "$T" -perm -o+w ! -type l)"

A=(--root deb12 --overlay compute)
check_rejects "template name with .." node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --template ../templates
check_rejects "template name with /" node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --template a/b
check_rejects "unknown template" node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --template nope
check_rejects "address taken by a removed node's kept state" node add n4 --ip 10.9.0.13 --mac 52:54:00:00:09:14 "${A[@]}"
check_rejects "bad --server" node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --server 10.9.0
check_rejects "unknown option" node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --frob
check_rejects "option without value" node add n4 --ip 10.9.0.14 --mac 52:54:00:00:09:14 "${A[@]}" --state
check_rejects "show unknown node" node show nope
check_rejects "show with ../" node show ../n1
check_rejects "show without host" node show
check_rejects "list with an argument" node list extra
check_rejects "list with --purge" node list --purge
check_rejects "set unknown node" node set nope --state tmpfs
check_rejects "set nothing" node set n1
check_rejects "set bad state" node set n1 --state disk
check_rejects "set bad boot" node set n1 --boot floppy
check "set --boot grub" q H node set n1 --boot grub
check "conf says boot = grub" grep -qx 'boot = grub' "$T/nodes/n1.conf"
check "set --boot ipxe again" q H node set n1 --boot ipxe
check_rejects "set bad server" node set n1 --server 10.9.0.300
check_rejects "set bad server list" node set n1 --server 10.9.0.2,
check_rejects "set unknown root" node set n1 --root nope
check_rejects "set an overlay as root" node set n1 --root compute
check_rejects "set append with control char" node set n1 --append "$(printf 'a\001b')"
check_rejects "set with an add option" node set n1 --mac 52:54:00:00:09:99
check_rejects "rm unknown node" node rm nope
check_rejects "rm with --no-backup" node rm n1 --no-backup
check_rejects "reset unknown node" node reset nope
check_rejects "inspect relative path" node inspect n1 etc/motd
check_rejects "inspect with .." node inspect n1 /etc/../../../etc/passwd
check_rejects "inspect with a quote" node inspect n1 '/etc/"x'
check_rejects "inspect missing file" node inspect n1 /etc/nonexistent
check_rejects "inspect a directory" node inspect n1 /etc
check_rejects "inspect does not follow a symlink out of the root" node inspect n1 /etc/escape
check_rejects "inspect unknown node" node inspect nope /etc/motd
check_rejects "unknown subcommand" node frob
check "reset of a tmpfs node is refused" sh -c "q() { :; }; H() { '$HOPELESS' -C '$T' \"\$@\"; }
	H node add n5 --ip 10.9.0.15 --mac 52:54:00:00:09:15 --root deb12 --overlay compute --state tmpfs >/dev/null &&
	! H node reset n5 2>/dev/null"
check "--help for every node subcommand" sh -c "for s in add list show set rm reset inspect; do '$HOPELESS' node \$s --help | grep -q usage || exit 1; done"
done_testing
