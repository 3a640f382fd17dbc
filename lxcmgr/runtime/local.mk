# lxcmgr/runtime: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/runtime/state.c lxcmgr/runtime/state.h \
	lxcmgr/runtime/control.c lxcmgr/runtime/control.h \
	lxcmgr/runtime/console-ring.c lxcmgr/runtime/console-ring.h \
	lxcmgr/runtime/console-client.c lxcmgr/runtime/console-client.h \
	lxcmgr/runtime/monitor.c lxcmgr/runtime/monitor.h lxcmgr/runtime/monitor-internal.h \
	lxcmgr/runtime/monitor-console.c lxcmgr/runtime/monitor-stop.c \
	lxcmgr/runtime/monitor-spawn.c lxcmgr/runtime/monitor-spawn.h \
	lxcmgr/runtime/stop.c lxcmgr/runtime/stop.h \
	lxcmgr/runtime/attach.c lxcmgr/runtime/attach.h \
	lxcmgr/runtime/attach-relay.c lxcmgr/runtime/attach-relay.h \
	lxcmgr/runtime/attach-user.c lxcmgr/runtime/attach-user.h

lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cli-runtime.c lxcmgr/cli/cli-runtime.h \
	lxcmgr/cli/cmd-start.c lxcmgr/cli/cmd-stop.c lxcmgr/cli/cmd-restart.c lxcmgr/cli/cmd-kill.c \
	lxcmgr/cli/cmd-console.c lxcmgr/cli/cmd-exec.c lxcmgr/cli/cmd-shell.c lxcmgr/cli/cmd-monitor.c

UNIT_TESTS += tests/unit/test-console-ring tests/unit/test-attach-user tests/unit/test-state
tests_unit_test_console_ring_SOURCES = tests/unit/test-console-ring.c
tests_unit_test_console_ring_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_console_ring_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_attach_user_SOURCES = tests/unit/test-attach-user.c
tests_unit_test_attach_user_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_attach_user_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_state_SOURCES = tests/unit/test-state.c
tests_unit_test_state_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_state_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += tests/integration/runtime-busybox.sh tests/integration/runtime-boot-matrix.sh
