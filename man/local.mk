# man/: scdoc sources; the pages are build products (make builds them, make install installs them).
# man/check-docs.sh (make check) fails when a command or config key is missing from the sources.
MAN_SCD = man/lxcmgr.1.scd man/lxcmgr.conf.5.scd man/lxcmgr-apply.5.scd
EXTRA_DIST += $(MAN_SCD) man/check-docs.sh
TESTS += man/check-docs.sh

if HAVE_SCDOC
man1_MANS = man/lxcmgr.1
man5_MANS = man/lxcmgr.conf.5 man/lxcmgr-apply.5
CLEANFILES += $(man1_MANS) $(man5_MANS)

man/%: man/%.scd
	$(AM_V_GEN)$(MKDIR_P) man && $(SCDOC) < $< > $@.tmp && mv $@.tmp $@
endif
