#!/bin/bash
# The Debian package: builds it with dpkg-buildpackage in a temporary copy of the tree (the files
# git tracks), installs it with dpkg -i, runs the installed /usr/bin/lxcmgr (check, a busybox
# create/start/exec/stop/destroy in a private --root, man page, completion, conffile), runs
# lintian (errors fail, warnings are listed), then purges it and checks nothing is left.
# The package is purged at exit even after a failure. A /usr/local install (scripts/quickstart)
# is not touched: the installed binary is always called as /usr/bin/lxcmgr.
# Takes a few minutes (one optimised build, unit tests skipped: make check ran them already).
. "$(dirname "$0")/lib.sh"
require_root "installs a package into /usr"
for tool in dpkg-buildpackage dh lintian git; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP needs $tool (scripts/install-deps: packaging)"; exit 0; }
done
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 || { echo "1..0 # SKIP not a git checkout"; exit 0; }
if dpkg-query -W -f='${Status}' lxcmgr 2>/dev/null | grep -q 'installed'; then
	echo "1..0 # SKIP an lxcmgr package is installed already; not replacing it"
	exit 0
fi

plan 20

work=$(mktemp -d /var/tmp/lxcmgr-deb.XXXXXX)
defer "rm -rf '$work'"
# Registered before the install: whatever happens, the machine ends without the package.
defer "dpkg-query -W lxcmgr >/dev/null 2>&1 && dpkg --purge lxcmgr >/dev/null 2>&1; true"

# --- build ---------------------------------------------------------------------------------------
mkdir "$work/lxcmgr"
(cd "$top_srcdir" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$work/lxcmgr"
if (cd "$work/lxcmgr" && DEB_BUILD_OPTIONS="nocheck parallel=2" timeout 1200 \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b builds"
else
	not_ok "dpkg-buildpackage -us -uc -b builds" "$(tail -n 40 "$work/build.log")"
fi
deb=$(find "$work" -maxdepth 1 -name 'lxcmgr_*.deb' | head -n 1)
if [ -z "$deb" ]; then
	not_ok "a .deb was produced"
	exit 1
fi
ok "a .deb was produced: $(basename "$deb")"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
holds() { # REGEX DESC: a path of the package matches the anchored REGEX
	if printf '%s\n' "$contents" | grep -qE "^$1\$"; then ok "$2"; else not_ok "$2" "no path matches ^$1\$"; fi
}
holds '\./usr/bin/lxcmgr' "package holds /usr/bin/lxcmgr"
holds '\./usr/libexec/lxcmgr/lxcmgr-init' "package holds the init shim"
holds '\./usr/libexec/lxcmgr/lxcmgr-monitor' "package holds the small monitor"
holds '\./usr/share/lxcmgr/templates/busybox' "package holds the templates"
holds '\./usr/share/man/man1/lxcmgr\.1\.gz' "package holds lxcmgr(1)"
holds '\./usr/share/man/man5/lxcmgr\.conf\.5\.gz' "package holds lxcmgr.conf(5)"
holds '\./usr/share/bash-completion/completions/lxcmgr' "package holds the bash completion"
holds '\./(usr/)?lib/systemd/system/lxcmgr\.service' "package holds lxcmgr.service"
if [ -e "$top_srcdir/configs/lxcmgr.init.in" ]; then
	holds '\./etc/init\.d/lxcmgr' "package holds the sysvinit script"
else
	skip "no sysvinit script in this tree"
fi
like "$(dpkg-deb -f "$deb" Depends)" 'libconfuse' "Depends computed from the libraries"

# --- lintian -------------------------------------------------------------------------------------
lintian_out=$(lintian --no-tag-display-limit "$deb" 2>&1) || true # exit status 1 with errors: judged below
if printf '%s\n' "$lintian_out" | grep -q '^E: '; then
	not_ok "lintian reports no errors" "$(printf '%s\n' "$lintian_out" | grep '^E: ')"
else
	ok "lintian reports no errors"
fi
lintian_warnings=$(printf '%s\n' "$lintian_out" | grep -E '^(W|I): ' | sed 's/^/lintian: /' || true)
diag "${lintian_warnings:-lintian: no warnings}"

# --- install and use -----------------------------------------------------------------------------
check "dpkg -i installs the package" dpkg -i "$deb"
like "$(dpkg-query -W -f='${Conffiles}' lxcmgr)" '/etc/lxcmgr/lxcmgr\.conf' "/etc/lxcmgr/lxcmgr.conf is a conffile"

# The installed binary with the installed templates and init shim, not the build tree's.
unset LXCMGR_TEMPLATES_DIR LXCMGR_INIT_SHIM
LXCMGR=/usr/bin/lxcmgr
check "installed lxcmgr check runs" "$LXCMGR" check
# Read by path: a /usr/local install (scripts/quickstart) may come first in man's search order.
check "the installed lxcmgr(1) renders" eval "man -l /usr/share/man/man1/lxcmgr.1.gz 2>/dev/null | grep -q 'EXIT STATUS'"
new_root
NAME=$(unique_name deb)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1; true"
if lxcmgr create "$NAME" -t busybox -q && lxcmgr start "$NAME" -q &&
	[ "$(lxcmgr exec "$NAME" -- cat /proc/1/comm)" != "" ] &&
	lxcmgr stop "$NAME" -t 20 -q && lxcmgr destroy "$NAME" -q; then
	ok "busybox create/start/exec/stop/destroy with the installed binary"
else
	not_ok "busybox create/start/exec/stop/destroy with the installed binary"
fi

# --- removal -------------------------------------------------------------------------------------
check "dpkg --purge removes the package" dpkg --purge lxcmgr
left=$(ls -d /usr/bin/lxcmgr /usr/share/lxcmgr /usr/libexec/lxcmgr /etc/lxcmgr /etc/init.d/lxcmgr \
	/lib/systemd/system/lxcmgr.service /usr/share/bash-completion/completions/lxcmgr \
	/usr/share/man/man1/lxcmgr.1.gz 2>/dev/null || true)
is "$left" "" "nothing left under /usr/bin, /usr/share/lxcmgr, /usr/libexec/lxcmgr, /etc/lxcmgr"
