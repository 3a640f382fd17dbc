#!/bin/bash
# shellcheck over the template scripts and their tests (warnings and errors). No root needed.
set -euo pipefail

if ! command -v shellcheck >/dev/null 2>&1; then
	echo "1..0 # SKIP shellcheck not installed"
	exit 0
fi
src=${top_srcdir:-.}
files=(templates/busybox templates/debian templates/prepare-rootfs templates/lib/common.sh
	templates/lib/prepare.sh tests/integration/templates.sh tests/integration/init-shim.sh)
echo "1..${#files[@]}"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	if out=$(cd "$src" && shellcheck -x -P templates/lib -S warning "$f" 2>&1); then
		echo "ok $n - shellcheck $f"
	else
		echo "not ok $n - shellcheck $f"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
