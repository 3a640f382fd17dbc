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

UNIT_TESTS += tests/unit/test-net-ipam tests/unit/test-net-netlink
tests_unit_test_net_ipam_SOURCES = tests/unit/test-net-ipam.c
tests_unit_test_net_ipam_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_ipam_LDADD = $(LXM_UNIT_LIBS)
tests_unit_test_net_netlink_SOURCES = tests/unit/test-net-netlink.c
tests_unit_test_net_netlink_CFLAGS = $(LXM_UNIT_CFLAGS)
tests_unit_test_net_netlink_LDADD = $(LXM_UNIT_LIBS)

# libnetworking.a calls lxm_log_* in liblxcmgr.a, and liblxcmgr.a (runtime/net-setup.c) calls
# libnetworking.a: list liblxcmgr.a once more after it so static linking resolves both ways.
LXM_LIBS += liblxcmgr.a $(NFTABLES_LIBS)
AM_CFLAGS += $(NFTABLES_CFLAGS)
