#!/bin/bash
# End to end: the NFS server never starts. (a) hopeless.timeout=20
# hopeless.onfail=halt: the node says why and powers off (qemu exits by
# itself). (b) hopeless.onfail=shell with an initramfs built --rescue-shell:
# the console offers the rescue shell and it waits there.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab-halt
"$HOPELESS" lab --boot direct --nfs-delay never --expect-fail --timeout 90 \
	--append "hopeless.timeout=20 hopeless.onfail=halt" --workdir "$W" --keep > "$SCRATCH/halt.out" 2>&1
rc=$?
cat "$SCRATCH/halt.out"
c1=$W/console-1.log
check "halt: lab exits 0 (the node did not come up)" test "$rc" = 0
check "halt: the node retried" grep -q 'attempt 2 failed' "$c1"
check "halt: the node said why it gave up" grep -q 'ERROR: boot failed: no success after [0-9]* attempt(s) in 20 s (last error: Connection refused)' "$c1"
check "halt: the node announced the power-off" grep -q 'onfail=halt: powering off' "$c1"
check "halt: qemu exited by itself" grep -q 'did not come up, as expected; qemu exited by itself' "$SCRATCH/halt.out"
check "halt: never switched root" sh -c "! grep -q 'switchroot: exec' '$c1'"
echo "# halt: gave up at $(grep -m1 'boot failed' "$c1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/') s uptime (timeout 20 s from /init)"
rm -rf "$W"

W=$SCRATCH/lab-shell
"$HOPELESS" lab --boot direct --nfs-delay never --expect-fail --rescue-shell --timeout 90 \
	--append "hopeless.timeout=10 hopeless.onfail=shell" --workdir "$W" --keep > "$SCRATCH/shell.out" 2>&1
rc=$?
cat "$SCRATCH/shell.out"
c1=$W/console-1.log
check "shell: lab exits 0 (the node did not come up)" test "$rc" = 0
check "shell: the node said why it gave up" grep -q 'ERROR: boot failed: no success after' "$c1"
check "shell: the console offers the rescue shell" grep -q 'onfail=shell: starting a rescue shell; exit it to reboot' "$c1"
check "shell: the shell was waiting (not rebooted) 3 s later" grep -q 'rescue shell waiting' "$W/events"
check "shell: the initramfs carries busybox" sh -c "zcat '$W'/tree/tftp/boot/lab-root/initrd.img | cpio -it 2>/dev/null | grep -q '^bin/sh$'"
rm -rf "$W"
done_testing
