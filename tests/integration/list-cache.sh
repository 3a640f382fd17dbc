#!/bin/bash
# list's cache of config values (RUN/list-cache, cli/list-cache.c): the same output with and
# without it, and never a stale row: a config changed through lxcmgr, rewritten in place with the
# same size, broken, or a container destroyed shows at once; a cache file others may write is
# ignored.
. "$(dirname "$0")/lib.sh"
require_root "makes containers"

plan 21

new_root
use_shared_cache
A=$(unique_name lca)
B=$(unique_name lcb)
CT="$ROOT/var/lib/lxcmgr/containers"
CACHE="$ROOT/run/lxcmgr/list-cache"
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"

json_field() { python3 -c 'import json,sys; r={c["name"]: c for c in json.load(sys.stdin)}; print(r[sys.argv[1]][sys.argv[2]])' "$@"; }

check "create two busybox containers" lxcmgr create "$A" -t busybox
check "create the second" lxcmgr create "$B" -t busybox
check "start one (the run directory holds the cache)" lxcmgr start "$A"
# a config changed in the last 2 s is not cached (a write in the same clock tick keeps its times);
# changed again here, right before the list: the creates and the start may take over 2 s on a
# loaded machine (a CI flake)
touch "$CT/$A/config" "$CT/$B/config"
run_expect_exit 0 lxcmgr list
check "configs changed just now are not cached" test ! -e "$CACHE"
sleep 2.2
run_expect_exit 0 lxcmgr list
first=$OUT
check "list wrote the cache, root's, mode 0600" test "$(stat -c '%u %a' "$CACHE")" = "0 600"
run_expect_exit 0 lxcmgr list
is "$OUT" "$first" "the list from the cache is the list parsed"

# through lxcmgr: the config is renamed into place
check "config set release" lxcmgr config "$B" set release cached-no-more
is "$(lxcmgr list --format json | json_field "$B" release)" "cached-no-more" "a changed config shows at once"
sleep 2.2
lxcmgr list >/dev/null # now cached

# in place, same size, same inode: mtime and ctime tell
python3 - "$CT/$B/config" <<'EOF'
import sys
p = sys.argv[1]
t = open(p).read()
assert 'cached-no-more' in t
with open(p, 'r+') as f:
    f.write(t.replace('cached-no-more', 'cached-no-mora'))
EOF
is "$(lxcmgr list --format json | json_field "$B" release)" "cached-no-mora" "an in-place rewrite of the same size shows at once"

# a broken config is parsed (and reported) on every list, never served from the cache
cp "$CT/$B/config" "$_lib_tmp/config.good"
echo 'release = "unterminated' >>"$CT/$B/config"
run_expect_exit 1 lxcmgr list
like "$OUT" "$B +broken" "a broken config is listed as broken"
run_expect_exit 1 lxcmgr list
like "$OUT" "$B +broken" "and again on the next list"
cp "$_lib_tmp/config.good" "$CT/$B/config"

# a cache that others may write is not believed (a planted uuid would be shown otherwise)
lxcmgr list >/dev/null
uuid=$(lxcmgr list --format json | json_field "$A" uuid)
sed -i "s/$uuid/00000000-0000-0000-0000-000000000000/" "$CACHE"
chmod 0666 "$CACHE"
is "$(lxcmgr list --format json | json_field "$A" uuid)" "$uuid" "a group/world-writable cache is ignored"
is "$(stat -c '%a' "$CACHE")" "600" "and replaced by one of our own"

# a destroyed container leaves the cache with the next list
check "destroy the second" lxcmgr destroy "$B"
run_expect_exit 0 lxcmgr list
unlike "$(cat "$CACHE")" "^$B	" "the destroyed container's entry is gone"
