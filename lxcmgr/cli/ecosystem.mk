# Ecosystem (issue 10): hidden listing commands, metrics, man pages, completion, packaging.
lxcmgr_lxcmgr_SOURCES += \
	lxcmgr/cli/cmd-internal.c \
	lxcmgr/cli/cmd-metrics.c lxcmgr/cli/cmd-metrics.h \
	lxcmgr/cli/metrics-prom.c lxcmgr/cli/metrics-prom.h

UNIT_TESTS += tests/unit/test-metrics-prom
tests_unit_test_metrics_prom_SOURCES = tests/unit/test-metrics-prom.c \
	lxcmgr/cli/metrics-prom.c lxcmgr/cli/metrics-prom.h
tests_unit_test_metrics_prom_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_metrics_prom_LDADD = $(LXM_UNIT_LIBS)
INTEGRATION_TESTS += tests/integration/metrics.sh
INTEGRATION_TESTS += tests/integration/output.sh tests/integration/stats-watch.sh
