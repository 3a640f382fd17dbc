# debian/: packaging for dpkg-buildpackage -us -uc -b (tests/integration/deb-package.sh builds,
# installs, uses and purges it).
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/lxcmgr.install debian/lxcmgr.lintian-overrides
INTEGRATION_TESTS += tests/integration/deb-package.sh
