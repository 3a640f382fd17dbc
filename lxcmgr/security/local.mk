# lxcmgr/security: seccomp, AppArmor, id maps, device allow-list (issue 6).
liblxcmgr_a_SOURCES += \
	lxcmgr/security/seccomp.c lxcmgr/security/seccomp.h

seccompdir = $(pkgdatadir)/seccomp
dist_seccomp_DATA = configs/seccomp/default

# The default profile is also built in, for a binary run from the build tree (or a broken
# install): a container must never start without its filter because a data file is missing.
AM_CPPFLAGS += -I$(top_builddir)/lxcmgr
lxcmgr/security/seccomp-default.inc: $(top_srcdir)/configs/seccomp/default
	$(AM_V_GEN)$(MKDIR_P) lxcmgr/security && \
	sed -e 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' $(top_srcdir)/configs/seccomp/default >$@.tmp && mv $@.tmp $@
lxcmgr/security/seccomp.$(OBJEXT): lxcmgr/security/seccomp-default.inc
CLEANFILES += lxcmgr/security/seccomp-default.inc

# Uninstalled runs (make check) read the profiles from the source tree.
AM_TESTS_ENVIRONMENT += LXCMGR_PROFILES_DIR='$(abs_top_srcdir)/configs'; export LXCMGR_PROFILES_DIR;

UNIT_TESTS += tests/unit/test-seccomp
tests_unit_test_seccomp_SOURCES = tests/unit/test-seccomp.c
tests_unit_test_seccomp_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_seccomp_LDADD = $(LXM_UNIT_LIBS)

liblxcmgr_a_SOURCES += lxcmgr/security/idmap.c lxcmgr/security/idmap.h
UNIT_TESTS += tests/unit/test-idmap
tests_unit_test_idmap_SOURCES = tests/unit/test-idmap.c
tests_unit_test_idmap_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_idmap_LDADD = $(LXM_UNIT_LIBS)

liblxcmgr_a_SOURCES += \
	lxcmgr/security/devices.c lxcmgr/security/devices.h \
	lxcmgr/security/devices-bpf.c lxcmgr/security/devices-bpf.h
UNIT_TESTS += tests/unit/test-devices
tests_unit_test_devices_SOURCES = tests/unit/test-devices.c
tests_unit_test_devices_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_devices_LDADD = $(LXM_UNIT_LIBS)

liblxcmgr_a_SOURCES += lxcmgr/security/apparmor.c lxcmgr/security/apparmor.h \
	lxcmgr/security/summary.c lxcmgr/security/summary.h
apparmordir = $(pkgdatadir)/apparmor
dist_apparmor_DATA = configs/apparmor/lxcmgr-container.in
UNIT_TESTS += tests/unit/test-apparmor
tests_unit_test_apparmor_SOURCES = tests/unit/test-apparmor.c
tests_unit_test_apparmor_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_apparmor_LDADD = $(LXM_UNIT_LIBS)

# Drives the modules from the shell tests below (and in the VM lane).
check_PROGRAMS += tests/security-helper
tests_security_helper_SOURCES = tests/security-helper.c
tests_security_helper_LDADD = $(LXM_LIBS)
INTEGRATION_TESTS += tests/integration/devices-bpf.sh tests/integration/apparmor.sh tests/integration/security.sh tests/integration/userns.sh \
	tests/integration/userns-cli.sh

# Re-exec from a sealed memfd before exec/shell enter a container (CVE-2019-5736).
liblxcmgr_a_SOURCES += lxcmgr/security/cloned-binary.c lxcmgr/security/cloned-binary.h
INTEGRATION_TESTS += tests/integration/safe-exec.sh tests/integration/safe-exec-unprivileged.sh

# Ownership shifting where the rootfs' filesystem cannot be id-mapped.
liblxcmgr_a_SOURCES += lxcmgr/security/idshift.c lxcmgr/security/idshift.h
UNIT_TESTS += tests/unit/test-idshift
tests_unit_test_idshift_SOURCES = tests/unit/test-idshift.c
tests_unit_test_idshift_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_idshift_LDADD = $(LXM_UNIT_LIBS)
INTEGRATION_TESTS += tests/integration/idshift.sh tests/integration/safe-paths.sh tests/integration/escape.sh
EXTRA_DIST += tests/escape-probe.c

# The escape attempts of tests/integration/escape.sh, static (it runs inside a busybox container)
# and without the sanitizers (they cannot link statically); built here so the VM lane's guest,
# which has no compiler, runs them too.
check_PROGRAMS += tests/escape-probe
tests_escape_probe_SOURCES = tests/escape-probe.c
tests_escape_probe_CFLAGS = $(WARN_CFLAGS)
tests_escape_probe_LDFLAGS = -static
