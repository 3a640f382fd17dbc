# fragment for configs/
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = configs/lxcmgr.conf.example configs/container.conf.example

# services: the host's boot/shutdown integration (autostart)
systemdsystemunit_DATA = configs/lxcmgr.service
initdir = $(sysconfdir)/init.d
init_SCRIPTS = configs/init.d/lxcmgr
CLEANFILES += configs/lxcmgr.service configs/init.d/lxcmgr
EXTRA_DIST += configs/lxcmgr.service.in configs/lxcmgr.init.in
configs/lxcmgr.service: configs/lxcmgr.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) configs && sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/configs/lxcmgr.service.in >$@
configs/init.d/lxcmgr: configs/lxcmgr.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) configs/init.d && sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/configs/lxcmgr.init.in >$@ && chmod +x $@
