#!/bin/bash
# hopeless power, console and node set --bmc without a VM: BMC settings
# (validated, 0600 in a 0700 directory, never printed), bad input (one
# line, non-zero, tree unchanged), and power against a fake ipmitool: the
# password in its environment only, never in its arguments; a fan-out
# bounded by --fanout; one line per node in order; --timeout.
. "$(dirname "$0")/../lib.sh"
T=$SCRATCH/tree
H() { "$HOPELESS" -C "$T" "$@"; }
q() { "$@" >/dev/null 2>&1; }

check "init" q H init --server 10.9.0.1 --image-size 16M
mkdir -p "$SCRATCH/r/boot"
check "root add" q H root add r --from "$SCRATCH/r"
check "overlay add" q H overlay add o
printf '52:54:00:00:0a:%02x\n' $(seq 1 40) > "$SCRATCH/macs"
check "node add n[01-40]" q H node add 'n[01-40]' --ip 10.9.0.11+ --mac-file "$SCRATCH/macs" --root r --overlay o --state tmpfs
P=$SCRATCH/pw && echo "s3cret-pw" > "$P"
check "node set --bmc for one node" q H node set n01 --bmc 10.9.1.1:6230 --bmc-user admin --bmc-password-file "$P"
check "bmc/ is 0700" test "$(stat -c %a "$T/bmc")" = 700
check "bmc/n01.conf is 0600" test "$(stat -c %a "$T/bmc/n01.conf")" = 600
check "bmc/n01.conf holds address, port, user" grep -qx "address = 10.9.1.1" "$T/bmc/n01.conf"
check "node show names the BMC" sh -c "'$HOPELESS' -C '$T' node show n01 | grep -qx 'bmc: 10.9.1.1:6230, user admin, cipher suite 3 ($T/bmc/n01.conf)'"
check "node show: no password" sh -c "! '$HOPELESS' -C '$T' node show n01 | grep -q s3cret"
check "node list: no password" sh -c "! '$HOPELESS' -C '$T' node list --json | grep -q s3cret"
check "node show of a node without a BMC says none" sh -c "'$HOPELESS' -C '$T' node show n02 | grep -q '^bmc: none'"
check "node set --bmc A.B.C.D+ for a range, password on stdin" \
	q sh -c "echo 'other-pw' | '$HOPELESS' -C '$T' node set 'n[02-40]' --bmc 10.9.2.2+ --bmc-user root --bmc-password-stdin"
check "consecutive BMC addresses" test "$(sed -n 's/^address = //p' "$T/bmc/n40.conf")" = 10.9.2.40
check "the password is the first line, nothing else" grep -qx "password = other-pw" "$T/bmc/n40.conf"
check "node set --bmc-user alone keeps the rest" q H node set n40 --bmc-user admin2
check "user changed, address kept" sh -c "grep -qx 'user = admin2' '$T/bmc/n40.conf' && grep -qx 'address = 10.9.2.40' '$T/bmc/n40.conf'"

echo "x" > "$SCRATCH/long" && printf 'a%.0s' $(seq 1 21) > "$SCRATCH/long"
: > "$SCRATCH/empty"
check_rejects "power: unknown node" power status nosuch
check_rejects "power: unknown action" power boot n01
check_rejects "power: no node set" power status
check_rejects "power: bad --fanout" power status n01 --fanout 0
check_rejects "power: bad --timeout" power status n01 --timeout x
check_rejects "power: unknown option" power status n01 --force
check_rejects "node set --bmc: bad address" node set n01 --bmc 10.9.1.256
check_rejects "node set --bmc: bad port" node set n01 --bmc 10.9.1.1:70000
check_rejects "node set --bmc: empty port" node set n01 --bmc 10.9.1.1:
check_rejects "node set --bmc: bad host name" node set n01 --bmc 'bmc_1;rm'
check_rejects "node set --bmc: one address for many nodes" node set 'n[01-02]' --bmc 10.9.1.1
check_rejects "node set --bmc: range runs out of addresses" node set 'n[01-02]' --bmc 255.255.255.255+
check_rejects "node set --bmc-user with a space" node set n01 --bmc-user 'a b'
check_rejects "node set --bmc-user too long" node set n01 --bmc-user abcdefghijklmnopq
check_rejects "node set --bmc-cipher 18" node set n01 --bmc-cipher 18
check_rejects "node set --bmc-cipher x" node set n01 --bmc-cipher x
check_rejects "node set: password file missing" node set n01 --bmc-password-file "$SCRATCH/nope"
check_rejects "node set: password empty" node set n01 --bmc-password-file "$SCRATCH/empty"
check_rejects "node set: password over 20 characters" node set n01 --bmc-password-file "$SCRATCH/long"
check_rejects "node set: password file and stdin" node set n01 --bmc-password-file "$P" --bmc-password-stdin
check_rejects "node set: BMC mixed with other settings" node set n01 --bmc 10.9.1.1 --state image
check_rejects "node set: --no-bmc with --bmc" node set n01 --no-bmc --bmc 10.9.1.1
q H node set n02 --no-bmc
check_rejects "node set: a first BMC needs address, user and password" node set n02 --bmc 10.9.3.1
check_rejects "node add: BMC options go to node set" node add n99 --ip 10.9.0.99 --mac 52:54:00:00:0b:01 --root r --overlay o --bmc 10.9.1.1
check_rejects "power: node without a BMC" power status n02
check_rejects "power: a set holding a node without a BMC" power status 'n[01-03]'
check_rejects "console: unknown node" console nosuch
check_rejects "console: node without a BMC" console n02
check_rejects "console --log: no log yet" console n01 --log
check_rejects "console: --raw without --log" console n01 --raw
check_rejects "console: --log and --record" console n01 --log --record
echo "address = 10.9.1.1" > "$T/bmc/n03.conf"
check_rejects "power: a damaged BMC file" power status n03
q H node set n03 --no-bmc
check "node set --no-bmc removed the file" test ! -e "$T/bmc/n03.conf"

check "node set: n02 and n03 get their BMC back" \
	q sh -c "echo 'other-pw' | '$HOPELESS' -C '$T' node set 'n[02-03]' --bmc 10.9.2.2+ --bmc-user root --bmc-password-stdin"

# A fake ipmitool: records its arguments and whether it got the password.
F=$SCRATCH/fake && mkdir -p "$F"
cat > "$F/ipmitool" <<'FAKE'
#!/bin/bash
log=$FAKE_DIR/calls
echo "args: $*" >> "$log"
[ "${IPMI_PASSWORD:-}" = "${FAKE_WANT:-}" ] || { echo "> RAKP 2 HMAC is invalid" >&2; echo "Error: Unable to establish IPMI v2 / RMCP+ session" >&2; exit 1; }
echo start >> "$FAKE_DIR/running"; n=$(grep -c start "$FAKE_DIR/running"); e=$(grep -c end "$FAKE_DIR/running" || true)
echo $((n - e)) >> "$FAKE_DIR/concurrency"
sleep "${FAKE_SLEEP:-0.2}"
echo end >> "$FAKE_DIR/running"
case "$*" in *"power status"*) echo "Chassis Power is on" ;; *"power cycle"*) echo "Chassis Power Control: Cycle" ;; esac
FAKE
chmod +x "$F/ipmitool"
export FAKE_DIR=$F FAKE_WANT=other-pw
out=$(PATH=$F:$PATH H power status 'n[02-40]' --fanout 4 2>&1); rc=$?
check "power status of 39 nodes: exit 0" test "$rc" = 0
check "one line per node, in order" test "$out" = "$(for i in $(seq 2 40); do printf 'n%02d: on\n' "$i"; done)"
check "ipmitool got -E (password from the environment)" grep -q -- "-U root -E " "$F/calls"
check "the password never was an argument" sh -c "! grep -q other-pw '$F/calls'"
check "lanplus, cipher suite 3, the node's BMC and port" grep -q -- "-I lanplus -C 3 -H 10.9.2.40 -p 623 " "$F/calls"
check "at most --fanout 4 at a time ($(sort -n "$F/concurrency" | tail -1))" test "$(sort -n "$F/concurrency" | tail -1)" -le 4
check "more than one at a time" test "$(sort -n "$F/concurrency" | tail -1)" -ge 2
check "node set --bmc-cipher 17" q H node set n05 --bmc-cipher 17
check "... stored" grep -qx "cipher = 17" "$T/bmc/n05.conf"
out=$(PATH=$F:$PATH H power cycle n05 2>&1)
check "ipmitool got -C 17 for n05" grep -q -- "-C 17 -H 10.9.2.5 " "$F/calls"
check "power cycle: issued" test "$out" = "n05: power cycle issued"
out=$(PATH=$F:$PATH H power status 'n[01-03]' 2>/dev/null); rc=$?
check "a wrong password fails that node only (stdout: $out)" test "$out" = "$(printf 'n02: on\nn03: on')"
check "... and the exit status is 1" test "$rc" = 1
err=$(PATH=$F:$PATH H power status n01 2>&1 >/dev/null)
check "a wrong password: one line naming node, BMC, user and what to check" \
	test "$err" = "n01: error: BMC 10.9.1.1:6230 refused the login of user 'admin' (wrong user name or password): check n01's credentials (hopeless node set n01 --bmc-user USER --bmc-password-file FILE)"
out=$(PATH=$F:$PATH FAKE_SLEEP=10 H power status n02 --timeout 1 2>&1); rc=$?
check "--timeout: the node fails with one line ($out)" test "$rc" = 1 -a "$(echo "$out" | wc -l)" = 1
out=$(PATH=/nonexistent "$HOPELESS" -C "$T" power status n02 2>&1); rc=$?
check "power without ipmitool: one line, non-zero ($out)" test "$rc" = 1 -a "$out" = "hopeless: power: ipmitool not found in PATH (install the ipmitool package)"
check "node rm removes the node's BMC file" sh -c "'$HOPELESS' -C '$T' node rm n40 >/dev/null && test ! -e '$T/bmc/n40.conf'"
check "check: nothing wrong with bmc/" sh -c "! '$HOPELESS' -C '$T' check 2>&1 | grep -q 'bmc'"
chmod 644 "$T/bmc/n05.conf" && chmod 755 "$T/bmc"
out=$(H check 2>&1)
check "check flags a BMC file readable by others" grep -q "bmc/n05.conf: mode 644, owner 0: the BMC password must be root's alone" <<< "$out"
check "check flags bmc/ open to others" grep -q "bmc: mode 755, owner 0: BMC credentials must be root's alone" <<< "$out"
check "node set puts bmc/ back to 0700" sh -c "'$HOPELESS' -C '$T' node set n05 --bmc-user admin >/dev/null && test \$(stat -c %a '$T/bmc') = 700"
chmod 600 "$T/bmc/n05.conf"
echo "address = 10.9.1.1" > "$T/bmc/n09.conf"; chmod 600 "$T/bmc/n09.conf"
check "check flags a damaged BMC file" sh -c "'$HOPELESS' -C '$T' check 2>&1 | grep -q 'bmc/n09.conf: .*address, user and password are all needed'"
done_testing
