#!/bin/bash
# Sourced by the template tests (template-cache.sh, template-checksum.sh, create-clone.sh,
# create-overlay-configure.sh, create-dir-base.sh, create-btrfs-base.sh).

# fake_template FILE [DEFAULTS_EXTRA [CONFIGURE]]: writes an executable template following
# templates/CONTRACT.md whose build runs the shell lines given on stdin (with $rootfs, $release,
# $arch, $init set; the caller's here-document escapes them) and then writes the result file;
# `defaults` also prints the line DEFAULTS_EXTRA when given (e.g. configure=standard); configure
# runs CONFIGURE (default: writes etc/hostname).
fake_template() {
	local file=$1 extra=${2:-} configure=${3:-'echo "$name" >"$rootfs/etc/hostname"'} arch
	arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
	{
		cat <<EOF
#!/bin/sh
set -e
cmd=\$1; shift
release=default; arch=$arch; init=busybox
while [ \$# -gt 0 ]; do
	case \$1 in
	--rootfs) rootfs=\$2 ;; --name) name=\$2 ;; --result) result=\$2 ;;
	--release) release=\$2 ;; --arch) arch=\$2 ;; --init) init=\$2 ;;
	--mirror|--cache-dir) ;;
	*) echo "unknown option \$1" >&2; exit 2 ;;
	esac
	shift 2
done
case \$cmd in
defaults) printf 'release=%s\narch=%s\ninit=%s\n' "\$release" "\$arch" "\$init"${extra:+; echo '$extra'} ;;
build)
EOF
		cat
		cat <<'EOF'
	printf 'release=%s\narch=%s\ninit=%s\n' "$release" "$arch" "$init" >"$result"
	;;
EOF
		printf 'configure) %s ;;\n*) exit 2 ;;\nesac\n' "$configure"
	} >"$file"
	chmod +x "$file"
}

# rootfs_listing DIR: what a rootfs holds (type, mode, owner, size, mtime of files, link target,
# inode-sharing names, data), less what the standard configure writes per container.
rootfs_listing() {
	(cd "$1" && find . -xdev ! -path ./etc/hostname ! -path ./etc/hosts ! -path ./etc/machine-id \
		-printf '%p %y %m %U:%G %s %l\n' | sort
	 find . -xdev -type f ! -path ./etc/hostname ! -path ./etc/hosts ! -path ./etc/machine-id \
		-printf '%p %TY-%Tm-%Td %n\n' | sort
	 find . -xdev -type f ! -path ./etc/hostname ! -path ./etc/hosts ! -path ./etc/machine-id \
		-exec sha256sum {} + | sort)
}

# logged_full_copy: a copy of $LXCMGR in $WORK/bin whose lxcmgr-full is a wrapper appending each
# command line to $WORK/full.log, to see which binary ran a create (cli/create-route.h); defines
# lm (the copy, --root $ROOT), full_log and fresh (empties the log). Needs $WORK/bin and $FULL.
logged_full_copy() {
	cp "$LXCMGR" "$WORK/bin/lxcmgr"
	cat >"$WORK/bin/lxcmgr-full" <<EOF
#!/bin/sh
echo "\$*" >>"$WORK/full.log"
exec "$FULL" "\$@"
EOF
	chmod 755 "$WORK/bin/lxcmgr-full"
	L=$WORK/bin/lxcmgr
	lm() { "$L" --root "$ROOT" "$@"; }
	full_log() { cat "$WORK/full.log" 2>/dev/null || true; }
	fresh() { : >"$WORK/full.log"; }
}
