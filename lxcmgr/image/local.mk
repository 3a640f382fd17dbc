# lxcmgr/image: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/util/sha256.c lxcmgr/util/sha256.h \
	lxcmgr/image/archive.h \
	lxcmgr/image/archive-dl.c lxcmgr/image/archive-dl.h \
	lxcmgr/image/archive-extract.c \
	lxcmgr/image/archive-create.c

UNIT_TESTS += tests/unit/test-archive tests/unit/test-sha256
tests_unit_test_archive_SOURCES = tests/unit/test-archive.c
tests_unit_test_archive_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_archive_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_sha256_SOURCES = tests/unit/test-sha256.c
tests_unit_test_sha256_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_sha256_LDADD = $(LXM_UNIT_LIBS)
liblxcmgr_a_SOURCES += \
	lxcmgr/image/rmtree.c lxcmgr/image/rmtree.h \
	lxcmgr/image/cache.c lxcmgr/image/cache.h \
	lxcmgr/image/cache-base.c lxcmgr/image/cache-base.h \
	lxcmgr/image/btrfs-base.c lxcmgr/image/btrfs-base.h \
	lxcmgr/image/template-run.c lxcmgr/image/template-run.h \
	lxcmgr/image/template.c lxcmgr/image/template.h \
	lxcmgr/image/template-defaults.c lxcmgr/image/template-defaults.h \
	lxcmgr/image/template-rev.c lxcmgr/image/template-rev.h \
	lxcmgr/image/tree-clone.c lxcmgr/image/tree-clone.h \
	lxcmgr/image/clone-data.c lxcmgr/image/clone-data.h
lxcmgr_lxcmgr_SOURCES += lxcmgr/cli/cmd-template.c
INTEGRATION_TESTS += tests/integration/template-cache.sh
UNIT_TESTS += tests/unit/test-template-cache
tests_unit_test_template_cache_SOURCES = tests/unit/test-template-cache.c
tests_unit_test_template_cache_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_template_cache_LDADD = $(LXM_UNIT_LIBS)
INTEGRATION_TESTS += tests/integration/template-checksum.sh tests/integration/create-clone.sh
INTEGRATION_TESTS += tests/integration/create-dir-warm.sh tests/integration/create-btrfs-base.sh

UNIT_TESTS += tests/unit/test-configure-standard
tests_unit_test_configure_standard_SOURCES = tests/unit/test-configure-standard.c
tests_unit_test_configure_standard_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_configure_standard_LDADD = $(LXM_UNIT_LIBS)
liblxcmgr_a_SOURCES += lxcmgr/image/configure-standard.c lxcmgr/image/configure-standard.h
liblxcmgr_a_SOURCES += lxcmgr/image/configure-upper.c lxcmgr/image/configure-upper.h
INTEGRATION_TESTS += tests/integration/create-overlay-configure.sh
INTEGRATION_TESTS += tests/integration/create-overlay-calls.sh
UNIT_TESTS += tests/unit/test-template-defaults
tests_unit_test_template_defaults_SOURCES = tests/unit/test-template-defaults.c
tests_unit_test_template_defaults_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_template_defaults_LDADD = $(LXM_UNIT_LIBS)
UNIT_TESTS += tests/unit/test-tree-clone
tests_unit_test_tree_clone_SOURCES = tests/unit/test-tree-clone.c
tests_unit_test_tree_clone_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_tree_clone_LDADD = $(LXM_UNIT_LIBS)
