# fragment for networking/
libnetworking_a_SOURCES += \
	networking/nl.c networking/nl.h \
	networking/link.c networking/link.h \
	networking/addr.c networking/addr.h \
	networking/route.c networking/route.h \
	networking/netns.c networking/netns.h \
	networking/query.c networking/query.h \
	networking/ipam.c networking/ipam.h \
	networking/nft.c networking/nft.h \
	networking/dnsmasq.c networking/dnsmasq.h \
	networking/managed.c networking/managed.h

UNIT_TESTS += tests/unit/test-net-ipam tests/unit/test-net-netlink tests/unit/test-net-nft tests/unit/test-net-setup
tests_unit_test_net_ipam_SOURCES = tests/unit/test-net-ipam.c
tests_unit_test_net_ipam_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_ipam_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_net_netlink_SOURCES = tests/unit/test-net-netlink.c
tests_unit_test_net_netlink_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_netlink_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_net_nft_SOURCES = tests/unit/test-net-nft.c
tests_unit_test_net_nft_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_nft_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_net_setup_SOURCES = tests/unit/test-net-setup.c
tests_unit_test_net_setup_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_setup_LDADD = $(LXM_UNIT_LIBS)

# libnetworking.a calls lxm_log_* in liblxcmgr.a, and liblxcmgr.a (runtime/net-setup.c) calls
# libnetworking.a: list liblxcmgr.a once more after it so static linking resolves both ways.
LXM_LIBS += liblxcmgr.a
AM_CFLAGS += $(NFTABLES_CFLAGS)

# Container-aware glue and the commands (lxcmgr/, but owned by the networking work).
liblxcmgr_a_SOURCES += \
	lxcmgr/runtime/net-setup.c lxcmgr/runtime/net-setup.h \
	lxcmgr/runtime/net-forward.c lxcmgr/runtime/net-forward.h \
	lxcmgr/runtime/net-claims.c lxcmgr/runtime/net-claims.h \
	lxcmgr/runtime/net-check.c lxcmgr/runtime/net-check.h \
	lxcmgr/runtime/net-info.c lxcmgr/runtime/net-info.h \
	lxcmgr/runtime/net-step.c lxcmgr/runtime/net-step.h \
	lxcmgr/runtime/net-rootfs.c lxcmgr/runtime/net-rootfs.h
lxcmgr_lxcmgr_SOURCES += lxcmgr/cli/cmd-net.c lxcmgr/cli/cmd-port.c
INTEGRATION_TESTS += tests/integration/net.sh tests/integration/net-port.sh tests/integration/net-containers.sh
