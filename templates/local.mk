# templates/: template scripts (templates/CONTRACT.md), installed executable into
# $(pkgdatadir)/templates with their sourced helpers in templates/lib.
templatesdir = $(pkgdatadir)/templates
dist_templates_SCRIPTS = templates/busybox templates/debian templates/prepare-rootfs
templateslibdir = $(pkgdatadir)/templates/lib
dist_templateslib_DATA = templates/lib/common.sh templates/lib/prepare.sh
EXTRA_DIST += templates/CONTRACT.md

INTEGRATION_TESTS += tests/integration/templates.sh tests/integration/shellcheck-templates.sh \
	tests/integration/shared-cache-sync.sh
EXTRA_DIST += tests/shared-cache-sync
