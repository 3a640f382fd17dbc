# lxcmgr/runtime: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/runtime/state.c lxcmgr/runtime/state.h

# The start sequence (start.h): sync protocol, one file per step, init detection.
liblxcmgr_a_SOURCES += \
	lxcmgr/runtime/start.c lxcmgr/runtime/start.h \
	lxcmgr/runtime/sync.c lxcmgr/runtime/sync.h \
	lxcmgr/runtime/mount-util.c lxcmgr/runtime/mount-util.h \
	lxcmgr/runtime/cfg-get.c lxcmgr/runtime/cfg-get.h \
	lxcmgr/runtime/init-detect.c \
	lxcmgr/runtime/steps/steps.h \
	lxcmgr/runtime/steps/clone.c \
	lxcmgr/runtime/steps/cgroup.c \
	lxcmgr/runtime/steps/devices.c \
	lxcmgr/runtime/steps/idmap.c \
	lxcmgr/runtime/steps/network.c \
	lxcmgr/runtime/steps/limits.c \
	lxcmgr/runtime/steps/rootfs.c \
	lxcmgr/runtime/steps/mounts.c \
	lxcmgr/runtime/steps/proc.c \
	lxcmgr/runtime/steps/sys.c \
	lxcmgr/runtime/steps/cgroupfs.c \
	lxcmgr/runtime/steps/dev.c \
	lxcmgr/runtime/steps/console.c \
	lxcmgr/runtime/steps/pivot-root.c \
	lxcmgr/runtime/steps/hostname.c \
	lxcmgr/runtime/steps/caps.c \
	lxcmgr/runtime/steps/lsm.c \
	lxcmgr/runtime/steps/seccomp.c \
	lxcmgr/runtime/steps/exec.c

UNIT_TESTS += tests/unit/test-init-detect tests/unit/test-start-sync tests/unit/test-mount-util
tests_unit_test_init_detect_SOURCES = tests/unit/test-init-detect.c
tests_unit_test_init_detect_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_init_detect_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_start_sync_SOURCES = tests/unit/test-start-sync.c
tests_unit_test_start_sync_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_start_sync_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_mount_util_SOURCES = tests/unit/test-mount-util.c
tests_unit_test_mount_util_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_mount_util_LDADD = $(LXM_UNIT_LIBS)

# A driver for the start sequence (before the monitor); used by tests/integration/rt-start.sh.
check_PROGRAMS += tests/rt-start-driver
tests_rt_start_driver_SOURCES = tests/rt-start-driver.c
tests_rt_start_driver_LDADD = $(LXM_LIBS)
INTEGRATION_TESTS += tests/integration/rt-start.sh
