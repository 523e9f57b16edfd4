# bash completion for hopeless(8)
_hopeless() {
	local cur prev words cword
	_init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
	local cmds="init root overlay node head initramfs config check shell users status power console serve lab"
	local i cmd="" sub=""
	for ((i = 1; i < cword; i++)); do
		case "${words[i]}" in
		-C) ((i++)) ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=${words[i]}; elif [ -z "$sub" ]; then sub=${words[i]}; fi ;;
		esac
	done
	if [ "$prev" = -C ]; then COMPREPLY=($(compgen -d -- "$cur")); return; fi
	if [ -z "$cmd" ]; then COMPREPLY=($(compgen -W "$cmds -C --help" -- "$cur")); return; fi
	case "$prev" in
	--boot) local m="ipxe pxelinux grub"; [ "$cmd" = lab ] && m="$m direct"
		COMPREPLY=($(compgen -W "$m" -- "$cur")); return ;;
	--firmware) COMPREPLY=($(compgen -W "bios uefi secureboot" -- "$cur")); return ;;
	--head) COMPREPLY=($(compgen -W "auto" -- "$cur")); return ;;
	esac
	case "$cmd" in
	root) [ -z "$sub" ] && COMPREPLY=($(compgen -W "add list show rollback gc rm" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--from --tar --debootstrap --mirror --include --variant --dnf --repo --keep --version --help" -- "$cur")) ;;
	overlay) [ -z "$sub" ] && COMPREPLY=($(compgen -W "add list show rollback gc rm" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--from-template --keep --version --help" -- "$cur")) ;;
	node) [ -z "$sub" ] && COMPREPLY=($(compgen -W "add list show set rm reset inspect diff capture discover" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--ip --mac --mac-file --macs --root --overlay --state --boot --append --server --head --template --json --purge --no-backup --force --ssh-rsa --into --paths --from --for --close --status --bmc --bmc-user --bmc-password-file --bmc-password-stdin --bmc-cipher --no-bmc --help" -- "$cur")) ;;
	head) [ -z "$sub" ] && COMPREPLY=($(compgen -W "add list rm takeover release watch" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--ip --force --wait --interval --misses --help" -- "$cur")) ;;
	initramfs) [ -z "$sub" ] && COMPREPLY=($(compgen -W "build" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--root --rescue-shell --nic --modules --help" -- "$cur")) ;;
	init) COMPREPLY=($(compgen -W "--server --netmask --interface --append --nfs-server --image-size --domain --image-mmp --help" -- "$cur")) ;;
	shell) COMPREPLY=($(compgen -W "--root --help" -- "$cur")) ;;
	users) COMPREPLY=($(compgen -W "sync --from --help" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--watch --log --json --help" -- "$cur")) ;;
	power) [ -z "$sub" ] && COMPREPLY=($(compgen -W "on off cycle reset status" -- "$cur")) ||
		COMPREPLY=($(compgen -W "--fanout --timeout --help" -- "$cur")) ;;
	console) COMPREPLY=($(compgen -W "--log --raw --record --help" -- "$cur")) ;;
	serve) COMPREPLY=($(compgen -W "--events-only --no-consoles --foreground --listen --help" -- "$cur")) ;;
	lab) COMPREPLY=($(compgen -W "--boot --state --boots --workdir --keep --timeout --kernel --nic --nics --nodes --append --rescue-shell --hook --firmware --transport --ceph --twin --hold --help" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
	esac
}
complete -F _hopeless hopeless
