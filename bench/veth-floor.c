/* The physical floor for a container's network: create a veth pair and delete it again through
 * netlink (libnl-route-3), N times; prints the median milliseconds per create and per delete. */
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20;
	double *c = calloc(n, sizeof(double)), *d = calloc(n, sizeof(double));
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct rtnl_link *l = rtnl_link_veth_alloc(), *peer = rtnl_link_veth_get_peer(l);
		rtnl_link_set_name(l, "lxmbenchA");
		rtnl_link_set_name(peer, "lxmbenchB");
		double t0 = now_ms();
		int r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
		c[i] = now_ms() - t0;
		rtnl_link_put(peer);
		rtnl_link_veth_release(l);
		if (r < 0) {
			fprintf(stderr, "veth create: %s\n", nl_geterror(r));
			return 1;
		}
		struct rtnl_link *del = rtnl_link_alloc();
		rtnl_link_set_name(del, "lxmbenchA");
		t0 = now_ms();
		r = rtnl_link_delete(sk, del);
		d[i] = now_ms() - t0;
		rtnl_link_put(del);
		if (r < 0) {
			fprintf(stderr, "veth delete: %s\n", nl_geterror(r));
			return 1;
		}
	}
	qsort(c, n, sizeof(double), cmp);
	qsort(d, n, sizeof(double), cmp);
	printf("{\"create_ms\": %.3f, \"delete_ms\": %.3f}\n", c[n / 2], d[n / 2]);
	return 0;
}
