# lxcmgr/resources: limits as the CLI takes them, usage figures; commands limit, stats, freeze.
EXTRA_DIST += lxcmgr/resources/README.md
liblxcmgr_a_SOURCES += \
	lxcmgr/resources/limits.c lxcmgr/resources/limits.h \
	lxcmgr/resources/effective.c \
	lxcmgr/resources/freeze.c lxcmgr/resources/freeze.h \
	lxcmgr/resources/usage.c lxcmgr/resources/usage.h

lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cmd-limit.c \
	lxcmgr/cli/cmd-stats.c \
	lxcmgr/cli/cmd-freeze.c

UNIT_TESTS += tests/unit/test-limits
tests_unit_test_limits_SOURCES = tests/unit/test-limits.c tests/unit/fake-files.h
tests_unit_test_limits_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_limits_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += tests/integration/resources-limits.sh tests/integration/resources-systemd.sh \
	tests/integration/cgroup-layout.sh
