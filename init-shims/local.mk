# init-shims/: small static programs that run inside containers.
# lxcmgr-init: PID 1 for root filesystems without an init. Static, and built without sanitizers
# (the ASan runtime cannot be linked statically and would not belong in a container's PID 1).
pkglibexec_PROGRAMS += init-shims/lxcmgr-init
init_shims_lxcmgr_init_SOURCES = init-shims/lxcmgr-init.c
init_shims_lxcmgr_init_CFLAGS = $(WARN_CFLAGS)
init_shims_lxcmgr_init_LDFLAGS = -static
init_shims_lxcmgr_init_LDADD =

INTEGRATION_TESTS += tests/integration/init-shim.sh
