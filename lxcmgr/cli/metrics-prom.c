/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cli/metrics-prom.h"

enum family_type { COUNTER, GAUGE };

struct family {
	const char *name;
	const char *help;
	enum family_type type;
	size_t offset;   /* of the uint64_t field in struct lxm_metrics_container */
	unsigned divide; /* 1: integer value; 1000000: microseconds printed as seconds */
	const char *extra_label; /* e.g. "mode=\"user\"", NULL for none */
};

#define FIELD(f) offsetof(struct lxm_metrics_container, f)

/* cpu user and system share one family, told apart by a mode label (node_exporter's convention). */
static const struct family families[] = {
	{ "lxcmgr_container_memory_bytes", "Memory used by the container's cgroup, in bytes.", GAUGE,
	  FIELD(memory_current), 1, NULL },
	{ "lxcmgr_container_memory_peak_bytes", "Highest memory use of the container's cgroup, in bytes.", GAUGE,
	  FIELD(memory_peak), 1, NULL },
	{ "lxcmgr_container_cpu_seconds_total", "CPU time used by the container, in seconds.", COUNTER,
	  FIELD(cpu_user_usec), 1000000, "mode=\"user\"" },
	{ NULL, NULL, COUNTER, FIELD(cpu_system_usec), 1000000, "mode=\"system\"" },
	{ "lxcmgr_container_pids", "Processes and threads in the container.", GAUGE, FIELD(pids), 1, NULL },
	{ "lxcmgr_container_network_receive_bytes_total", "Bytes received by the container's interfaces.",
	  COUNTER, FIELD(rx_bytes), 1, NULL },
	{ "lxcmgr_container_network_transmit_bytes_total", "Bytes sent by the container's interfaces.",
	  COUNTER, FIELD(tx_bytes), 1, NULL },
	{ "lxcmgr_container_disk_bytes", "Disk space used by the container's root filesystem, in bytes.", GAUGE,
	  FIELD(disk_bytes), 1, NULL },
	{ "lxcmgr_container_restarts_total", "Restarts done by the container's restart policy.", COUNTER,
	  FIELD(restarts), 1, NULL },
};

void lxm_metrics_container_init(struct lxm_metrics_container *c)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		*(uint64_t *)((char *)c + families[i].offset) = LXM_METRICS_UNKNOWN;
}

/* Label values may hold any UTF-8; the format escapes \, " and newline. */
static void write_label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void write_header(FILE *f, const char *name, const char *help, const char *type)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void write_sample_start(FILE *f, const char *family, const char *name)
{
	fprintf(f, "%s{name=", family);
	write_label_value(f, name);
}

static void write_states(FILE *f, const struct lxm_metrics_container *c, size_t n)
{
	write_header(f, "lxcmgr_container_running", "1 when the container is running (or frozen), else 0.", "gauge");
	for (size_t i = 0; i < n; i++) {
		bool up = c[i].state && (strcmp(c[i].state, "running") == 0 || strcmp(c[i].state, "frozen") == 0);
		write_sample_start(f, "lxcmgr_container_running", c[i].name);
		fprintf(f, "} %d\n", up ? 1 : 0);
	}
	write_header(f, "lxcmgr_container_state", "The container's state as a label; the value is always 1.", "gauge");
	for (size_t i = 0; i < n; i++) {
		write_sample_start(f, "lxcmgr_container_state", c[i].name);
		fputs(",state=", f);
		write_label_value(f, c[i].state ? c[i].state : "unknown");
		fputs("} 1\n", f);
	}
}

int lxm_metrics_prom_write(FILE *f, const struct lxm_metrics_container *c, size_t n)
{
	const char *family = NULL;

	write_states(f, c, n);
	for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
		const struct family *fam = &families[k];
		if (fam->name) {
			family = fam->name;
			write_header(f, family, fam->help, fam->type == COUNTER ? "counter" : "gauge");
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t v = *(const uint64_t *)((const char *)&c[i] + fam->offset);
			if (v == LXM_METRICS_UNKNOWN)
				continue;
			write_sample_start(f, family, c[i].name);
			if (fam->extra_label)
				fprintf(f, ",%s", fam->extra_label);
			if (fam->divide > 1)
				fprintf(f, "} %llu.%06llu\n", (unsigned long long)(v / fam->divide),
					(unsigned long long)(v % fam->divide));
			else
				fprintf(f, "} %llu\n", (unsigned long long)v);
		}
	}
	return ferror(f) ? -EIO : 0;
}
