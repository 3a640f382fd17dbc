# fragment for configs/
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = configs/lxcmgr.conf.example configs/container.conf.example
