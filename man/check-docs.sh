#!/bin/bash
# make check: every command of the command table and every config key of the schema is documented.
# The lists come from the binary (lxcmgr __commands, lxcmgr __config-keys [--global]); a command is
# documented by a "*NAME*" paragraph heading in man/lxcmgr.1.scd, a key by a "*KEY*" line in
# man/lxcmgr.conf.5.scd.
# TAP output; fails listing exactly what is missing.
set -uo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${LXCMGR:=$top_srcdir/lxcmgr/lxcmgr}"
man1=$top_srcdir/man/lxcmgr.1.scd
man5=$top_srcdir/man/lxcmgr.conf.5.scd

echo "1..4"
n=0
report() { # DESC LIST-OF-MISSING
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# missing: /'
	fi
}

# A command is documented by a paragraph heading: a line starting with *NAME* (or naming it after
# a comma in such a heading, as in "*freeze* _NAME_, *unfreeze* _NAME_").
missing_commands() {
	local name
	while read -r name; do
		[ -n "$name" ] || continue
		grep -qE -- "^\*$name\*|^\*[a-z-]+\*.*, \*$name\*" "$man1" || printf '%s\n' "$name"
	done
}

# A key is documented by a definition heading: a line that is exactly *KEY*.
missing_keys() {
	local name
	while read -r name; do
		[ -n "$name" ] || continue
		grep -qxF -- "*$name*" "$man5" || printf '%s\n' "$name"
	done
}

cmds=$("$LXCMGR" __commands) || { echo "Bail out! lxcmgr __commands failed"; exit 1; }
keys=$("$LXCMGR" __config-keys) || { echo "Bail out! lxcmgr __config-keys failed"; exit 1; }
gkeys=$("$LXCMGR" __config-keys --global) || { echo "Bail out! lxcmgr __config-keys --global failed"; exit 1; }

# An empty list would pass vacuously: the table and the schema are never that small.
[ "$(printf '%s\n' "$cmds" | grep -c .)" -ge 10 ] || { echo "Bail out! lxcmgr __commands listed too few commands"; exit 1; }
[ "$(printf '%s\n' "$keys" | grep -c .)" -ge 30 ] || { echo "Bail out! lxcmgr __config-keys listed too few keys"; exit 1; }
report "every command is documented in lxcmgr(1)" "$(printf '%s\n' "$cmds" | missing_commands)"
report "every container config key is documented in lxcmgr.conf(5)" "$(printf '%s\n' "$keys" | missing_keys)"
report "every global config key is documented in lxcmgr.conf(5)" "$(printf '%s\n' "$gkeys" | missing_keys)"

# Every long option of every command's usage (lxcmgr COMMAND --help, the table's usage string).
missing_opts=""
while read -r cmd; do
	[ -n "$cmd" ] || continue
	for opt in $("$LXCMGR" "$cmd" --help | sed '/^$/q' | grep -oE '(^|[[ |])--[a-z][a-z0-9-]*' | sed 's/^[[ |]//' | sort -u); do
		grep -qF -- "*$opt*" "$man1" || missing_opts+="$cmd $opt"$'\n'
	done
done <<<"$cmds"
report "every option of every command's usage is documented in lxcmgr(1)" "${missing_opts%$'\n'}"
