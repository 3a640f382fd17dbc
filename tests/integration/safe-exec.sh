#!/bin/bash
# Safe exec (issue 6, CVE-2019-5736): a container root holding /proc/PID/exe of the lxcmgr process
# that joined it must not be able to overwrite the host's binary. Privileged (this file): that
# process runs from a sealed memfd copy. Unprivileged (safe-exec-unprivileged.sh runs this file
# again): no copy is made, the container's root (a subuid) cannot open the root-owned binary for
# writing, and the attack below proves it against the real binary file.
# Also: exec still relays stdin/stdout and exit codes, and the marker never reaches the command.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 19

new_root
# safe-exec-unprivileged.sh runs this file again with LXM_TEST_MODE=unprivileged.
if [ "${LXM_TEST_MODE:-}" = unprivileged ]; then
	T_IDS=$(mktemp -d /tmp/lxm-se-ids.XXXXXX)
	defer "rm -rf '$T_IDS'"
	export LXCMGR_SUBUID=$T_IDS/subuid LXCMGR_SUBGID=$T_IDS/subgid LXCMGR_IDMAP_REGISTRY=$T_IDS/registry
	echo "root:600000:65536" >"$T_IDS/subuid"
	echo "root:600000:65536" >"$T_IDS/subgid"
	mkdir -p "$ROOT/etc/lxcmgr"
	printf 'defaults {\n  security {\n    privileged = false\n  }\n}\n' >"$ROOT/etc/lxcmgr/lxcmgr.conf"
fi
NAME=$(unique_name se)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1 || true"
# The attack runs against a private copy of the binary: if the protection broke, the build's
# lxcmgr (shared with the other tests) must not be the one overwritten.
BINDIR=$(mktemp -d /tmp/lxcmgr-se-bin.XXXXXX)
defer "rm -rf '$BINDIR'"
COPY=$BINDIR/lxcmgr
cp "$LXCMGR" "$COPY"

check "create a busybox container" lxcmgr create "$NAME" -t busybox
if [ "${LXM_TEST_MODE:-}" = unprivileged ]; then
	check "start it" lxcmgr start "$NAME"
	like "$(lxcmgr exec "$NAME" -- cat /proc/self/uid_map)" "^ +0 +600000 +65536" "the container is unprivileged (root is host uid 600000)"
else
	# new containers are unprivileged by default: this half is about privileged ones
	check "make it privileged" lxcmgr config "$NAME" set security.privileged true
	check "start it" lxcmgr start "$NAME"
	like "$(lxcmgr exec "$NAME" -- cat /proc/self/uid_map)" "^ +0 +0 +4294967295" "the container is privileged (no user namespace)"
fi

# --- exec still works ----------------------------------------------------------------------------
run_expect_exit 0 lxcmgr exec "$NAME" -- echo hello
is "$OUT" hello "stdout is relayed"
is "$(printf 'abc\n' | lxcmgr exec "$NAME" -- cat)" abc "stdin is relayed"
run_expect_exit 7 lxcmgr exec "$NAME" -- sh -c 'exit 7'
run_expect_exit 0 lxcmgr exec "$NAME" -- env
unlike "$OUT" "_LXCMGR_CLONED_BINARY" "the re-exec marker does not reach the command"
start_ns=$(date +%s%N)
lxcmgr exec "$NAME" -- true
diag "lxcmgr exec -- true took $((($(date +%s%N) - start_ns) / 1000000)) ms (${LXM_TEST_MODE:-privileged}, a $(stat -c %s "$LXCMGR") byte binary)"

# --- the attack ----------------------------------------------------------------------------------
# A container binary replaced by "#!/proc/self/exe" makes the joined process execute lxcmgr again
# inside the container; running /proc/self/exe as the command is the same. 'stats --watch' keeps
# that lxcmgr alive while the container's root grabs its /proc/PID/exe.
# The attacker controls the rootfs and so the libraries: give the copy the ones it links.
RF=$ROOT/var/lib/lxcmgr/containers/$NAME/rootfs
for lib in $(ldd "$COPY" | grep -o '/[^ ]*'); do
	mkdir -p "$RF$(dirname "$lib")"
	cp -L "$lib" "$RF$lib"
done
SUM0=$(sha256sum <"$COPY")
"$COPY" --root "$ROOT" exec "$NAME" -- /proc/self/exe --root /tmp/lxm-se stats --watch --interval 1 \
	>/dev/null 2>&1 </dev/null &
EPID=$!
defer "kill $EPID 2>/dev/null || true"
# The command is the CLI's only child (no lxcmgr process stays in the container between them)
CPID=
for _ in $(seq 50); do
	CPID=$(pgrep -P "$EPID" | head -n1 || true)
	[ -n "$CPID" ] && tr '\0' ' ' <"/proc/$CPID/cmdline" 2>/dev/null | grep -q 'stat[s] --watch' && break
	sleep 0.1
done
like "$(tr '\0' ' ' <"/proc/$CPID/cmdline")" 'stats --watch' "lxcmgr runs again as the command inside the container"
if [ "${LXM_TEST_MODE:-}" = unprivileged ]; then
	# Not re-executed: the second dynamic load of lxcmgr is only paid where it protects something
	is "$(readlink "/proc/$EPID/exe")" "$(readlink -f "$COPY")" "unprivileged: the exec CLI runs from the binary itself"
	is "$(readlink "/proc/$CPID/exe")" "$(readlink -f "$COPY")" "unprivileged: lxcmgr re-executed inside the container is the host's binary file"
	# ...but only because nobody in the container may write that file: a binary others may write
	# gets the sealed copy here too
	WCOPY=$BINDIR/lxcmgr-w
	cp "$LXCMGR" "$WCOPY"
	chmod 0757 "$WCOPY"
	"$WCOPY" --root "$ROOT" exec "$NAME" -- sleep 10 >/dev/null 2>&1 </dev/null &
	WPID=$!
	defer "kill $WPID 2>/dev/null || true"
	for _ in $(seq 50); do
		[ -n "$(pgrep -P "$WPID" || true)" ] && break
		sleep 0.1
	done
	like "$(readlink "/proc/$WPID/exe")" '^/memfd:lxcmgr \(deleted\)$' "unprivileged, binary writable by others: the exec CLI runs from the memfd copy"
	kill "$WPID"
else
	like "$(readlink "/proc/$EPID/exe")" '^/memfd:lxcmgr \(deleted\)$' "the exec CLI runs from the memfd copy"
	like "$(readlink "/proc/$CPID/exe")" '^/memfd:lxcmgr \(deleted\)$' "lxcmgr re-executed inside the container is the memfd copy"
fi

# Inside: open the lingering lxcmgr's exe (the pattern below does not match this script's own
# cmdline), kill it so nothing executes the binary any more, then write through the open fd.
cat >"$RF/se-attack.sh" <<'ATTACK'
pid=
for p in /proc/[0-9]*; do
	if tr "\0" " " <$p/cmdline 2>/dev/null | grep -q "stat[s] --watch"; then pid=${p#/proc/}; fi
done
[ -n "$pid" ] || { echo "no lxcmgr process found"; exit 3; }
echo "link=$(readlink /proc/$pid/exe)"
exec 3<"/proc/$pid/exe" || { echo "cannot open exe"; exit 4; }
if (echo x >"/proc/$pid/exe") 2>/dev/null; then echo "WRITTEN while running"; fi
kill $pid
for i in 1 2 3 4 5; do
	if (echo x >/proc/self/fd/3) 2>/dev/null; then echo "WRITTEN after exit"; exit 0; fi
	sleep 1
done
echo blocked
ATTACK
run_expect_exit 0 lxcmgr exec "$NAME" -- sh /se-attack.sh
if [ "${LXM_TEST_MODE:-}" = unprivileged ]; then
	# the attack got as far as it can: the exe opened for reading, the write refused
	unlike "$OUT" 'link=/memfd' "inside, /proc/PID/exe of the joined lxcmgr is the host's binary"
	like "$OUT" 'blocked' "the container's root opened the host's binary but cannot write it"
else
	like "$OUT" 'link=/memfd:lxcmgr' "inside, /proc/PID/exe of the joined lxcmgr is the memfd"
	unlike "$OUT" 'cannot open' "the container's root opened the memfd copy"
fi
unlike "$OUT" 'WRITTEN' "the container's root cannot write through /proc/PID/exe"
wait "$EPID" 2>/dev/null || true
is "$(sha256sum <"$COPY")" "$SUM0" "the host's lxcmgr binary is byte-identical"
check "the container still runs commands" lxcmgr exec "$NAME" -- true
