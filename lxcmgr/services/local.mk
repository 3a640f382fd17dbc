# lxcmgr/services: snapshots, copies, export/import, autostart
liblxcmgr_a_SOURCES += \
	lxcmgr/store/storage.c lxcmgr/store/storage.h \
	lxcmgr/services/copy.c lxcmgr/services/copy.h \
	lxcmgr/services/snapshot.c lxcmgr/services/snapshot.h \
	lxcmgr/services/export-meta.c lxcmgr/services/export-meta.h \
	lxcmgr/services/export.c lxcmgr/services/export.h \
	lxcmgr/services/import.c lxcmgr/services/import.h \
	lxcmgr/services/overlay-base.c lxcmgr/services/overlay-base.h \
	lxcmgr/services/hooks.c lxcmgr/services/hooks.h \
	lxcmgr/services/restart-policy.c lxcmgr/services/restart-policy.h \
	lxcmgr/runtime/monitor-restart.c \
	lxcmgr/runtime/monitor-hooks.c lxcmgr/runtime/monitor-hooks.h \
	lxcmgr/runtime/monitor-adopt.c lxcmgr/runtime/monitor-adopt.h \
	lxcmgr/services/monitor-lost.c lxcmgr/services/monitor-lost.h \
	lxcmgr/services/autostart.c lxcmgr/services/autostart.h

lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cli-services.c lxcmgr/cli/cli-services.h \
	lxcmgr/cli/cmd-snapshot.c \
	lxcmgr/cli/cmd-copy.c \
	lxcmgr/cli/cmd-rename.c \
	lxcmgr/cli/cmd-export.c \
	lxcmgr/cli/cmd-import.c \
	lxcmgr/cli/cmd-autostart.c

UNIT_TESTS += tests/unit/test-services
tests_unit_test_services_SOURCES = tests/unit/test-services.c
tests_unit_test_services_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_services_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += \
	tests/integration/services-snapshot.sh \
	tests/integration/services-export.sh \
	tests/integration/services-autostart.sh \
	tests/integration/services-storage.sh \
	tests/integration/services-btrfs.sh \
	tests/integration/services-full-disk.sh \
	tests/integration/services-monitor-lost.sh \
	tests/integration/services-hooks.sh \
	tests/integration/services-restart.sh

UNIT_TESTS += tests/unit/test-btrfs
tests_unit_test_btrfs_SOURCES = tests/unit/test-btrfs.c
tests_unit_test_btrfs_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_btrfs_LDADD = $(LXM_UNIT_LIBS)
