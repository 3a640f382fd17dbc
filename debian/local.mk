# debian/: packaging (dpkg-buildpackage); the package test is root-only.
