# lxcmgr/cgroup: one interface (cgroup.h), two back ends (v1, v2), layout detection.
liblxcmgr_a_SOURCES += \
	lxcmgr/cgroup/cgroup.c lxcmgr/cgroup/cgroup.h \
	lxcmgr/cgroup/cgroup-v1.c lxcmgr/cgroup/cgroup-v2.c \
	lxcmgr/cgroup/cgroup-util.c lxcmgr/cgroup/internal.h \
	lxcmgr/cgroup/detect.c lxcmgr/cgroup/detect.h \
	lxcmgr/cgroup/cgroup-bpf.c lxcmgr/cgroup/cgroup-bpf.h \
	lxcmgr/cgroup/describe.c lxcmgr/cgroup/exec-leaf.c
liblxcmgr_a_SOURCES += lxcmgr/cgroup/mounts-cache.c lxcmgr/cgroup/mounts-cache.h

UNIT_TESTS += tests/unit/test-cgroup-detect tests/unit/test-cgroup-v2 tests/unit/test-cgroup-real
tests_unit_test_cgroup_detect_SOURCES = tests/unit/test-cgroup-detect.c
tests_unit_test_cgroup_detect_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_cgroup_detect_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_cgroup_v2_SOURCES = tests/unit/test-cgroup-v2.c tests/unit/fake-files.h
tests_unit_test_cgroup_v2_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_cgroup_v2_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_cgroup_real_SOURCES = tests/unit/test-cgroup-real.c
tests_unit_test_cgroup_real_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_cgroup_real_LDADD = $(LXM_UNIT_LIBS)
EXTRA_DIST += lxcmgr/cgroup/README.md
EXTRA_DIST += tests/vm/cgroup-v2-qemu.sh
UNIT_TESTS += tests/unit/test-cgroup-leaf
tests_unit_test_cgroup_leaf_SOURCES = tests/unit/test-cgroup-leaf.c tests/unit/fake-files.h
tests_unit_test_cgroup_leaf_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_cgroup_leaf_LDADD = $(LXM_UNIT_LIBS)
INTEGRATION_TESTS += tests/integration/exec-leaf.sh tests/integration/exec-leaf-privileged.sh
INTEGRATION_TESTS += tests/integration/exec-cache.sh
