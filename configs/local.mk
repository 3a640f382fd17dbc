# fragment for configs/
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = configs/lxcmgr.conf.example configs/container.conf.example

# The global config: the example (with its default network) becomes /etc/lxcmgr/lxcmgr.conf on
# the first install only; an existing file is the administrator's and is never overwritten. The
# path is fixed (lxcmgr reads /etc/lxcmgr/lxcmgr.conf), so an unprivileged install (distcheck)
# only prints a note.
globalconfdir = /etc/lxcmgr
install-data-local:
	@if test -e "$(DESTDIR)$(globalconfdir)/lxcmgr.conf"; then \
		echo "Keeping the existing '$(DESTDIR)$(globalconfdir)/lxcmgr.conf'"; \
	elif $(MKDIR_P) "$(DESTDIR)$(globalconfdir)" 2>/dev/null && test -w "$(DESTDIR)$(globalconfdir)"; then \
		echo " $(INSTALL_DATA) configs/lxcmgr.conf.example '$(DESTDIR)$(globalconfdir)/lxcmgr.conf'"; \
		$(INSTALL_DATA) "$(srcdir)/configs/lxcmgr.conf.example" "$(DESTDIR)$(globalconfdir)/lxcmgr.conf"; \
	else \
		echo "Note: cannot write '$(DESTDIR)$(globalconfdir)'; copy configs/lxcmgr.conf.example there as lxcmgr.conf"; \
	fi

# The global config goes with the package only while nobody changed it.
uninstall-local:
	@if cmp -s "$(srcdir)/configs/lxcmgr.conf.example" "$(DESTDIR)$(globalconfdir)/lxcmgr.conf"; then \
		echo " rm -f '$(DESTDIR)$(globalconfdir)/lxcmgr.conf'"; \
		rm -f "$(DESTDIR)$(globalconfdir)/lxcmgr.conf"; \
		rmdir "$(DESTDIR)$(globalconfdir)" 2>/dev/null || :; \
	fi

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
