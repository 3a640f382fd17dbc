bin_PROGRAMS += lxcmgr/lxcmgr

liblxcmgr_a_SOURCES += \
	lxcmgr/util/macros.h \
	lxcmgr/util/log.c lxcmgr/util/log.h \
	lxcmgr/util/dl.c lxcmgr/util/dl.h \
	lxcmgr/util/trusted-file.c lxcmgr/util/trusted-file.h \
	lxcmgr/util/strv.c lxcmgr/util/strv.h \
	lxcmgr/util/uuid.c lxcmgr/util/uuid.h \
	lxcmgr/util/mm-holder.c lxcmgr/util/mm-holder.h \
	lxcmgr/util/huge-text.c lxcmgr/util/huge-text.h \
	lxcmgr/runtime/full-helper.c lxcmgr/runtime/full-helper.h \
	lxcmgr/util/openat2.h \
	lxcmgr/core/paths.c lxcmgr/core/paths.h

lxcmgr_lxcmgr_SOURCES = \
	lxcmgr/main.c \
	lxcmgr/cli/context.h \
	lxcmgr/cli/commands.c lxcmgr/cli/commands.h \
	lxcmgr/cli/cmd-help.c \
	lxcmgr/cli/cmd-full-helper.c
lxcmgr_lxcmgr_LDADD = $(LXM_LIBS)

UNIT_TESTS += tests/unit/test-strv
tests_unit_test_strv_SOURCES = tests/unit/test-strv.c
tests_unit_test_strv_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_strv_LDADD = $(LXM_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-mm-holder
tests_unit_test_mm_holder_SOURCES = tests/unit/test-mm-holder.c
tests_unit_test_mm_holder_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_mm_holder_LDADD = $(LXM_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-huge-text
tests_unit_test_huge_text_SOURCES = tests/unit/test-huge-text.c
tests_unit_test_huge_text_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_huge_text_LDADD = $(LXM_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-uuid
tests_unit_test_uuid_SOURCES = tests/unit/test-uuid.c
tests_unit_test_uuid_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_uuid_LDADD = $(LXM_UNIT_LIBS)

# The static `lxcmgr` and the dynamic lxcmgr-full (lxcmgr/cli/front.c): lxcmgr links libfront.a
# (forced in with -u: main() refers to it weakly), lxcmgr-full the same objects without it (its
# sources are lxcmgr's, set at the end of Makefile.am once every fragment added its own). front.c
# is freestanding: the static entry point runs it before the C library or relocations exist.
INTEGRATION_TESTS += tests/integration/exec-front.sh tests/integration/exec-plan.sh tests/integration/exec-prefault.sh
INTEGRATION_TESTS += tests/integration/exec-ns.sh tests/integration/exec-syscalls.sh tests/integration/huge-text.sh
INTEGRATION_TESTS += tests/integration/start-front.sh tests/integration/start-global.sh tests/integration/create-front.sh \
	tests/integration/create-dir-base.sh
if FRONT_ROUTE
noinst_LIBRARIES += libfront.a
libfront_a_SOURCES = lxcmgr/cli/front.c lxcmgr/cli/front.h lxcmgr/cli/front-kill.c lxcmgr/cli/front-sys.h
libfront_a_CPPFLAGS = $(AM_CPPFLAGS) $(LXM_FRONT_CPPFLAGS)
libfront_a_CFLAGS = $(WARN_CFLAGS) -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-tree-loop-distribute-patterns
lxcmgr_lxcmgr_LDADD += libfront.a
lxcmgr_lxcmgr_LDFLAGS = $(AM_LDFLAGS) -Wl,-u,lxm_front_route
pkglibexec_PROGRAMS += lxcmgr/lxcmgr-full
lxcmgr_lxcmgr_full_LDADD = $(LXM_LIBS)
if STATIC_CLI
LXM_FRONT_CPPFLAGS = -DLXM_STATIC_FRONT
lxcmgr_lxcmgr_LDFLAGS += -static-pie -Wl,-e,lxm_front_entry -Wl,--wrap=_dl_get_origin $(LXM_RELR_LDFLAGS)
if HUGE_TEXT
lxcmgr_lxcmgr_LDFLAGS += $(LXM_HUGE_TEXT_LDFLAGS)
EXTRA_lxcmgr_lxcmgr_DEPENDENCIES = $(top_srcdir)/lxcmgr/cli/huge-text.ld
endif
endif
endif
EXTRA_DIST += lxcmgr/cli/huge-text.ld

# The static lxcmgr's code and read-only data in 2 MiB blocks (lxcmgr/util/huge-text.c), put into
# huge page-cache folios by lxcmgr-full (which does not map lxcmgr: a mapping would pin its 4 KiB
# pages) by every make (~1 ms when they are there already; the page cache may have dropped them
# since the link, a reboot always does) and by make install; the boot service does it again after a
# reboot. Blocks it cannot warm are reported (lxcmgr/.huge-text-warm), not an error: lxcmgr then
# runs from 4 KiB pages as without the layout.
if HUGE_TEXT
all-local: lxcmgr/lxcmgr lxcmgr/lxcmgr-full
	$(AM_V_GEN)lxcmgr/lxcmgr-full __warm-text lxcmgr/lxcmgr >lxcmgr/.huge-text-warm
CLEANFILES += lxcmgr/.huge-text-warm
install-exec-hook:
	@if test -z "$(DESTDIR)"; then \
		echo " $(pkglibexecdir)/lxcmgr-full __warm-text $(bindir)/lxcmgr"; \
		"$(pkglibexecdir)/lxcmgr-full" __warm-text "$(bindir)/lxcmgr"; \
	fi
endif
