# shellcheck shell=bash
# Helpers shared by the template scripts (sourced, never run). See templates/CONTRACT.md.

# shellcheck disable=SC2034 # set by the sourcing script
LXM_TEMPLATE_NAME=${LXM_TEMPLATE_NAME:-${0##*/}}

lxm_log() {
	printf '%s: %s\n' "$LXM_TEMPLATE_NAME" "$*" >&2
}

lxm_warn() {
	printf '%s: warning: %s\n' "$LXM_TEMPLATE_NAME" "$*" >&2
}

lxm_die() {
	local code=$1
	shift
	printf '%s: error: %s\n' "$LXM_TEMPLATE_NAME" "$*" >&2
	exit "$code"
}

# lxm_usage_error MESSAGE: a usage problem (exit 2).
lxm_usage_error() {
	lxm_die 2 "$*"
}

# Container names are validated by lxcmgr; templates check again because they write the name into
# files (hosts, hostname) and must not be tricked into writing anything else.
lxm_check_name() {
	[[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] || lxm_usage_error "invalid container name '$1'"
}

# lxm_check_rootfs DIR: DIR must be an existing directory given as an absolute path.
lxm_check_rootfs() {
	[[ $1 == /* ]] || lxm_usage_error "--rootfs must be an absolute path: '$1'"
	[[ -d $1 ]] || lxm_usage_error "rootfs '$1' is not a directory"
	[[ $(cd "$1" && pwd -P) != / ]] || lxm_usage_error "refusing to work on '/'"
	# Contract: a rootfs whose /etc is a symlink is refused (it could point anywhere on the host).
	[[ ! -L $1/etc ]] || lxm_die 1 "'$1/etc' is a symlink, refusing"
}

# lxm_parse_args ARGS...: the options of templates/CONTRACT.md into ROOTFS NAME RELEASE ARCH INIT
# MIRROR CACHE_DIR (empty when not given). Calls usage() for --help.
lxm_parse_args() {
	ROOTFS="" NAME="" RELEASE="" ARCH="" INIT="" MIRROR="" CACHE_DIR="" RESULT=""
	while [[ $# -gt 0 ]]; do
		case $1 in
		-h | --help)
			usage
			exit 0
			;;
		--rootfs | --name | --release | --arch | --init | --mirror | --cache-dir | --result)
			[[ $# -ge 2 ]] || lxm_usage_error "option '$1' needs a value"
			case $1 in
			--rootfs) ROOTFS=$2 ;;
			--name) NAME=$2 ;;
			--release) RELEASE=$2 ;;
			--arch) ARCH=$2 ;;
			--init) INIT=$2 ;;
			--mirror) MIRROR=$2 ;;
			--cache-dir) CACHE_DIR=$2 ;;
			--result) RESULT=$2 ;;
			esac
			shift 2
			;;
		*) lxm_usage_error "unknown argument '$1'" ;;
		esac
	done
	# shellcheck disable=SC2034 # used by the sourcing template
	true
}

# lxm_result KEY VALUE: one line of the machine-readable result: on stdout (defaults) or appended
# to the --result file (build).
lxm_result() {
	if [[ -n ${RESULT:-} ]]; then
		printf '%s=%s\n' "$1" "$2" >>"$RESULT"
	else
		printf '%s=%s\n' "$1" "$2"
	fi
}

# lxm_unsupported MESSAGE: unsupported release, arch or init (exit 3).
lxm_unsupported() {
	lxm_die 3 "$*"
}

# lxm_write_hostname ROOTFS NAME: /etc/hostname and /etc/hosts for NAME.
lxm_write_hostname() {
	local rootfs=$1 name=$2
	printf '%s\n' "$name" | lxm_write_file "$rootfs" etc/hostname 0644
	lxm_write_file "$rootfs" etc/hosts 0644 <<-EOF
		127.0.0.1	localhost
		127.0.1.1	$name
		::1		localhost ip6-localhost ip6-loopback
		ff02::1		ip6-allnodes
		ff02::2		ip6-allrouters
	EOF
}

# lxm_safe_target ROOTFS RELPATH: makes ROOTFS/RELPATH safe to create from the host. The rootfs may
# come from an untrusted tarball or a compromised container: a symlink at a parent directory would
# redirect the host-side write outside the rootfs (symlink attack on the host), so such a path is
# refused; a symlink or file at RELPATH itself is removed first, never written through.
lxm_safe_target() {
	local rootfs=$1 rel=$2 p="" part
	local -a parts
	IFS=/ read -r -a parts <<<"$rel"
	local n=${#parts[@]} i
	for ((i = 0; i < n; i++)); do
		part=${parts[$i]}
		[[ -n $part && $part != . ]] || continue
		[[ $part != .. ]] || lxm_die 1 "refusing path with '..': '$rel'"
		p="$p/$part"
		if ((i < n - 1)); then
			[[ ! -L $rootfs$p ]] || lxm_die 1 "refusing to write through symlink '$rootfs$p'"
			[[ -e $rootfs$p ]] || mkdir -m 0755 "$rootfs$p"
			[[ -d $rootfs$p ]] || lxm_die 1 "'$rootfs$p' is not a directory"
		elif [[ -L $rootfs$p || -e $rootfs$p ]]; then
			rm -f "$rootfs$p" || lxm_die 1 "cannot replace '$rootfs$p'"
		fi
	done
}

# lxm_safe_symlink ROOTFS RELPATH TARGET: (re)creates the symlink ROOTFS/RELPATH -> TARGET.
lxm_safe_symlink() {
	lxm_safe_target "$1" "$2"
	ln -s "$3" "$1/$2"
}

# lxm_safe_rm ROOTFS RELPATH: removes ROOTFS/RELPATH (a file or link) if its parents are real
# directories of the rootfs; does nothing when a parent is a symlink or missing.
lxm_safe_rm() {
	local dir
	dir=$(dirname "$2")
	lxm_is_real_dir "$1" "$dir" || return 0
	rm -f "$1/$2"
}

# lxm_is_real_dir ROOTFS RELPATH: true when every component of RELPATH is a directory, not a
# symlink (so a glob or write below it stays inside the rootfs).
lxm_is_real_dir() {
	local rootfs=$1 p="" part
	local -a parts
	IFS=/ read -r -a parts <<<"$2"
	for part in "${parts[@]}"; do
		[[ -n $part && $part != . ]] || continue
		[[ $part != .. ]] || return 1
		p="$p/$part"
		[[ ! -L $rootfs$p && -d $rootfs$p ]] || return 1
	done
	return 0
}

# lxm_write_file ROOTFS RELPATH MODE: stdin to ROOTFS/RELPATH (replaced, see lxm_safe_target).
lxm_write_file() {
	local rootfs=$1 rel=$2 mode=$3 content=""
	lxm_safe_target "$rootfs" "$rel"
	# Builtins rather than cat: configure runs on every create and each exec costs milliseconds.
	# Text only (a shell variable cannot hold NUL bytes); trailing newlines are kept.
	IFS= read -r -d '' content || true
	printf '%s' "$content" >"$rootfs/$rel"
	chmod "$mode" "$rootfs/$rel"
}

# lxm_empty_machine_id ROOTFS: an empty /etc/machine-id, so that each container gets its own id at
# first boot (systemd generates a transient one) and clones do not share one.
lxm_empty_machine_id() {
	local rootfs=$1
	: | lxm_write_file "$rootfs" etc/machine-id 0444
	if lxm_is_real_dir "$rootfs" var/lib/dbus; then
		lxm_safe_symlink "$rootfs" var/lib/dbus/machine-id /etc/machine-id
	fi
}

# lxm_host_mirror [APT_DIR]: prints the URI of the host's main Debian archive: the first "deb"
# source (one-line .list or deb822 .sources, in apt's reading order) whose suites are not
# security/updates/backports pockets. Read at run time so no mirror is ever written into the
# project. Returns 1 when none is found.
lxm_host_mirror() {
	local dir=${1:-${LXCMGR_APT_DIR:-/etc/apt}}
	local f files=() main=""
	[[ -f $dir/sources.list ]] && files+=("$dir/sources.list")
	# apt reads sources.list, then sources.list.d in alphanumeric order whatever the suffix.
	for f in "$dir"/sources.list.d/*; do
		[[ -f $f && ( $f == *.list || $f == *.sources ) ]] && files+=("$f")
	done
	for f in "${files[@]}"; do
		case $f in
		*.sources) main=$(lxm_mirror_from_deb822 "$f") ;;
		*) main=$(lxm_mirror_from_list "$f") ;;
		esac
		[[ -z $main ]] || break
	done
	[[ -n $main ]] || return 1
	printf '%s\n' "$main"
}

lxm_suite_is_main() {
	case $1 in
	*-security | */updates | *-updates | *-backports | *-proposed) return 1 ;;
	esac
	return 0
}

# One-line format: deb [ options ] uri suite [component...]
lxm_mirror_from_list() {
	local line
	local -a w
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%%#*}
		read -r -a w <<<"$line"
		[[ ${#w[@]} -ge 3 && ${w[0]} == deb ]] || continue
		local i=1
		if [[ ${w[1]} == \[* ]]; then
			while [[ $i -lt ${#w[@]} && ${w[$i]} != *"]" ]]; do i=$((i + 1)); done
			i=$((i + 1))
		fi
		[[ $((i + 1)) -lt ${#w[@]} ]] || continue
		lxm_suite_is_main "${w[$((i + 1))]}" || continue
		printf '%s\n' "${w[$i]}"
		return 0
	done <"$1"
}

# deb822 format: stanzas separated by blank lines with Types:, URIs:, Suites:, Enabled:.
lxm_mirror_from_deb822() {
	awk '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no" && main_suite) {
				split(uris, u, " "); print u[1]; found = 1; exit
			}
			types = ""; uris = ""; enabled = ""; main_suite = 0
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			key = tolower($1); sub(/:$/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			if (key == "types") types = val
			else if (key == "uris") uris = val
			else if (key == "enabled") enabled = tolower(val)
			else if (key == "suites") {
				n = split(val, s, " ")
				for (i = 1; i <= n; i++)
					if (s[i] !~ /(-security|\/updates|-updates|-backports|-proposed-updates|-proposed)$/) main_suite = 1
			}
		}
		END { if (!found) flush() }
	' "$1"
}
