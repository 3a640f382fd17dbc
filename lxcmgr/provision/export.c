/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config/config.h"
#include "config/render.h"
#include "networking/ipam.h"
#include "networking/managed.h"
#include "provision/export.h"
#include "store/store.h"
#include "util/log.h"

static bool identity_line(const char *line)
{
	static const char *const keys[] = { "  name = ", "  uuid = ", "  created = ", "  arch = " };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strncmp(line, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

static int export_container(const struct lxm_container *ct, FILE *f)
{
	_cleanup_free_ char *body = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&body, &len);
	if (!m)
		return -ENOMEM;
	lxm_config_render_set(ct->config, "  ", m);
	if (fclose(m) != 0)
		return -ENOMEM;
	fputs("container ", f);
	lxm_config_write_title(ct->name, f);
	fputs(" {\n", f);
	char *save = NULL;
	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!identity_line(line))
			fprintf(f, "%s\n", line);
	fputs("}\n\n", f);
	return 0;
}

static int export_network(const struct lxm_paths *paths, const char *name, FILE *f)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	char a[LXM_CIDR_STRLEN];

	if (lxm_network_load(paths->networks_dir, name, &n) < 0)
		return 0; /* not a managed network: nothing to declare */
	fputs("network ", f);
	lxm_config_write_title(name, f);
	fputs(" {\n", f);
	if (n->ipv4.family) {
		fputs("  ipv4 = ", f);
		lxm_config_quote(lxm_ipam_cidr_to_string(&n->ipv4, a), f);
		fputc('\n', f);
	}
	if (n->ipv6.family) {
		fputs("  ipv6 = ", f);
		lxm_config_quote(lxm_ipam_cidr_to_string(&n->ipv6, a), f);
		fputc('\n', f);
	}
	fprintf(f, "  nat = %s\n  dhcp = %s\n  domain = ", n->nat ? "true" : "false", n->dhcp ? "true" : "false");
	lxm_config_quote(n->domain, f);
	fputs("\n  dns_upstream = ", f);
	lxm_config_quote(n->dns_upstream, f);
	fputs("\n}\n\n", f);
	return 0;
}

static bool seen(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (STREQ(list[i], s))
			return true;
	return false;
}

int lxm_provision_export(const struct lxm_paths *paths, char *const *names, FILE *f)
{
	_cleanup_strv_free_ char **all = NULL;
	_cleanup_free_ char **nets = NULL;
	_cleanup_free_ struct lxm_container **cts = NULL;
	size_t n = 0, n_nets = 0;
	int r = 0;

	if (!names || !names[0]) {
		r = lxm_store_list(paths, &all);
		if (r < 0)
			return r;
		names = all;
	}
	for (char *const *p = names; *p; p++)
		n++;
	cts = calloc(n + 1, sizeof(*cts));
	nets = calloc(8 * n + 1, sizeof(*nets));
	if (!cts || !nets)
		return -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = lxm_container_load(paths, names[i], &cts[i]);
	for (size_t i = 0; i < n && r >= 0; i++)
		for (unsigned j = 0; j < cfg_size(cts[i]->config, "network") && n_nets < 8 * n; j++) {
			const char *b = cfg_getstr(cfg_getnsec(cts[i]->config, "network", j), "bridge");
			if (b && !seen(nets, n_nets, b))
				nets[n_nets++] = (char *)b;
		}
	if (r >= 0) {
		fputs("# Written by 'lxcmgr export-config': apply it with 'lxcmgr apply FILE'.\n\n", f);
		for (size_t i = 0; i < n_nets; i++)
			export_network(paths, nets[i], f);
		for (size_t i = 0; i < n; i++)
			export_container(cts[i], f);
	}
	for (size_t i = 0; i < n; i++)
		lxm_container_free(cts[i]);
	return r;
}
