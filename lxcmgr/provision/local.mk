# lxcmgr/provision: provisioning files (plan, apply, export-config)
liblxcmgr_a_SOURCES += \
	lxcmgr/provision/schema.c lxcmgr/provision/schema.h \
	lxcmgr/provision/diff.c lxcmgr/provision/diff.h \
	lxcmgr/provision/auto.c lxcmgr/provision/auto.h \
	lxcmgr/provision/files.c lxcmgr/provision/files.h \
	lxcmgr/provision/plan.c lxcmgr/provision/plan.h \
	lxcmgr/provision/spawn.c lxcmgr/provision/spawn.h \
	lxcmgr/provision/apply.c lxcmgr/provision/apply.h \
	lxcmgr/provision/export.c lxcmgr/provision/export.h

lxcmgr_lxcmgr_SOURCES += lxcmgr/cli/cmd-plan.c lxcmgr/cli/cmd-apply.c lxcmgr/cli/cmd-export-config.c

UNIT_TESTS += tests/unit/test-provision
tests_unit_test_provision_SOURCES = tests/unit/test-provision.c tests/unit/capture.h
tests_unit_test_provision_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_provision_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += tests/integration/apply-basic.sh tests/integration/apply-safety.sh tests/integration/apply-auto.sh

EXTRA_DIST += configs/examples/homelab.conf configs/examples/common.conf \
	configs/examples/files/home.conf configs/examples/files/index.html
