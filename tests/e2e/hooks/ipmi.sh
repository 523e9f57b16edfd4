# lab hook for tests/e2e/t-power-console.sh: node1 gets a BMC. OpenIPMI's
# ipmi_sim runs in the lab's namespace and answers IPMI over LAN on
# $SERVER:6230; the VM reaches it through qemu's ipmi-bmc-extern device
# (chardev 127.0.0.1:9002 in the namespace), and its serial port is a TCP
# server (127.0.0.1:9003, wait=on) that ipmi_sim connects to for serial over
# LAN. hopeless serve (the lab's, --events-only) records node1's console
# through SOL into log/console/node1.log.
#
# Power on a VM that is not running makes ipmi_sim run its startcmd: a qemu
# like the lab's (same tap, MAC, PXE boot) but without -no-reboot, so a BMC
# reset reboots it in place. The lab's own first VM runs with -no-reboot:
# "power off" stops it (ipmi_sim's graceful off reaches qemu through the
# extern device) and every later boot is a VM that ipmi_sim started.
# While the node holds (lab --hold), hook_up drives hopeless power and
# console from the namespace and writes what they said to $WORK/power.log.

IPMI_DIR=$WORK/ipmi
IPMI_PORT=6230
BMC_LOG=$WORK/console-bmc.log

ipmi_vm_args() { # the VM's BMC device and its serial port; $1: console log
	echo "-chardev"; echo "socket,id=ipmi0,host=127.0.0.1,port=9002,reconnect=10"
	echo "-device"; echo "ipmi-bmc-extern,id=bmc0,chardev=ipmi0"
	echo "-device"; echo "isa-ipmi-kcs,bmc=bmc0"
	echo "-chardev"; echo "socket,id=ser0,host=127.0.0.1,port=9003,server=on,wait=on,logfile=$1,logappend=on"
	echo "-serial"; echo "chardev:ser0"
}

hook_setup() {
	mkdir -p "$IPMI_DIR/state"
	( umask 077; echo "lab-bmc-secret" > "$IPMI_DIR/password"; echo "not-the-password" > "$IPMI_DIR/wrong" )
	"$HOPELESS" -C "$TREE" node set "$NODE" --bmc "$SERVER:$IPMI_PORT" --bmc-user admin \
		--bmc-password-file "$IPMI_DIR/password" > "$IPMI_DIR/node-set.log" 2>&1
	local vm
	vm="qemu-system-x86_64 -accel tcg -m 512 -display none -monitor none"
	vm="$vm -netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device $NIC_DEV,netdev=n0,mac=$MAC -boot n"
	vm="$vm $(ipmi_vm_args "$BMC_LOG" | tr '\n' ' ')"
	cat > "$IPMI_DIR/emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
	cat > "$IPMI_DIR/lan.conf" <<EOF
name "lab"
set_working_mc 0x20
  startlan 1
    addr $SERVER $IPMI_PORT
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial 15 127.0.0.1 9002 codec VM
  startcmd "$vm"
  startnow false
  poweroff_wait 5
  kill_wait 3
  sol "tcp:127.0.0.1:9003" 115200 history=65536
  user 2 true "admin" "lab-bmc-secret" admin 10 none md2 md5 straight
EOF
}

hook_qemu_args() { # $1 tap: only node1's VM has the BMC
	[ "$1" = "$TAP" ] || return 0
	ipmi_vm_args "$WORK/console-1.log"
}

hook_before_boot() {
	[ "$1" = 1 ] || return 0
	# -n: no command console on stdin (without it, a stdin that epoll cannot
	# watch, such as /dev/null, makes ipmi_sim abort); -s: its own state dir.
	ip netns exec "$NS" sh -c 'exec ipmi_sim -c "$1" -f "$2" -s "$3" -n < /dev/null' sh \
		"$IPMI_DIR/lan.conf" "$IPMI_DIR/emu" "$IPMI_DIR/state" > "$IPMI_DIR/ipmi_sim.log" 2>&1 &
	IPMI_PID=$!
	PIDS+=("$IPMI_PID")
	for _ in $(seq 1 50); do
		ip netns exec "$NS" ss -lun 2>/dev/null | grep -q "$SERVER:$IPMI_PORT " && break
		sleep 0.1
	done
	say "hook: ipmi_sim running (pid $IPMI_PID) on $SERVER:$IPMI_PORT"
}

hp() { # hopeless in the namespace, its output and status in power.log
	local rc=0 out
	out=$(ip netns exec "$NS" "$HOPELESS" -C "$TREE" "$@" 2>&1) || rc=$?
	printf '== %s\n%s\nrc=%s\n' "$*" "$out" "$rc" >> "$WORK/power.log"
	say "hook: hopeless $*: $(echo "$out" | head -n 3 | tr '\n' ' ') (rc $rc)"
}

markers() { grep -a -c "HOPELESS-LAB-MARKER up" "$TREE/log/console/$NODE.log" 2>/dev/null || echo 0; }

wait_marker() { # $1: how many markers the recorded console must show; $2: what for
	local t0 i
	t0=$(date +%s.%N)
	for i in $(seq 1 240); do
		[ "$(markers)" -ge "$1" ] && break
		sleep 0.5
	done
	echo "marker $1 ($2): $(markers) after $(since "$t0") s" >> "$WORK/power.log"
	say "hook: $2: marker $(markers)/$1 after $(since "$t0") s"
}

vm_count() { pgrep -P "$IPMI_PID" 2>/dev/null | wc -l; }

hook_up() {
	[ "$1" = 1 ] || return 0
	: > "$WORK/power.log"
	hp power status "$NODE"
	hp power off "$NODE"
	sleep 1
	hp power status "$NODE"
	echo "lab qemu after power off: $(kill -0 "$QPID" 2>/dev/null && echo running || echo gone)" >> "$WORK/power.log"
	local m
	m=$(markers)
	hp power on "$NODE"
	sleep 1
	hp power status "$NODE"
	echo "vms started by the bmc: $(vm_count)" >> "$WORK/power.log"
	wait_marker $((m + 1)) "power on"
	hp power cycle "$NODE"
	wait_marker $((m + 2)) "power cycle"
	hp power reset "$NODE"
	wait_marker $((m + 3)) "power reset"
	# An interactive console (stdin a pipe here): it pauses the recorder.
	local rc=0
	timeout 20 ip netns exec "$NS" "$HOPELESS" -C "$TREE" console "$NODE" < <(sleep 4) \
		> "$WORK/console-attach.out" 2> "$WORK/console-attach.err" || rc=$?
	echo "rc=$rc" >> "$WORK/console-attach.err"
	# A wrong password: one line, non-zero. Then the right one again.
	"$HOPELESS" -C "$TREE" node set "$NODE" --bmc-password-file "$IPMI_DIR/wrong" > /dev/null 2>&1
	hp power status "$NODE"
	"$HOPELESS" -C "$TREE" node set "$NODE" --bmc-password-file "$IPMI_DIR/password" > /dev/null 2>&1
	"$HOPELESS" -C "$TREE" console "$NODE" --log > "$WORK/console-log.out" 2>&1 || true
}

hook_teardown() {
	[ -n "${IPMI_PID:-}" ] || return 0
	# SIGTERM to ipmi_sim would leave the VM it started running: that first.
	local p
	for p in $(pgrep -P "$IPMI_PID" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	kill "$IPMI_PID" 2>/dev/null || true
}
