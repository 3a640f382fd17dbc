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
