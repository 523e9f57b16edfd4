#!/bin/bash
# End to end: power and console through a node's BMC. OpenIPMI's ipmi_sim is
# node1's BMC (hooks/ipmi.sh): hopeless power status/off/on/cycle/reset go
# to it over IPMI v2.0 (lanplus) and really stop, start and reboot the VM;
# hopeless serve records the node's console through serial over LAN, and
# hopeless console --log shows the boot lines it captured; a wrong BMC
# password gives one clear line and a non-zero status.
. "$(dirname "$0")/../lib.sh"
W=$SCRATCH/lab
"$HOPELESS" lab --hold 900 --hook "$(dirname "$0")/hooks/ipmi.sh" --workdir "$W" --keep > "$SCRATCH/lab.out" 2>&1
rc=$?
cat "$SCRATCH/lab.out"
check "lab exits 0" test "$rc" = 0
P=$W/power.log
sed 's/^/# /' "$P" 2>/dev/null
echo "# --- console attach"; sed 's/^/# /' "$W/console-attach.err" 2>/dev/null; head -c 300 "$W/console-attach.out" | sed 's/^/# /'
# The output of each "hopeless ARGS" run in power.log, by occurrence (1 = first).
out() { awk -v want="== $1" -v n="$2" '$0 == want { k++; grab = (k == n); next } /^== / { grab = 0 } grab { print } /^rc=/ { grab = 0 }' "$P"; }
check "node set --bmc stored the BMC" grep -q "node node1: BMC 10\..*:6230, user admin" "$W/ipmi/node-set.log"
check "the password is not in what node set printed" sh -c "! grep -q lab-bmc-secret '$W/ipmi/node-set.log'"
check "bmc/node1.conf is 0600, bmc/ 0700" test "$(stat -c %a "$W/tree/bmc/node1.conf") $(stat -c %a "$W/tree/bmc")" = "600 700"
check "power status: on while the node runs" test "$(out 'power status node1' 1)" = "$(printf 'node1: on\nrc=0')"
check "power off issued" test "$(out 'power off node1' 1)" = "$(printf 'node1: power off issued\nrc=0')"
check "power status: off after power off" test "$(out 'power status node1' 2)" = "$(printf 'node1: off\nrc=0')"
check "power off really stopped the VM" grep -qx "lab qemu after power off: gone" "$P"
check "power on issued" test "$(out 'power on node1' 1)" = "$(printf 'node1: power on issued\nrc=0')"
check "power status: on after power on" test "$(out 'power status node1' 3)" = "$(printf 'node1: on\nrc=0')"
check "power on started a VM" grep -qx "vms started by the bmc: 1" "$P"
m() { sed -n "s/^marker \([0-9]*\) ($1): \([0-9]*\) after.*/\1 \2/p" "$P"; }
ge() { set -- $1; [ -n "${2:-}" ] && [ "$2" -ge "$1" ]; }
check "power on: the node came up again ($(m 'power on'))" ge "$(m 'power on')"
check "power cycle issued" test "$(out 'power cycle node1' 1)" = "$(printf 'node1: power cycle issued\nrc=0')"
check "power cycle: the node rebooted ($(m 'power cycle'))" ge "$(m 'power cycle')"
check "power reset issued" test "$(out 'power reset node1' 1)" = "$(printf 'node1: power reset issued\nrc=0')"
check "power reset: the node rebooted ($(m 'power reset'))" ge "$(m 'power reset')"
L=$W/console-log.out
check "console --log: the init's lines, through SOL" grep -q "hopeless-init: .*union: " "$L"
check "console --log: the root's marker" grep -q "HOPELESS-LAB-MARKER up" "$L"
check "console --log: four boots recorded ($(grep -c 'HOPELESS-LAB-MARKER up' "$L"))" test "$(grep -c 'HOPELESS-LAB-MARKER up' "$L")" -ge 4
check "console --log: no escape characters reach the terminal" sh -c "! grep -q $'\e' '$L'"
check "console: an interactive session attached" grep -q "SOL Session operational" "$W/console-attach.out"
check "console: it paused the recorder" grep -q "pausing its recorder" "$W/console-attach.err"
check "console: the recorder resumed after it" sh -c "grep -a -A3 'recorder paused' '$W/tree/log/console/node1.log' | grep -q 'SOL Session operational'"
wrong=$(out 'power status node1' 4)
check "wrong password: exactly one line, then a non-zero status ($wrong)" test "$(echo "$wrong" | wc -l)" = 2
first=$(echo "$wrong" | head -n 1)
check "wrong password: the line names the node, the BMC and what to check" \
	grep -q "^node1: error: BMC 10\..*:6230 refused the login of user 'admin' (wrong user name or password): check node1's credentials" <<< "$first"
check "wrong password: non-zero" test "$(echo "$wrong" | tail -1)" = "rc=1"
check "the password never reached a log or the console" sh -c "! grep -rqa lab-bmc-secret '$W/power.log' '$W/tree/log' '$SCRATCH/lab.out'"
rm -rf "$W"
done_testing
