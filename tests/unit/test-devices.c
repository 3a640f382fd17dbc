/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device allow-list: rule parsing, the v2 BPF program (instructions, a small interpreter for its
 * semantics, and the kernel verifier when run as root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "security/devices-bpf.h"
#include "security/devices.h"
#include "util/macros.h"

static void test_parse(void **state)
{
	struct lxm_device_rule r;
	char buf[64];
	assert_int_equal(lxm_device_rule_parse("c 1:3 rwm", &r), 0);
	assert_int_equal(r.type, 'c');
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_int_equal(r.access, LXM_DEV_ACC_ALL);
	assert_int_equal(lxm_device_rule_parse("c 136:* rw", &r), 0);
	assert_int_equal(r.minor, LXM_DEV_ANY);
	lxm_device_rule_format(&r, buf, sizeof(buf));
	assert_string_equal(buf, "c 136:* rw");
	assert_int_equal(lxm_device_rule_parse("b *:* m", &r), 0);
	lxm_device_rule_format(&r, buf, sizeof(buf));
	assert_string_equal(buf, "b *:* m");
	assert_int_equal(lxm_device_rule_parse("a", &r), 0);
	assert_int_equal(lxm_device_rule_parse("c 10:200", &r), 0); /* access defaults to rwm */
	assert_int_equal(r.access, LXM_DEV_ACC_ALL);

	const char *bad[] = { "", "x 1:3 rwm", "c 1 rwm", "c a:3 rwm", "c 1:3 rwx", "c 1:3 rr", "c -1:3 r", "a 1:2" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_device_rule_parse(bad[i], &r) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);

	struct lxm_device_rule *v = NULL;
	size_t n;
	const char *extra_bad[] = { "c 10:200 rwm", "oops", NULL };
	assert_int_equal(lxm_devices_rules(extra_bad, &v, &n), -EINVAL);
}

/* Runs the subset of eBPF the generator emits. */
static int run(const struct bpf_insn *p, size_t n, char type, unsigned access, uint32_t major, uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = {
		.access_type = access << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
		.major = major,
		.minor = minor,
	};
	uint64_t reg[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(ctx));
			reg[i->dst_reg] = *(uint32_t *)((char *)&ctx + i->off);
			break;
		case BPF_ALU64 | BPF_AND | BPF_K:
			reg[i->dst_reg] &= (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_RSH | BPF_K:
			reg[i->dst_reg] >>= i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			reg[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			reg[i->dst_reg] = reg[i->src_reg];
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (reg[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)reg[0];
		default:
			fail_msg("unexpected opcode %#x at %zu", i->code, pc);
		}
	}
	fail_msg("fell off the end");
	return -1;
}

enum { M = LXM_DEV_ACC_MKNOD, R = LXM_DEV_ACC_READ, W = LXM_DEV_ACC_WRITE };

static void test_default_program(void **state)
{
	_cleanup_free_ struct lxm_device_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t n, np;
	const char *extra[] = { "c 10:200 rw", NULL };
	assert_int_equal(lxm_devices_rules(extra, &rules, &n), 0);
	assert_int_equal(lxm_devices_bpf_generate(rules, n, &p, &np), 0);

	assert_int_equal(run(p, np, 'c', R | W, 1, 3), 1);    /* /dev/null */
	assert_int_equal(run(p, np, 'c', R | W, 1, 9), 1);    /* urandom */
	assert_int_equal(run(p, np, 'c', R | W, 136, 7), 1);  /* a pts */
	assert_int_equal(run(p, np, 'c', R | W, 5, 2), 1);    /* ptmx */
	assert_int_equal(run(p, np, 'b', R, 8, 0), 0);        /* the host's disk: no */
	assert_int_equal(run(p, np, 'b', W, 8, 0), 0);
	assert_int_equal(run(p, np, 'b', M, 8, 0), 1);        /* mknod is fine, open is not */
	assert_int_equal(run(p, np, 'c', R, 1, 1), 0);        /* /dev/mem */
	assert_int_equal(run(p, np, 'c', W, 1, 11), 0);       /* /dev/kmsg */
	assert_int_equal(run(p, np, 'c', R | W, 10, 200), 1); /* configured tun, rw */
	assert_int_equal(run(p, np, 'c', M, 10, 200), 1);     /* (mknod through "c *:* m") */
	assert_int_equal(run(p, np, 'c', R | W, 10, 201), 0);
}

static void test_instructions(void **state)
{
	struct lxm_device_rule r[2];
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t np;
	assert_int_equal(lxm_device_rule_parse("c 1:3 rw", &r[0]), 0);
	assert_int_equal(lxm_device_rule_parse("a", &r[1]), 0);
	assert_int_equal(lxm_devices_bpf_generate(r, 2, &p, &np), 0);
	/* prologue 6, rule 1: type, 3 access, major, minor, mov, exit = 8; "a": mov, exit; tail 2 */
	assert_int_equal(np, 6 + 8 + 2 + 2);
	assert_int_equal(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
	assert_int_equal(p[6].dst_reg, BPF_REG_2);
	assert_int_equal(p[6].imm, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(p[6].off, 7); /* to the next rule's first instruction */
	assert_int_equal(p[8].imm, ~(R | W));
	assert_int_equal(p[9].off, 4);
	assert_int_equal(p[10].dst_reg, BPF_REG_4);
	assert_int_equal(p[10].imm, 1);
	assert_int_equal(p[11].dst_reg, BPF_REG_5);
	assert_int_equal(p[11].imm, 3);
	assert_int_equal(p[11].off, 2);
	assert_int_equal(p[12].imm, 1);
	assert_int_equal(p[13].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(p[np - 2].imm, 0); /* default deny */
	assert_int_equal(run(p, np, 'b', R, 8, 0), 1); /* "a" allows everything */
}

static void test_kernel_verifier(void **state)
{
	if (geteuid() != 0)
		skip();
	_cleanup_free_ struct lxm_device_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t n, np;
	assert_int_equal(lxm_devices_rules(NULL, &rules, &n), 0);
	assert_int_equal(lxm_devices_bpf_generate(rules, n, &p, &np), 0);
	int fd = -1;
	int r = lxm_devices_bpf_load(p, np, &fd);
	if (r == -EPERM || r == -ENOSYS)
		skip(); /* bpf() not available here (a seccomp filter or no CONFIG_BPF_SYSCALL) */
	assert_int_equal(r, 0);
	assert_true(fd >= 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_default_program),
		cmocka_unit_test(test_instructions),
		cmocka_unit_test(test_kernel_verifier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
