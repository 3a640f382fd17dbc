/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "util/macros.h"
#include "util/sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block_c(uint32_t st[8], const uint8_t p[64])
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	st[0] += a, st[1] += b, st[2] += c, st[3] += d, st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_PATH 1

/* The x86 SHA extensions (Intel's published instruction sequence, 4 rounds per step): ~10x the
 * portable code, which made checking a 45 MB template cache tarball take 300-400 ms per create. */
__attribute__((target("sha,sse4.1"))) static void sha256_block_ni(uint32_t st[8], const uint8_t p[64])
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xB1); /* CDAB */
	__m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1B);  /* EFGH */
	__m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                                        /* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);                                             /* CDGH */
	__m128i abef = s0, cdgh = s1, w[4], msg;

	for (int g = 0; g < 16; g++) {
		__m128i *cur = &w[g & 3];
		if (g < 4)
			*cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), mask);
		else
			*cur = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(*cur, w[(g + 1) & 3]),
								  _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4)),
						    w[(g + 3) & 3]);
		msg = _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&K[4 * g]));
		s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
		s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
	}
	s0 = _mm_add_epi32(s0, abef);
	s1 = _mm_add_epi32(s1, cdgh);
	tmp = _mm_shuffle_epi32(s0, 0x1B);                                     /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);                                      /* DCHG */
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(tmp, s1, 0xF0));  /* DCBA */
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(s1, tmp, 8));     /* HGFE */
}
#endif

#ifdef HAVE_SHA_NI_PATH
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
/* What glibc's dynamic loader found with CPUID at the start already (glibc >= 2.33): no CPUID of
 * our own, each one a VM exit under a hypervisor (~11 us here, two per process that hashes: the
 * seccomp cache key on every exec and start). */
static bool cpu_has_sha_ni(void)
{
	return CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SHA);
}
#else
/* <cpuid.h> rather than __builtin_cpu_supports(): that links libgcc's __cpu_indicator_init, a
 * constructor running a series of CPUID instructions (each one a VM exit under a hypervisor) at
 * the start of every command, whether it hashes anything or not. */
static bool cpu_has_sha_ni(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1))
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif
#endif

static void sha256_block(uint32_t st[8], const uint8_t p[64])
{
#ifdef HAVE_SHA_NI_PATH
	static int ni = -1;
	if (ni < 0)
		ni = cpu_has_sha_ni();
	if (ni) {
		sha256_block_ni(st, p);
		return;
	}
#endif
	sha256_block_c(st, p);
}

void lxm_sha256_init(struct lxm_sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->state, iv, sizeof(iv));
	s->length = 0;
	s->buf_len = 0;
}

void lxm_sha256_update(struct lxm_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->length += len;
	if (s->buf_len > 0) {
		size_t n = 64 - s->buf_len < len ? 64 - s->buf_len : len;
		memcpy(s->buf + s->buf_len, p, n);
		s->buf_len += n, p += n, len -= n;
		if (s->buf_len < 64)
			return;
		sha256_block(s->state, s->buf);
		s->buf_len = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s->state, p);
	memcpy(s->buf, p, len);
	s->buf_len = len;
}

void lxm_sha256_final(struct lxm_sha256 *s, uint8_t ret[LXM_SHA256_SIZE])
{
	uint64_t bits = s->length * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->buf_len < 56 ? 56 : 120) - s->buf_len;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	lxm_sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		ret[4 * i] = (uint8_t)(s->state[i] >> 24);
		ret[4 * i + 1] = (uint8_t)(s->state[i] >> 16);
		ret[4 * i + 2] = (uint8_t)(s->state[i] >> 8);
		ret[4 * i + 3] = (uint8_t)s->state[i];
	}
}

char *lxm_sha256_to_hex(const uint8_t digest[LXM_SHA256_SIZE], char ret[LXM_SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < LXM_SHA256_SIZE; i++) {
		ret[2 * i] = hex[digest[i] >> 4];
		ret[2 * i + 1] = hex[digest[i] & 15];
	}
	ret[2 * LXM_SHA256_SIZE] = '\0';
	return ret;
}

int lxm_sha256_file(const char *path, char ret[LXM_SHA256_HEX_SIZE])
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ uint8_t *buf = NULL;
	struct lxm_sha256 s;
	uint8_t digest[LXM_SHA256_SIZE];
	const size_t bufsize = 1 << 20;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	buf = malloc(bufsize);
	if (!buf)
		return -ENOMEM;
	lxm_sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		lxm_sha256_update(&s, buf, (size_t)n);
	}
	lxm_sha256_final(&s, digest);
	lxm_sha256_to_hex(digest, ret);
	return 0;
}
