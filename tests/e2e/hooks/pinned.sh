# lab hook for tests/e2e/t-versions-pinned.sh: version 2 of the root is
# published before any boot; node1 is pinned to version 1, node2 to 2.
. "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
unset -f hook_up hook_before_boot

hook_setup() {
	versions_script
	"$HOPELESS" -C "$TREE" shell --root lab-root -- \
		sh -c 'echo v2-a > /etc/hopeless-lab/data/a && busybox rm /etc/hopeless-lab/data/b' > "$WORK/publish.log" 2>&1
	"$HOPELESS" -C "$TREE" node set "$NODE" --root lab-root@1 > "$WORK/pin.log"
	"$HOPELESS" -C "$TREE" node set "$NODE2" --root lab-root@2 >> "$WORK/pin.log"
	say "hook: $(tr '\n' ' ' < "$WORK/pin.log")"
}
