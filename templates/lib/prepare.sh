# shellcheck shell=bash
# Preparing a root filesystem for container life, per init system (sourced by templates/debian and
# templates/prepare-rootfs; needs lib/common.sh). Everything here edits files from the host and
# never runs a program of the rootfs: prepare-rootfs works on untrusted tarballs, and running their
# binaries as root (even under chroot) would hand them the host.
#
# Shutdown contract with the runtime (what lxcmgr must send to PID 1 once this was applied):
#   systemd   halt SIGRTMIN+3, reboot SIGINT
#   sysvinit  halt SIGPWR (p0::powerfail:/sbin/init 0), reboot SIGINT (ctrlaltdel: shutdown -r)
#   openrc    same as sysvinit (Debian's OpenRC runs under sysvinit's PID 1)
#   runit     halt SIGINT (our ctrlaltdel marks stopit, not reboot), or: stopit mode 100, reboot
#             mode 000, SIGCONT; reboot: stopit and reboot mode 100, then SIGCONT. The files are
#             /run/runit.stopit and /run/runit.reboot on Debian (inside the container's /run),
#             /etc/runit/stopit and /etc/runit/reboot with upstream runit.
#   busybox   halt SIGUSR1 (SIGUSR2 powers off), reboot SIGTERM
#
# Networking: interfaces other than lo are left alone (lxcmgr sets static addresses before init
# runs) unless /etc/lxcmgr/network inside the container has a line "IFACE=dhcp"; then the
# distribution's DHCP client runs for IFACE (systemd-networkd through a generator, udhcpc for the
# other inits).

# lxm_resolve_in ROOTFS PATH: prints PATH resolved inside ROOTFS (symlinks are followed relative to
# ROOTFS, never to the host's /), as a path relative to the rootfs starting with '/'.
lxm_resolve_in() {
	local rootfs=$1 path=$2 n=0 target dir
	while [[ -L $rootfs$path ]]; do
		((++n <= 40)) || return 1
		target=$(readlink "$rootfs$path")
		if [[ $target == /* ]]; then
			path=$target
		else
			dir=${path%/*}
			path=$dir/$target
		fi
		path=$(lxm_normalize "$path")
	done
	# A parent component may be a symlink too (/sbin -> usr/sbin on merged-/usr systems).
	local head=${path%/*} tail=${path##*/}
	if [[ -n $head && $head != "$path" ]]; then
		local rhead
		rhead=$(lxm_resolve_dir_in "$rootfs" "$head") || return 1
		path=$rhead/$tail
		[[ -L $rootfs$path ]] && { lxm_resolve_in "$rootfs" "$path"; return; }
	fi
	printf '%s\n' "$path"
}

lxm_resolve_dir_in() {
	local rootfs=$1 path=$2 out="" part
	local -a parts
	IFS=/ read -r -a parts <<<"$path"
	for part in "${parts[@]}"; do
		[[ -n $part ]] || continue
		out=$out/$part
		if [[ -L $rootfs$out ]]; then
			out=$(lxm_resolve_in "$rootfs" "$out") || return 1
		fi
	done
	printf '%s\n' "${out:-/}"
}

# lxm_normalize PATH: removes '.', '..' and duplicate slashes ('..' at / stays at /).
lxm_normalize() {
	local -a parts out=()
	local part
	IFS=/ read -r -a parts <<<"$1"
	for part in "${parts[@]}"; do
		case $part in
		'' | .) ;;
		..) [[ ${#out[@]} -gt 0 ]] && unset 'out[${#out[@]}-1]' ;;
		*) out+=("$part") ;;
		esac
	done
	local IFS=/
	printf '/%s\n' "${out[*]}"
}

# lxm_detect_init ROOTFS: prints systemd, sysvinit, openrc, runit, busybox or unknown, from what
# /sbin/init is inside ROOTFS.
lxm_detect_init() {
	local rootfs=$1 init
	init=$(lxm_resolve_in "$rootfs" /sbin/init) || {
		echo unknown
		return
	}
	[[ -e $rootfs$init ]] || {
		echo unknown
		return
	}
	case ${init##*/} in
	systemd) echo systemd; return ;;
	busybox) echo busybox; return ;;
	runit-init | runit) echo runit; return ;;
	openrc-init) echo openrc; return ;;
	esac
	if LC_ALL=C grep -q -a -m1 'INIT_VERSION=sysvinit' "$rootfs$init" 2>/dev/null ||
		LC_ALL=C grep -q -a -m1 '/etc/inittab' "$rootfs$init" 2>/dev/null; then
		# OpenRC on Debian keeps sysvinit as PID 1 and is run from the inittab.
		if [[ -f $rootfs/etc/inittab ]] && grep -q '^[^#]*openrc' "$rootfs/etc/inittab"; then
			echo openrc
		elif [[ -x $rootfs/sbin/openrc || -x $rootfs/usr/sbin/openrc ]] && [[ -d $rootfs/etc/runlevels ]]; then
			echo openrc
		else
			echo sysvinit
		fi
		return
	fi
	LC_ALL=C grep -q -a -m1 'systemd' "$rootfs$init" 2>/dev/null && { echo systemd; return; }
	echo unknown
}

# lxm_prepare_common ROOTFS: what every init needs: empty machine-id, root without a password.
lxm_prepare_common() {
	local rootfs=$1
	lxm_empty_machine_id "$rootfs"
	lxm_root_no_password "$rootfs"
	[[ -e $rootfs/etc/fstab || -L $rootfs/etc/fstab ]] || : | lxm_write_file "$rootfs" etc/fstab 0644
	[[ -e $rootfs/etc/lxcmgr || -L $rootfs/etc/lxcmgr ]] || mkdir -m 0755 "$rootfs/etc/lxcmgr"
}

# Root gets an empty password (console login without one; Debian's PAM has nullok).
lxm_root_no_password() {
	local rootfs=$1 tmp
	[[ -f $rootfs/etc/shadow && ! -L $rootfs/etc/shadow ]] || {
		lxm_warn "no /etc/shadow, root's password left as it is"
		return 0
	}
	tmp=$(sed 's/^root:[^:]*:/root::/' "$rootfs/etc/shadow")
	printf '%s\n' "$tmp" | lxm_write_file "$rootfs" etc/shadow 0640
	if grep -q '^shadow:' "$rootfs/etc/group" 2>/dev/null; then
		chgrp "$(awk -F: '$1 == "shadow" { print $3 }' "$rootfs/etc/group")" "$rootfs/etc/shadow"
	fi
}

# lxm_edit_file ROOTFS RELPATH SED-SCRIPT...: sed over a file, written back safely.
lxm_edit_file() {
	local rootfs=$1 rel=$2 tmp mode
	shift 2
	[[ -f $rootfs/$rel && ! -L $rootfs/$rel ]] || return 1
	mode=$(stat -c %a "$rootfs/$rel")
	tmp=$(sed "$@" "$rootfs/$rel") || return 1
	printf '%s\n' "$tmp" | lxm_write_file "$rootfs" "$rel" "$mode"
}

# lxm_write_tty_getty ROOTFS: /usr/lib/lxcmgr/tty-getty TTY [GETTY-OPTION...], which init runs for
# tty1-6 (LXM_CONFIG_TTYS_MAX): a login prompt on /dev/TTY when the container has that tty, else a
# sleep. Why not a plain getty on each: which ttys exist is a container setting (console.ttys,
# default 4, LXC's lxc.tty.max) that changes without a rebuild, and a getty on a missing tty fails
# at once and init respawns it forever.
lxm_write_tty_getty() {
	lxm_write_file "$1" usr/lib/lxcmgr/tty-getty 0755 <<-'EOF'
		#!/bin/sh
		# lxcmgr: init runs this for tty1-6. A login prompt on /dev/$1 when the container has that
		# tty (console.ttys), else sleep: init would respawn a getty on a missing tty forever.
		tty=$1
		shift
		[ -c "/dev/$tty" ] && exec /sbin/getty "$@" 38400 "$tty"
		exec sleep 2147483647
	EOF
}

# sysvinit's inittab: SIGPWR halts, SIGINT reboots, a getty on the console and on each tty there is.
lxm_prepare_inittab() {
	local rootfs=$1
	if [[ ! -f $rootfs/etc/inittab ]]; then
		lxm_warn "no /etc/inittab: SIGPWR will not halt this container"
		return 0
	fi
	# Symlink attack: a tarball's "etc/inittab -> /etc/passwd" would make the appends below write
	# a host file (-f follows links; this function runs where set -e is off, so a refused edit
	# must stop it explicitly).
	if [[ -L $rootfs/etc/inittab ]] || ! lxm_is_real_dir "$rootfs" etc; then
		lxm_warn "'/etc/inittab' is a symlink: not prepared, SIGPWR may not halt this container"
		return 0
	fi
	# Stock powerwait/powerfailnow/powerokwait entries call /etc/init.d/powerfail, which does not
	# exist: SIGPWR would do nothing and a stop would wait for its timeout.
	lxm_edit_file "$rootfs" etc/inittab \
		-e '/^p0::powerfail:/d' \
		-e '/^# lxcmgr: /d' \
		-e 's/^\(pf::powerwait:.*\)/#\1/' \
		-e 's/^\(pn::powerfailnow:.*\)/#\1/' \
		-e 's/^\(po::powerokwait:.*\)/#\1/' \
		-e '/^[^#:]*:[^:]*:respawn:[^ ]*getty.*tty[0-9]/d' \
		-e '/^[^#:]*:[^:]*:respawn:[^ ]*getty.* console$/d' || return 0
	# sysvinit 3.x reads /etc/inittab.d and complains at every runlevel change when it is missing.
	[[ -e $rootfs/etc/inittab.d || -L $rootfs/etc/inittab.d ]] || mkdir -m 0755 "$rootfs/etc/inittab.d"
	grep -q '^ca:[^:]*:ctrlaltdel:' "$rootfs/etc/inittab" ||
		echo 'ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now' >>"$rootfs/etc/inittab"
	cat >>"$rootfs/etc/inittab" <<-'EOF'
		# lxcmgr: SIGPWR from the container manager halts.
		p0::powerfail:/sbin/init 0
		# lxcmgr: a login prompt on the console, and on each /dev/ttyN the container has (console.ttys).
		co:2345:respawn:/sbin/getty --noclear 38400 console
		t1:2345:respawn:/usr/lib/lxcmgr/tty-getty tty1 --noclear
		t2:2345:respawn:/usr/lib/lxcmgr/tty-getty tty2 --noclear
		t3:2345:respawn:/usr/lib/lxcmgr/tty-getty tty3 --noclear
		t4:2345:respawn:/usr/lib/lxcmgr/tty-getty tty4 --noclear
		t5:2345:respawn:/usr/lib/lxcmgr/tty-getty tty5 --noclear
		t6:2345:respawn:/usr/lib/lxcmgr/tty-getty tty6 --noclear
	EOF
	lxm_write_tty_getty "$rootfs"
}

# lxm_disable_sysv_scripts ROOTFS NAME...: removes the rc?.d links of sysv-rc boot scripts that
# make no sense in a container (hardware clock, root fsck, unmounting the host's mounts).
lxm_disable_sysv_scripts() {
	local rootfs=$1 s l d
	shift
	for d in 0 1 2 3 4 5 6 S; do
		lxm_is_real_dir "$rootfs" "etc/rc$d.d" || continue
		for s in "$@"; do
			for l in "$rootfs/etc/rc$d.d/"[SK][0-9][0-9]"$s"; do
				[[ -L $l ]] && rm -f "$l"
			done
		done
	done
	return 0
}

# lxm_neutralize_umount ROOTFS: Debian's umountfs/umountroot unmount everything and remount / read-only
# at shutdown. In a container / is a bind mount of a host filesystem: a read-only remount changes
# the whole host filesystem. Removing their rc links is not enough with OpenRC, which pulls them in
# through LSB dependencies (sendsigs -> umountnfs -> umountfs -> umountroot), so their "stop" is
# made a no-op (they are conffiles: the change survives upgrades).
lxm_neutralize_umount() {
	local rootfs=$1 s
	for s in umountfs umountroot; do
		[[ -f $rootfs/etc/init.d/$s && ! -L $rootfs/etc/init.d/$s ]] || continue
		grep -q '^# lxcmgr: no-op' "$rootfs/etc/init.d/$s" && continue
		lxm_edit_file "$rootfs" "etc/init.d/$s" \
			-e '/^### END INIT INFO/a # lxcmgr: no-op in a container (see templates/lib/prepare.sh)\
case "$1" in stop) exit 0 ;; esac'
	done
	return 0
}

lxm_prepare_sysvinit() {
	local rootfs=$1
	lxm_prepare_inittab "$rootfs"
	lxm_disable_sysv_scripts "$rootfs" hwclock.sh checkroot.sh checkfs.sh brightness mount-configfs \
		umountfs umountroot umountnfs.sh
	lxm_neutralize_umount "$rootfs"
	lxm_prepare_sysv_network "$rootfs"
}

lxm_prepare_openrc() {
	local rootfs=$1
	lxm_prepare_inittab "$rootfs"
	# rc_sys=lxc makes OpenRC skip every service marked "keyword -lxc" (hwclock, modules, fsck,
	# root remount, sysctl, ...): the runtime's container is LXC-like in every respect that matters.
	if [[ -f $rootfs/etc/rc.conf ]]; then
		# shellcheck disable=SC2016 # sed's $ (last line)
		lxm_edit_file "$rootfs" etc/rc.conf -e '/^[[:space:]]*rc_sys=/d' -e '$a rc_sys="lxc"'
	else
		echo 'rc_sys="lxc"' | lxm_write_file "$rootfs" etc/rc.conf 0644
	fi
	lxm_disable_sysv_scripts "$rootfs" hwclock.sh checkroot.sh checkfs.sh brightness mount-configfs \
		umountfs umountroot umountnfs.sh
	local rl s
	for rl in sysinit boot default shutdown off nonetwork; do
		lxm_is_real_dir "$rootfs" "etc/runlevels/$rl" || continue
		for s in hwclock hwclock.sh modules kmod fsck root checkroot.sh checkfs.sh brightness mount-configfs umountfs umountroot; do
			[[ -L $rootfs/etc/runlevels/$rl/$s ]] && rm -f "$rootfs/etc/runlevels/$rl/$s"
		done
	done
	lxm_neutralize_umount "$rootfs"
	lxm_prepare_sysv_network "$rootfs"
}

lxm_prepare_runit() {
	local rootfs=$1 runit stopit=etc/runit/stopit reboot=etc/runit/reboot
	# runit halts on SIGCONT when its stopit file is executable (mode 100) and reboots when the
	# reboot file is executable as well. Debian patches the paths to /run/runit.stopit and
	# /run/runit.reboot, created with mode 000 by its stage 1; upstream uses /etc/runit/. The files
	# must exist and not be executable at boot, or any SIGCONT would stop the container.
	runit=$(lxm_resolve_in "$rootfs" /sbin/runit 2>/dev/null) || runit=/sbin/runit
	if [[ -f $rootfs$runit ]] && LC_ALL=C grep -q -a -m1 '/run/runit.stopit' "$rootfs$runit"; then
		stopit=run/runit.stopit reboot=run/runit.reboot
	else
		local f
		for f in stopit reboot; do
			[[ -L $rootfs/etc/runit/$f ]] || : | lxm_write_file "$rootfs" "etc/runit/$f" 0000
		done
	fi
	# SIGINT (ctrl-alt-del) runs this: halt at once. Debian's stock script waits 14 s and wall()s.
	lxm_write_file "$rootfs" etc/runit/ctrlaltdel 0755 <<-EOF
		#!/bin/sh
		# lxcmgr: SIGINT to runit halts the container (no delay). To reboot from outside, make
		# /$stopit and /$reboot mode 100, then send SIGCONT.
		chmod 000 /$reboot 2>/dev/null
		chmod 100 /$stopit
	EOF
	# A getty on the console, and on each tty the container has (lxm_write_tty_getty).
	local sv dir tty
	lxm_write_tty_getty "$rootfs"
	for tty in console tty1 tty2 tty3 tty4 tty5 tty6; do
		if [[ $tty == console ]]; then
			lxm_write_file "$rootfs" "etc/sv/getty-$tty/run" 0755 <<-EOF
				#!/bin/sh
				exec /sbin/getty --noclear 38400 console
			EOF
		else
			lxm_write_file "$rootfs" "etc/sv/getty-$tty/run" 0755 <<-EOF
				#!/bin/sh
				# lxcmgr: a login prompt when the container has /dev/$tty (console.ttys)
				exec /usr/lib/lxcmgr/tty-getty $tty --noclear
			EOF
		fi
		lxm_write_file "$rootfs" "etc/sv/getty-$tty/finish" 0755 <<-EOF
			#!/bin/sh
			exec utmpset -w $tty
		EOF
		for dir in etc/service etc/runit/runsvdir/default; do
			lxm_is_real_dir "$rootfs" "$dir" || continue
			sv=$dir/getty-$tty
			[[ -L $rootfs/$sv && $(readlink "$rootfs/$sv") == "/etc/sv/getty-$tty" ]] ||
				lxm_safe_symlink "$rootfs" "$sv" "/etc/sv/getty-$tty"
		done
	done
	lxm_disable_sysv_scripts "$rootfs" hwclock.sh checkroot.sh checkfs.sh brightness mount-configfs \
		umountfs umountroot umountnfs.sh
	lxm_neutralize_umount "$rootfs"
	lxm_prepare_sysv_network "$rootfs"
}

lxm_prepare_systemd() {
	local rootfs=$1 u
	lxm_safe_symlink "$rootfs" etc/systemd/system/default.target /lib/systemd/system/multi-user.target
	# Nothing in a container reaches out on its own: no time sync, no apt timers.
	# e2scrub checks host block devices: meaningless in a container.
	for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
		e2scrub_reap.service; do
		lxm_safe_symlink "$rootfs" "etc/systemd/system/$u" /dev/null
	done
	lxm_write_file "$rootfs" etc/systemd/system-generators/lxcmgr-network 0755 <<-'EOF'
		#!/bin/sh
		# lxcmgr: DHCP with systemd-networkd for the interfaces marked "IFACE=dhcp" in
		# /etc/lxcmgr/network; without that file systemd-networkd is not started at all, so it
		# cannot touch the addresses lxcmgr set up.
		[ -f /etc/lxcmgr/network ] || exit 0
		ifaces=$(sed -n 's/^[[:space:]]*\([a-zA-Z0-9_.-]*\)=dhcp[[:space:]]*$/\1/p' /etc/lxcmgr/network)
		[ -n "$ifaces" ] || exit 0
		mkdir -p /run/systemd/network "$1/multi-user.target.wants"
		for i in $ifaces; do
			printf '[Match]\nName=%s\n\n[Network]\nDHCP=yes\n' "$i" >"/run/systemd/network/80-lxcmgr-$i.network"
		done
		ln -sf /lib/systemd/system/systemd-networkd.service "$1/multi-user.target.wants/systemd-networkd.service"
	EOF
}

# Non-systemd Debian: an LSB boot script runs udhcpc for the marked interfaces.
lxm_prepare_sysv_network() {
	local rootfs=$1
	lxm_is_real_dir "$rootfs" etc/init.d || return 0
	lxm_write_file "$rootfs" etc/init.d/lxcmgr-network 0755 <<-'EOF'
		#!/bin/sh
		### BEGIN INIT INFO
		# Provides:          lxcmgr-network
		# Required-Start:    $local_fs $network
		# Required-Stop:     $local_fs
		# Default-Start:     S
		# Default-Stop:      0 6
		# Short-Description: DHCP for interfaces lxcmgr marks in /etc/lxcmgr/network
		### END INIT INFO
		PATH=/sbin:/bin:/usr/sbin:/usr/bin
		ifaces() {
			[ -f /etc/lxcmgr/network ] || return 0
			sed -n 's/^[[:space:]]*\([a-zA-Z0-9_.-]*\)=dhcp[[:space:]]*$/\1/p' /etc/lxcmgr/network
		}
		case "$1" in
		start)
			for i in $(ifaces); do
				udhcpc -b -S -i "$i" -p "/run/udhcpc.$i.pid" -s /usr/lib/lxcmgr/udhcpc.script
			done
			;;
		stop)
			for p in /run/udhcpc.*.pid; do
				[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
			done
			;;
		restart | force-reload) "$0" stop; "$0" start ;;
		status) ;;
		*) echo "Usage: $0 {start|stop|restart}" >&2; exit 3 ;;
		esac
		exit 0
	EOF
	lxm_write_udhcpc_script "$rootfs" usr/lib/lxcmgr/udhcpc.script
	local l
	for l in S/S40 0/K01 6/K01; do
		local d=${l%/*} p=${l#*/}
		lxm_is_real_dir "$rootfs" "etc/rc$d.d" || continue
		rm -f "$rootfs/etc/rc$d.d/"[SK][0-9][0-9]lxcmgr-network
		ln -s ../init.d/lxcmgr-network "$rootfs/etc/rc$d.d/${p}lxcmgr-network"
	done
	if lxm_is_real_dir "$rootfs" etc/runlevels/boot; then
		lxm_safe_symlink "$rootfs" etc/runlevels/boot/lxcmgr-network /etc/init.d/lxcmgr-network
	fi
	if lxm_is_real_dir "$rootfs" etc/network && { [[ ! -f $rootfs/etc/network/interfaces ]] ||
		! grep -q '^iface lo' "$rootfs/etc/network/interfaces"; }; then
		lxm_write_file "$rootfs" etc/network/interfaces 0644 <<-'EOF'
			# lxcmgr: only lo here. Static addresses are set by lxcmgr before init runs; DHCP runs
			# for the interfaces marked "IFACE=dhcp" in /etc/lxcmgr/network (lxcmgr-network).
			auto lo
			iface lo inet loopback

			source /etc/network/interfaces.d/*
		EOF
	fi
}

# lxm_write_udhcpc_script ROOTFS RELPATH: udhcpc event script: address, route, resolv.conf.
lxm_write_udhcpc_script() {
	lxm_write_file "$1" "$2" 0755 <<-'EOF'
		#!/bin/sh
		# udhcpc event script (lxcmgr): address, default route and resolv.conf from the lease.
		[ -n "$1" ] || exit 1
		RESOLV_CONF=/etc/resolv.conf
		case "$1" in
		deconfig)
			ip -4 addr flush dev "$interface" scope global 2>/dev/null
			ip link set "$interface" up
			;;
		bound | renew)
			ip -4 addr flush dev "$interface" scope global 2>/dev/null
			ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
			if [ -n "$router" ]; then
				while ip -4 route del default dev "$interface" 2>/dev/null; do :; done
				for r in $router; do
					ip route add default via "$r" dev "$interface" && break
				done
			fi
			if [ -n "$dns" ]; then
				{
					[ -n "$domain" ] && echo "search $domain"
					for d in $dns; do echo "nameserver $d"; done
				} >"$RESOLV_CONF.$$" && mv "$RESOLV_CONF.$$" "$RESOLV_CONF"
			fi
			;;
		leasefail | nak) ;;
		esac
		exit 0
	EOF
}

# lxm_prepare_init ROOTFS INIT: the per-init preparation (INIT from lxm_detect_init). Returns 1
# with a warning for an init it does not know.
lxm_prepare_init() {
	local rootfs=$1 init=$2
	case $init in
	systemd | sysvinit | openrc | runit) "lxm_prepare_$init" "$rootfs" ;;
	busybox) lxm_prepare_busybox "$rootfs" ;;
	*)
		lxm_warn "unknown init in '$rootfs' (/sbin/init): not prepared; lxcmgr's init shim can run it"
		return 1
		;;
	esac
}

# busybox init: warn when the inittab has nothing on the console (no login prompt) .
lxm_prepare_busybox() {
	local rootfs=$1
	if [[ ! -f $rootfs/etc/inittab ]]; then
		lxm_warn "busybox init without /etc/inittab: it falls back to gettys on tty1-4 that may not exist"
	elif ! grep -q '^[^#]*console' "$rootfs/etc/inittab" && ! grep -q '^::respawn:' "$rootfs/etc/inittab"; then
		lxm_warn "busybox inittab has no console entry: no login prompt on 'lxcmgr console'"
	fi
}
