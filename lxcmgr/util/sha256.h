/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 (FIPS 180-4), small and dependency-free: checksums of cached template tarballs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LXM_SHA256_SIZE 32
#define LXM_SHA256_HEX_SIZE (LXM_SHA256_SIZE * 2 + 1)

struct lxm_sha256 {
	uint32_t state[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t buf[64];
	size_t buf_len;
};

void lxm_sha256_init(struct lxm_sha256 *s);
void lxm_sha256_update(struct lxm_sha256 *s, const void *data, size_t len);
void lxm_sha256_final(struct lxm_sha256 *s, uint8_t ret[LXM_SHA256_SIZE]);

/* Writes the lower-case hex form (64 chars + NUL) of digest into ret; returns ret. */
char *lxm_sha256_to_hex(const uint8_t digest[LXM_SHA256_SIZE], char ret[LXM_SHA256_HEX_SIZE]);

/* Hashes the whole file at path into ret (hex). Returns 0 or -errno. */
int lxm_sha256_file(const char *path, char ret[LXM_SHA256_HEX_SIZE]);
