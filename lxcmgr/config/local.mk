# lxcmgr/config: sources go into liblxcmgr_a_SOURCES, commands into lxcmgr_lxcmgr_SOURCES, tests into UNIT_TESTS / INTEGRATION_TESTS
liblxcmgr_a_SOURCES += \
	lxcmgr/util/parse.c lxcmgr/util/parse.h \
	lxcmgr/config/validate.c lxcmgr/config/validate.h \
	lxcmgr/config/schema.c lxcmgr/config/schema.h \
	lxcmgr/config/config.c lxcmgr/config/config.h \
	lxcmgr/config/render.c lxcmgr/config/render.h \
	lxcmgr/config/cfgtext.c lxcmgr/config/cfgtext.h \
	lxcmgr/config/edit.c lxcmgr/config/edit.h \
	lxcmgr/config/global.c lxcmgr/config/global.h

lxcmgr_lxcmgr_SOURCES += lxcmgr/cli/cmd-config.c

UNIT_TESTS += tests/unit/test-parse tests/unit/test-config tests/unit/test-config-edit
tests_unit_test_parse_SOURCES = tests/unit/test-parse.c
tests_unit_test_parse_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_parse_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test-config.c tests/unit/capture.h
tests_unit_test_config_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_config_edit_SOURCES = tests/unit/test-config-edit.c tests/unit/capture.h
tests_unit_test_config_edit_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_config_edit_LDADD = $(LXM_UNIT_LIBS)

INTEGRATION_TESTS += tests/integration/config.sh

UNIT_TESTS += tests/unit/test-schema-validators
tests_unit_test_schema_validators_SOURCES = tests/unit/test-schema-validators.c
tests_unit_test_schema_validators_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_schema_validators_LDADD = $(LXM_UNIT_LIBS)
