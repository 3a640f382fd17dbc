/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus renderer: exact output for a small case, label escaping, and a strict parser of
 * the text exposition format (promtool is not used: Debian's prometheus package is ~96 MB). */
#include <ctype.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/metrics-prom.h"

static char *render(const struct lxm_metrics_container *c, size_t n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(lxm_metrics_prom_write(f, c, n), 0);
	fclose(f);
	return buf;
}

static bool name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

/* Reads a metric or label name at *p; false when there is none. */
static bool parse_name(const char **p, char *out, size_t size)
{
	size_t i = 0;
	if (!name_char(**p, true))
		return false;
	while (name_char(**p, i == 0) && i + 1 < size)
		out[i++] = *(*p)++;
	out[i] = '\0';
	return true;
}

/* One sample line: name{label="value",...} number. Returns false on any deviation. */
static bool parse_sample(const char *line, char *family, size_t size, char *series, size_t ssize)
{
	const char *p = line;
	char label[64];
	if (!parse_name(&p, family, size))
		return false;
	const char *series_start = line;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!parse_name(&p, label, sizeof(label)) || *p++ != '=' || *p++ != '"')
				return false;
			for (; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n')
					return false;
				if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
					p++;
				else if (*p == '\\')
					return false;
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return false;
		}
		p++;
	}
	snprintf(series, ssize, "%.*s", (int)(p - series_start), series_start);
	if (*p++ != ' ')
		return false;
	char *end;
	strtod(p, &end);
	return end != p && *end == '\0';
}

/* Strict checks: HELP then TYPE once per family, before its samples; samples only of the current
 * family; no series twice. Returns the number of samples, or -1 (with the line printed). */
static int check_exposition(char *text)
{
	static char seen[64][128], series[4096][256];
	char family[128] = "", typed[128] = "";
	int n_seen = 0, n = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], type[32];
		if (strncmp(line, "# HELP ", 7) == 0) {
			const char *p = line + 7;
			if (!parse_name(&p, name, sizeof(name)) || *p != ' ')
				goto bad;
			for (int i = 0; i < n_seen; i++)
				if (strcmp(seen[i], name) == 0)
					goto bad; /* a family split in two */
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", name);
			snprintf(family, sizeof(family), "%s", name);
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%127s %31s", name, type) != 2 || strcmp(name, family) != 0 ||
			    (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0))
				goto bad;
			snprintf(typed, sizeof(typed), "%s", name);
		} else {
			char s[256];
			if (!parse_sample(line, name, sizeof(name), s, sizeof(s)) || strcmp(name, typed) != 0)
				goto bad;
			for (int i = 0; i < n; i++)
				if (strcmp(series[i], s) == 0)
					goto bad;
			snprintf(series[n++], sizeof(series[0]), "%s", s);
		}
		continue;
	bad:
		print_error("bad exposition line: '%s'\n", line);
		return -1;
	}
	return n;
}

static void test_exact(void **state)
{
	(void)state;
	struct lxm_metrics_container c[2];
	lxm_metrics_container_init(&c[0]);
	lxm_metrics_container_init(&c[1]);
	c[0].name = "web";
	c[0].state = "running";
	c[0].memory_current = 4096;
	c[0].cpu_user_usec = 1500000;
	c[0].cpu_system_usec = 25;
	c[1].name = "db";
	c[1].state = "stopped";
	c[1].restarts = 3;
	char *out = render(c, 2);
	assert_string_equal(out,
		"# HELP lxcmgr_container_running 1 when the container is running (or frozen), else 0.\n"
		"# TYPE lxcmgr_container_running gauge\n"
		"lxcmgr_container_running{name=\"web\"} 1\n"
		"lxcmgr_container_running{name=\"db\"} 0\n"
		"# HELP lxcmgr_container_state The container's state as a label; the value is always 1.\n"
		"# TYPE lxcmgr_container_state gauge\n"
		"lxcmgr_container_state{name=\"web\",state=\"running\"} 1\n"
		"lxcmgr_container_state{name=\"db\",state=\"stopped\"} 1\n"
		"# HELP lxcmgr_container_memory_bytes Memory used by the container's cgroup, in bytes.\n"
		"# TYPE lxcmgr_container_memory_bytes gauge\n"
		"lxcmgr_container_memory_bytes{name=\"web\"} 4096\n"
		"# HELP lxcmgr_container_memory_peak_bytes Highest memory use of the container's cgroup, in bytes.\n"
		"# TYPE lxcmgr_container_memory_peak_bytes gauge\n"
		"# HELP lxcmgr_container_cpu_seconds_total CPU time used by the container, in seconds.\n"
		"# TYPE lxcmgr_container_cpu_seconds_total counter\n"
		"lxcmgr_container_cpu_seconds_total{name=\"web\",mode=\"user\"} 1.500000\n"
		"lxcmgr_container_cpu_seconds_total{name=\"web\",mode=\"system\"} 0.000025\n"
		"# HELP lxcmgr_container_pids Processes and threads in the container.\n"
		"# TYPE lxcmgr_container_pids gauge\n"
		"# HELP lxcmgr_container_network_receive_bytes_total Bytes received by the container's interfaces.\n"
		"# TYPE lxcmgr_container_network_receive_bytes_total counter\n"
		"# HELP lxcmgr_container_network_transmit_bytes_total Bytes sent by the container's interfaces.\n"
		"# TYPE lxcmgr_container_network_transmit_bytes_total counter\n"
		"# HELP lxcmgr_container_disk_bytes Disk space used by the container's root filesystem, in bytes.\n"
		"# TYPE lxcmgr_container_disk_bytes gauge\n"
		"# HELP lxcmgr_container_restarts_total Restarts done by the container's restart policy.\n"
		"# TYPE lxcmgr_container_restarts_total counter\n"
		"lxcmgr_container_restarts_total{name=\"db\"} 3\n");
	assert_int_equal(check_exposition(out), 8);
	free(out);
}

static void test_escaping_and_full(void **state)
{
	(void)state;
	struct lxm_metrics_container c[3];
	const char *names[] = { "a\"b", "back\\slash", "new\nline" };
	for (int i = 0; i < 3; i++) {
		lxm_metrics_container_init(&c[i]);
		c[i].name = names[i];
		c[i].state = "frozen";
		c[i].memory_current = c[i].memory_peak = c[i].pids = c[i].rx_bytes = c[i].tx_bytes = 1;
		c[i].disk_bytes = c[i].restarts = 0;
		c[i].cpu_user_usec = c[i].cpu_system_usec = 18446744073709551614ULL;
	}
	char *out = render(c, 3);
	assert_non_null(strstr(out, "lxcmgr_container_pids{name=\"a\\\"b\"} 1\n"));
	assert_non_null(strstr(out, "{name=\"back\\\\slash\"}"));
	assert_non_null(strstr(out, "{name=\"new\\nline\"}"));
	/* running, state, memory, peak, 2 cpu, pids, rx, tx, disk, restarts: 11 per container */
	assert_int_equal(check_exposition(out), 33);
	free(out);
}

static void test_parser_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"# HELP x h\n# TYPE x gauge\nx{name=\"a\"} \n",
		"# HELP x h\n# TYPE x gauge\ny 1\n",
		"# HELP x h\n# TYPE x gauge\nx{name=\"a\\q\"} 1\n",
		"# HELP x h\n# TYPE x summary\nx 1\n",
		"# HELP x h\n# TYPE x gauge\nx 1\nx 2\n",
		"# HELP x h\n# TYPE x gauge\n# HELP x h\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = strdup(bad[i]);
		assert_int_equal(check_exposition(t), -1);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_escaping_and_full),
		cmocka_unit_test(test_parser_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
