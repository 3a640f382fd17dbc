bin_PROGRAMS += lxcmgr/lxcmgr

liblxcmgr_a_SOURCES += \
	lxcmgr/util/macros.h \
	lxcmgr/util/log.c lxcmgr/util/log.h \
	lxcmgr/util/dl.c lxcmgr/util/dl.h \
	lxcmgr/util/openat2.h \
	lxcmgr/core/paths.c lxcmgr/core/paths.h

lxcmgr_lxcmgr_SOURCES = \
	lxcmgr/main.c \
	lxcmgr/cli/context.h \
	lxcmgr/cli/commands.c lxcmgr/cli/commands.h \
	lxcmgr/cli/cmd-help.c
lxcmgr_lxcmgr_LDADD = $(LXM_LIBS)
