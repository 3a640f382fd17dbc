#!/bin/bash
# make check: sources completion/lxcmgr.bash and drives _lxcmgr through COMP_WORDS/COMP_CWORD
# against a private --root holding two containers and one network definition (files only: no
# root needed, nothing created in the kernel). TAP output.
set -uo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${LXCMGR:=$top_srcdir/lxcmgr/lxcmgr}"
: "${LXCMGR_TEMPLATES_DIR:=$top_srcdir/templates}"
export LXCMGR_TEMPLATES_DIR

root=$(mktemp -d /tmp/lxcmgr-compl.XXXXXX)
trap 'rm -rf "$root"' EXIT
lib=$root/var/lib/lxcmgr
mkdir -p "$lib/containers/web1" "$lib/containers/db1" "$lib/networks"
printf 'name = "web1"\nuuid = "0b3c2a4e-8f7d-4c1a-9e3b-2a1d5c6f7e80"\ntemplate = "busybox"\n' >"$lib/containers/web1/config"
printf 'name = "db1"\nuuid = "1b3c2a4e-8f7d-4c1a-9e3b-2a1d5c6f7e81"\ntemplate = "busybox"\n' >"$lib/containers/db1/config"
printf 'ipv4 = "10.99.0.1/24"\n' >"$lib/networks/complbr0.conf"

# shellcheck source=completion/lxcmgr.bash
. "$top_srcdir/completion/lxcmgr.bash"
_lxcmgr_bin=$LXCMGR # COMP_WORDS[0] is "lxcmgr"; the built binary answers

n=0
failed=0
# complete WANT WORDS...: the last word is the one being completed; WANT is the sorted,
# space-separated expected COMPREPLY (or "~WORD" for "contains WORD").
complete_is() {
	local want=$1
	shift
	COMP_WORDS=(lxcmgr "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_lxcmgr
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	n=$((n + 1))
	local ok=0
	if [[ $want == ~* ]]; then
		[[ " $got " == *" ${want#\~} "* ]] && ok=1
	else
		[[ $got == "$want" ]] && ok=1
	fi
	if [ $ok = 1 ]; then
		echo "ok $n - '$*' -> $want"
	else
		failed=$((failed + 1))
		echo "not ok $n - '$*' -> $want"
		echo "# got: '$got'"
	fi
}

echo "1..18"
complete_is "~start" --root "$root" st
complete_is "~destroy" --root "$root" ""
complete_is "db1 web1" --root "$root" start ""
complete_is "web1" --root "$root" exec w
complete_is "" --root "$root" exec web1 -- ""
complete_is "--console -q" --root "$root" start -
complete_is "--force" --root "$root" destroy --
complete_is "json table" --root "$root" list --format ""
complete_is "busybox" --root "$root" create c1 -t b
complete_is "complbr0" --root "$root" net show ""
complete_is "create delete list show up" --root "$root" net ""
complete_is "get" --root "$root" config web1 g
complete_is "limits.memory limits.memory_high" --root "$root" config web1 set limits.mem
complete_is "network.eth0.ipv4 network.eth0.ipv4_gateway" --root "$root" config web1 get network.eth0.ipv4
complete_is "--root" --ro
complete_is "memory= memory_high=" --root "$root" limit web1 mem
complete_is "create delete list restore" --root "$root" snapshot web1 ""
# without --root the default world is asked: the temp containers must not appear
complete_is "" start zzcompl
[ $failed -eq 0 ]
