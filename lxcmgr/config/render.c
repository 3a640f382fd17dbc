/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>

#include "config/config.h"
#include "config/edit.h"
#include "config/render.h"
#include "util/log.h"

void lxm_config_quote(const char *s, FILE *f)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
		case '\\':
		case '$':
			fputc('\\', f);
			fputc(c, f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

void lxm_config_write_title(const char *title, FILE *f)
{
	bool bare = *title;
	for (const char *p = title; *p && bare; p++)
		bare = isalnum((unsigned char)*p) || strchr("_.-", *p);
	if (bare)
		fputs(title, f);
	else
		lxm_config_quote(title, f);
}

void lxm_config_format_value(cfg_opt_t *opt, unsigned i, FILE *f)
{
	switch (opt->type) {
	case CFGT_STR:
		lxm_config_quote(cfg_opt_getnstr(opt, i), f);
		break;
	case CFGT_INT:
		fprintf(f, "%ld", cfg_opt_getnint(opt, i));
		break;
	case CFGT_FLOAT:
		fprintf(f, "%g", cfg_opt_getnfloat(opt, i));
		break;
	case CFGT_BOOL:
		fputs(cfg_opt_getnbool(opt, i) ? "true" : "false", f);
		break;
	default:
		break;
	}
}

static unsigned render_section(cfg_opt_t *opt, const char *indent, FILE *f)
{
	unsigned lines = 0;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		cfg_t *sub = cfg_opt_getnsec(opt, i);
		_cleanup_free_ char *body = NULL, *inner = NULL;
		size_t len = 0;

		if (asprintf(&inner, "%s  ", indent) < 0)
			return lines;
		FILE *m = open_memstream(&body, &len);
		if (!m)
			return lines;
		unsigned n = lxm_config_render_set(sub, inner, m);
		fclose(m);
		/* Sections holding only schema defaults add nothing; titled ones still name an instance. */
		if (n == 0 && !cfg_title(sub))
			continue;
		fprintf(f, "%s%s ", indent, opt->name);
		if (cfg_title(sub)) {
			lxm_config_write_title(cfg_title(sub), f);
			fputc(' ', f);
		}
		fprintf(f, "{\n%s%s}\n", body ? body : "", indent);
		lines += n + 2;
	}
	return lines;
}

unsigned lxm_config_render_set(cfg_t *sec, const char *indent, FILE *f)
{
	unsigned lines = 0;

	for (cfg_opt_t *opt = sec->opts; opt && opt->name; opt++) {
		if (opt->type == CFGT_SEC) {
			lines += render_section(opt, indent, f);
			continue;
		}
		if (!(opt->flags & CFGF_MODIFIED) || (cfg_opt_size(opt) == 0 && !(opt->flags & CFGF_LIST)))
			continue;
		fprintf(f, "%s%s = ", indent, opt->name);
		if (opt->flags & CFGF_LIST) {
			fputc('{', f);
			for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
				fputs(i ? ", " : "", f);
				lxm_config_format_value(opt, i, f);
			}
			fputc('}', f);
		} else
			lxm_config_format_value(opt, 0, f);
		fputc('\n', f);
		lines++;
	}
	return lines;
}

/* Commented examples for the sections a new config does not set, one per section. */
static const struct {
	const char *section, *text;
} hints[] = {
	{ "network", "# network eth0 {\n"
		     "#   type = \"veth\"          # veth | macvlan | empty | none\n"
		     "#   bridge = \"lxcbr0\"\n"
		     "#   hwaddr = \"auto\"\n"
		     "#   ipv4 = \"dhcp\"          # or \"10.0.3.10/24\", or \"auto\"\n"
		     "# }\n" },
	{ "limits", "# limits { memory = \"512M\"  cpus = 1.5  pids = 1024 }\n" },
	{ "mount", "# mount data { source = \"/srv/data\"  target = \"/data\"  options = \"bind,ro\" }\n" },
	{ "autostart", "# autostart { enabled = true  order = 10  delay = 5 }\n" },
	{ "restart", "# restart { policy = \"on-failure\"  max = 5  window = 300 }\n" },
	{ "forward", "# forward web { proto = \"tcp\"  host_port = 8080  container_port = 80 }\n" },
};

static bool section_in(const char *body, const char *section)
{
	size_t n = strlen(section);
	for (const char *p = body; p && (p = strstr(p, section)); p += n)
		if ((p == body || p[-1] == '\n') && p[n] == ' ')
			return true;
	return false;
}

static void write_hints(const char *rendered, FILE *f)
{
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(hints); i++) {
		if (rendered && section_in(rendered, hints[i].section))
			continue;
		if (first)
			fputs("\n# More settings (see container.conf.example); uncomment and adapt:\n", f);
		first = false;
		fputs(hints[i].text, f);
	}
}

static void identity_line(FILE *f, const char *key, const char *value)
{
	if (IS_EMPTY(value))
		return;
	fprintf(f, "%-12s= ", key);
	lxm_config_quote(value, f);
	fputc('\n', f);
}

static bool default_set(cfg_t *defaults, const char *key)
{
	cfg_t *sec = defaults ? cfg_getsec(defaults, "security") : NULL;
	cfg_opt_t *o = sec ? cfg_getopt(sec, key) : NULL;
	return o && (o->flags & CFGF_MODIFIED);
}

/* New containers are unprivileged (a user namespace: root inside is not root on the host), said
 * in their config so that it reads what the container is; `privileged = true` is the explicit
 * opt-out. A global `defaults { security { ... } }` choice wins, and what it leaves out is added
 * to its section. */
static int security_section(const char *body, FILE *f)
{
	if (body && section_in(body, "security"))
		return 0;
	fputs("\n# Unprivileged: a user namespace with a subuid/subgid range; 'privileged = true' opts out.\n"
	      "security {\n"
	      "  privileged = false\n"
	      "  idmap      = \"auto\"\n"
	      "}\n",
	      f);
	return 1;
}

static int complete_security(cfg_t *defaults, char **text)
{
	static const struct {
		const char *key, *value;
	} keys[] = { { "privileged", "false" }, { "idmap", "auto" } };

	/* An explicit privileged = true needs no idmap line. */
	if (default_set(defaults, "privileged") && cfg_getbool(cfg_getsec(defaults, "security"), "privileged"))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char key[32], *edited = NULL;
		if (default_set(defaults, keys[i].key))
			continue;
		snprintf(key, sizeof(key), "security.%s", keys[i].key);
		int r = lxm_config_edit_text(*text, key, keys[i].value, &edited);
		if (r < 0)
			return r;
		free(*text);
		*text = edited;
	}
	return 0;
}

int lxm_config_render_new(const struct lxm_config_identity *id, cfg_t *global, char **ret, cfg_t **ret_cfg)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	if (!id || IS_EMPTY(id->name))
		return -EINVAL;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# lxcmgr container config for '%s' (libconfuse syntax).\n"
		   "# Change it with 'lxcmgr config %s set KEY VALUE' or 'lxcmgr config %s edit'.\n\n"
		   "# Identity, written at creation.\n",
		id->name, id->name, id->name);
	identity_line(f, "name", id->name);
	identity_line(f, "uuid", id->uuid);
	identity_line(f, "template", id->template_name);
	identity_line(f, "release", id->release);
	identity_line(f, "arch", id->arch);
	identity_line(f, "init_system", id->init_system);
	identity_line(f, "created", id->created);
	fputs("\n", f);
	identity_line(f, "hostname", id->name);
	fputs("\n# Overrides for the detected init:\n"
	      "# init = \"/sbin/init\"\n"
	      "# halt_signal = \"SIGRTMIN+3\"\n"
	      "# reboot_signal = \"SIGINT\"\n",
	      f);

	cfg_t *defaults = global ? cfg_getsec(global, "defaults") : NULL;
	_cleanup_free_ char *body = NULL;
	if (defaults) {
		size_t blen = 0;
		FILE *m = open_memstream(&body, &blen);
		if (!m) {
			fclose(f);
			return -ENOMEM;
		}
		unsigned n = lxm_config_render_set(defaults, "", m);
		fclose(m);
		if (n > 0)
			fprintf(f, "\n# From the defaults of the global config.\n%s", body);
	}
	bool own_security = security_section(body, f) > 0;
	write_hints(body, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	if (!own_security) {
		r = complete_security(defaults, &text);
		if (r < 0)
			return r;
	}

	/* What we write must read back: a bad identity or default fails here, not at next load. */
	r = lxm_config_parse_string(text, "new config", ret_cfg);
	if (r < 0)
		return log_error_errno(r, "Generated config for '%s' is invalid", id->name);
	*ret = TAKE_PTR(text);
	return 0;
}
