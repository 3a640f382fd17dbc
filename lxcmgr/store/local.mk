# lxcmgr/store: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/store/store.h \
	lxcmgr/store/name.c \
	lxcmgr/store/lock.c \
	lxcmgr/store/store.c \
	lxcmgr/store/gc.c \
	lxcmgr/store/rmrf.c \
	lxcmgr/store/btrfs.c lxcmgr/store/btrfs.h \
	lxcmgr/store/list-cache.c lxcmgr/store/list-cache.h

# util/json lives with the store's commands (list/info/check)
liblxcmgr_a_SOURCES += \
	lxcmgr/util/json.c lxcmgr/util/json.h

UNIT_TESTS += tests/unit/test-name tests/unit/test-json tests/unit/test-store
tests_unit_test_name_SOURCES = tests/unit/test-name.c
tests_unit_test_name_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_name_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_json_SOURCES = tests/unit/test-json.c
tests_unit_test_json_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_json_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(LXM_UNIT_LIBS)

lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cli-common.c lxcmgr/cli/cli-common.h \
	lxcmgr/cli/cmd-create.c lxcmgr/cli/create-route.c lxcmgr/cli/create-route.h \
	lxcmgr/cli/create-internal.h lxcmgr/cli/create-overlay.c \
	lxcmgr/cli/cmd-list.c \
	lxcmgr/cli/cmd-info.c lxcmgr/cli/info-net.c lxcmgr/cli/info-net.h \
	lxcmgr/cli/cmd-destroy.c \
	lxcmgr/cli/cmd-check.c

INTEGRATION_TESTS += \
	tests/integration/store.sh \
	tests/integration/list-cache.sh \
	tests/integration/kill-frozen.sh \
	tests/integration/kill-during-stop.sh \
	tests/integration/store-kill.sh \
	tests/integration/store-hostile.sh \
	tests/integration/store-debian.sh \
	tests/integration/store-destroy.sh \
	tests/integration/store-gc-lock.sh \
	tests/integration/check.sh

EXTRA_DIST += scripts/test scripts/quickstart
