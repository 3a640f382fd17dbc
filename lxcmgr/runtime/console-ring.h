/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console's history: a bounded ring buffer (what a new viewer sees first) and an append-only log
 * file rotated by size (CONTAINERS/NAME/console.log, .1, .2 ...), which survives the container.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct lxm_console_ring {
	char *buf;   /* mmap'ed on first append, so an idle monitor pays nothing */
	int fd;      /* the memfd behind buf: the full and the small monitor map the same history */
	size_t size; /* capacity */
	size_t start;
	size_t len;
};

void lxm_console_ring_init(struct lxm_console_ring *r, size_t size);
void lxm_console_ring_append(struct lxm_console_ring *r, const void *data, size_t n);
/* Fills up to two iovecs with the content in order; returns how many. */
int lxm_console_ring_peek(const struct lxm_console_ring *r, struct iovec iov[2]);
/* Sends the history to a new viewer on a SOCK_SEQPACKET socket, in packets of at most max bytes
 * (each taken whole), without blocking; stops at the first packet the socket refuses. */
void lxm_console_ring_send(const struct lxm_console_ring *r, int fd, size_t max);
void lxm_console_ring_done(struct lxm_console_ring *r);
/* Takes over a ring handed over in memfd fd (-1: none yet) with its position; -EINVAL when fd is
 * smaller than size or the position lies outside it. The ring owns fd afterwards. */
int lxm_console_ring_adopt(struct lxm_console_ring *r, int fd, size_t size, size_t start, size_t len);

struct lxm_console_log {
	char *path;
	int fd;
	uint64_t size;     /* current file size */
	uint64_t max_size; /* rotate past this; 0 = never */
	unsigned rotate;   /* rotated files kept */
};

/* Opens (appending) the log at path. */
int lxm_console_log_open(struct lxm_console_log *l, const char *path, uint64_t max_size, unsigned rotate);
/* Appends, rotating first when the file would grow past max_size. Errors are logged once. */
void lxm_console_log_write(struct lxm_console_log *l, const void *data, size_t n);
void lxm_console_log_close(struct lxm_console_log *l);
