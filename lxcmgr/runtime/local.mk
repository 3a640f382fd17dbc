# lxcmgr/runtime: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/runtime/state.c lxcmgr/runtime/state.h \
	lxcmgr/runtime/control.c lxcmgr/runtime/control.h \
	lxcmgr/runtime/console-ring.c lxcmgr/runtime/console-ring.h \
	lxcmgr/runtime/console-client.c lxcmgr/runtime/console-client.h \
	lxcmgr/runtime/monitor.c lxcmgr/runtime/monitor.h lxcmgr/runtime/monitor-internal.h \
	lxcmgr/runtime/monitor-console.c lxcmgr/runtime/monitor-stop.c \
	lxcmgr/runtime/monitor-spawn.c lxcmgr/runtime/monitor-spawn.h \
	lxcmgr/runtime/monitor-handover.c lxcmgr/runtime/handover.c lxcmgr/runtime/handover.h \
	lxcmgr/runtime/stop.c lxcmgr/runtime/stop.h lxcmgr/runtime/link-del.c lxcmgr/runtime/link-del.h \
	lxcmgr/runtime/attach.c lxcmgr/runtime/attach.h \
	lxcmgr/runtime/exec-plan.c lxcmgr/runtime/exec-plan.h \
	lxcmgr/runtime/attach-relay.c lxcmgr/runtime/attach-relay.h \
	lxcmgr/runtime/attach-user.c lxcmgr/runtime/attach-user.h

lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cli-runtime.c lxcmgr/cli/cli-runtime.h \
	lxcmgr/cli/cmd-start.c lxcmgr/cli/cmd-stop.c lxcmgr/cli/cmd-restart.c lxcmgr/cli/cmd-kill.c \
	lxcmgr/cli/cmd-console.c lxcmgr/cli/cmd-exec.c lxcmgr/cli/cmd-shell.c lxcmgr/cli/cmd-monitor.c

UNIT_TESTS += tests/unit/test-console-ring tests/unit/test-attach-user tests/unit/test-state tests/unit/test-control
tests_unit_test_control_SOURCES = tests/unit/test-control.c
tests_unit_test_control_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_control_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_console_ring_SOURCES = tests/unit/test-console-ring.c
tests_unit_test_console_ring_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_console_ring_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_attach_user_SOURCES = tests/unit/test-attach-user.c
tests_unit_test_attach_user_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_attach_user_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_state_SOURCES = tests/unit/test-state.c
tests_unit_test_state_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_state_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += tests/integration/runtime-busybox.sh tests/integration/runtime-boot-matrix.sh \
	tests/integration/runtime-boot-matrix-privileged.sh tests/integration/runtime-ttys.sh \
	tests/integration/start-late-setup.sh

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
	lxcmgr/runtime/steps/overlay.c \
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

UNIT_TESTS += tests/unit/test-init-detect tests/unit/test-start-sync tests/unit/test-mount-util \
	tests/unit/test-cgroupfs-view
tests_unit_test_init_detect_SOURCES = tests/unit/test-init-detect.c
tests_unit_test_init_detect_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_init_detect_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_start_sync_SOURCES = tests/unit/test-start-sync.c
tests_unit_test_start_sync_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_start_sync_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_mount_util_SOURCES = tests/unit/test-mount-util.c
tests_unit_test_mount_util_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_mount_util_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_cgroupfs_view_SOURCES = tests/unit/test-cgroupfs-view.c
tests_unit_test_cgroupfs_view_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_cgroupfs_view_LDADD = $(LXM_UNIT_LIBS)

# A driver for the start sequence (before the monitor); used by tests/integration/rt-start.sh.
check_PROGRAMS += tests/rt-start-driver
tests_rt_start_driver_SOURCES = tests/rt-start-driver.c
tests_rt_start_driver_LDADD = $(LXM_LIBS)
INTEGRATION_TESTS += tests/integration/rt-start.sh tests/integration/rt-start-mounts.sh tests/integration/isolation.sh

# lxcmgr-monitor: the small monitor a running container's monitor execs into (MONITOR.md). Static,
# libc only, no sanitizers (its point is a few pages of memory per container). Built next to
# lxcmgr/lxcmgr, where the monitor looks first (the tests run the build tree), and installed in
# $(pkglibexecdir).
pkglibexec_PROGRAMS += lxcmgr/lxcmgr-monitor
lxcmgr_lxcmgr_monitor_SOURCES = lxcmgr/runtime/monitor-small.c lxcmgr/runtime/handover.c \
	lxcmgr/runtime/small-kill.c lxcmgr/runtime/small-kill.h \
	lxcmgr/runtime/kill-wait.c lxcmgr/runtime/kill-wait.h \
	lxcmgr/runtime/kill-spread.c lxcmgr/runtime/kill-spread.h \
	lxcmgr/runtime/link-del.c lxcmgr/runtime/link-del.h \
	lxcmgr/runtime/console-ring.c lxcmgr/util/log.c lxcmgr/util/parse.c \
	lxcmgr/util/huge-text.c lxcmgr/util/huge-text.h
UNIT_TESTS += tests/unit/test-kill-spread
tests_unit_test_kill_spread_SOURCES = tests/unit/test-kill-spread.c lxcmgr/runtime/kill-spread.c
tests_unit_test_kill_spread_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_kill_spread_LDADD = $(LXM_UNIT_LIBS)
UNIT_TESTS += tests/unit/test-kill-wait
tests_unit_test_kill_wait_SOURCES = tests/unit/test-kill-wait.c lxcmgr/runtime/kill-wait.c
tests_unit_test_kill_wait_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_kill_wait_LDADD = $(LXM_UNIT_LIBS)
lxcmgr_lxcmgr_monitor_CFLAGS = $(WARN_CFLAGS)
lxcmgr_lxcmgr_monitor_LDFLAGS = -static
lxcmgr_lxcmgr_monitor_LDADD =

UNIT_TESTS += tests/unit/test-handover
tests_unit_test_handover_SOURCES = tests/unit/test-handover.c
tests_unit_test_handover_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_handover_LDADD = $(LXM_UNIT_LIBS)
INTEGRATION_TESTS += tests/integration/runtime-small-monitor.sh
INTEGRATION_TESTS += tests/integration/rt-monitor-spawn.sh tests/integration/start-config.sh
INTEGRATION_TESTS += tests/integration/runtime-fast-kill.sh
INTEGRATION_TESTS += tests/integration/kill-then-start.sh tests/integration/kill-front.sh
INTEGRATION_TESTS += tests/integration/kill-lock-release.sh
INTEGRATION_TESTS += tests/integration/kill-ns-release.sh
INTEGRATION_TESTS += tests/integration/kill-apparmor.sh
