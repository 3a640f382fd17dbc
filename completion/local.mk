# completion/: bash completion, installed where bash-completion looks (configure --with-bashcompletiondir).
EXTRA_DIST += completion/lxcmgr.bash
INTEGRATION_TESTS += tests/integration/completion.sh
# bash-completion looks the file up by the command's name.
bashcompletion_DATA = completion/lxcmgr
CLEANFILES += completion/lxcmgr
completion/lxcmgr: completion/lxcmgr.bash
	$(AM_V_GEN)$(MKDIR_P) completion && cp $(srcdir)/completion/lxcmgr.bash $@
