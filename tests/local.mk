# Unit tests (cmocka): each module's local.mk adds its test-*.c programs to UNIT_TESTS.
# Integration tests (root, real containers): TAP shell scripts in tests/integration/.
UNIT_TESTS =
# The shared libraries even where lxcmgr links them statically (configure.ac: LXM_SHARED_LIBS)
LXM_UNIT_LIBS = liblxcmgr.a libnetworking.a $(LXM_SHARED_LIBS) liblxcmgr.a $(CMOCKA_LIBS)
LXM_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

INTEGRATION_TESTS = tests/integration/lib-tap.sh

if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
if INTEGRATION_TESTS
TESTS += $(INTEGRATION_TESTS)
endif
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/integration/fake-template.sh
