# bash completion for lxcmgr                                  -*- shell-script -*-
# COMPREPLY=($(compgen ...)) is the idiom of bash completions (words never hold spaces here).
# shellcheck disable=SC2207
# Everything is asked of lxcmgr itself, so the completion follows the code:
#   commands        lxcmgr __commands
#   options         the --long/-s words of `lxcmgr COMMAND --help`
#   containers      lxcmgr list --format json (the --root given on the line is honoured)
#   templates       the cached templates (template list) and the template scripts
#   networks        lxcmgr net list --format json
#   config keys     lxcmgr __config-keys

# The words of the command line that lxcmgr needs to find the same world (--root DIR).
_lxcmgr_global_args()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root) printf '%s\n' --root "${COMP_WORDS[i + 1]}"; i=$((i + 1)) ;;
		--root=*) printf '%s\n' "${COMP_WORDS[i]}" ;;
		esac
	done
}

_lxcmgr_run()
{
	local -a g
	mapfile -t g < <(_lxcmgr_global_args)
	"${_lxcmgr_bin:-${COMP_WORDS[0]}}" "${g[@]}" "$@" 2>/dev/null
}

# "name" values of a JSON array of objects (lxcmgr's own output: one "name" key per object).
_lxcmgr_json_names()
{
	grep -o '"name": *"[^"]*"' | sed 's/^"name": *"//; s/"$//'
}

_lxcmgr_containers() { _lxcmgr_run list --format json | _lxcmgr_json_names; }
_lxcmgr_networks() { _lxcmgr_run net list --format json | _lxcmgr_json_names; }

_lxcmgr_templates()
{
	local dir=${LXCMGR_TEMPLATES_DIR:-}
	if [[ -z $dir ]]; then
		local bin
		bin=$(type -P "${_lxcmgr_bin:-${COMP_WORDS[0]}}" 2>/dev/null)
		dir=${bin%/bin/*}/share/lxcmgr/templates
	fi
	local f
	for f in "$dir"/*; do
		[[ -f $f && -x $f && ${f##*/} != prepare-rootfs ]] && printf '%s\n' "${f##*/}"
	done
}

_lxcmgr_cache_keys() { _lxcmgr_run template list --format json | grep -o '"key": *"[^"]*"' | sed 's/^"key": *"//; s/"$//'; }

# Keys as `config get/set` spell them: a titled section's NAME becomes eth0 for networks.
_lxcmgr_config_keys() { _lxcmgr_run __config-keys | sed 's/^network\.NAME\./network.eth0./'; }

_lxcmgr_options()
{
	# the usage lines only (the summary after the blank line may say "Ctrl-a")
	_lxcmgr_run "$1" --help | sed '/^$/q' | grep -oE '(^|[[ |])--?[a-zA-Z][a-zA-Z0-9-]*' |
		sed 's/^[[ |]//' | sort -u
}

_lxcmgr()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i cmd="" cmd_i=0
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root | --log-level) i=$((i + 1)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; cmd_i=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--log-level) COMPREPLY=($(compgen -W 'error warning info debug trace' -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--root --log-level --version --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_lxcmgr_run __commands)" -- "$cur"))
		fi
		return
	fi

	# positional words after the command (options and their values skipped)
	local -a pos=()
	for ((i = cmd_i + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] || pos+=("${COMP_WORDS[i]}")
	done

	case $prev in
	--format) COMPREPLY=($(compgen -W 'table json' -- "$cur")); return ;;
	-t | --template) if [[ $cmd == create ]]; then COMPREPLY=($(compgen -W "$(_lxcmgr_templates)" -- "$cur")); return; fi ;;
	--from | --rootfs) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--init) COMPREPLY=($(compgen -W 'systemd sysvinit openrc runit busybox none' -- "$cur")); return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_lxcmgr_options "$cmd")" -- "$cur"))
		return
	fi

	case $cmd in
	help)
		[[ ${#pos[@]} -eq 0 ]] && COMPREPLY=($(compgen -W "$(_lxcmgr_run __commands)" -- "$cur")) ;;
	create | list | check | metrics | autostart | import) 
		[[ $cmd == metrics ]] && COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		[[ $cmd == import ]] && COMPREPLY=($(compgen -f -- "$cur")) ;;
	net)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W 'create list show delete up' -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 && ${pos[0]} =~ ^(show|delete|up)$ ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_networks)" -- "$cur"))
		fi ;;
	template)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W 'list build refresh remove' -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 && ${pos[0]} == build ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_templates)" -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 && ${pos[0]} =~ ^(refresh|remove)$ ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_cache_keys)" -- "$cur"))
		fi ;;
	config)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 ]]; then
			COMPREPLY=($(compgen -W 'show get set unset edit' -- "$cur"))
		elif [[ ${#pos[@]} -eq 2 && ${pos[1]} =~ ^(get|set|unset)$ ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_config_keys)" -- "$cur"))
		fi ;;
	apply | plan)
		[[ ${#pos[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur")) ;;
	export-config)
		COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur")) ;;
	snapshot)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 ]]; then
			COMPREPLY=($(compgen -W 'create list restore delete' -- "$cur"))
		fi ;;
	export)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	stats)
		COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur")) ;;
	port)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		elif [[ ${#pos[@]} -eq 1 ]]; then
			COMPREPLY=($(compgen -W 'add remove list' -- "$cur"))
		fi ;;
	limit)
		if [[ ${#pos[@]} -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_lxcmgr_run __config-keys | sed -n 's/^limits\.\(.*\)/\1=/p')" -- "$cur"))
			compopt -o nospace 2>/dev/null
		fi ;;
	exec)
		# after "--" the words belong to the command run in the container
		local w
		for w in "${COMP_WORDS[@]:cmd_i+1:COMP_CWORD-cmd_i-1}"; do [[ $w == -- ]] && return; done
		[[ ${#pos[@]} -eq 0 ]] && COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur")) ;;
	*)
		# every other command takes a container name first
		[[ ${#pos[@]} -eq 0 ]] && COMPREPLY=($(compgen -W "$(_lxcmgr_containers)" -- "$cur")) ;;
	esac
}
complete -F _lxcmgr lxcmgr
