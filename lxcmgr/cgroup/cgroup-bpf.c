/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device allow-list on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program generated from the
 * same rules as v1's devices.allow ("c 1:3 rwm", "b *:* m", "a"), default deny. It is attached
 * to the cgroup with BPF_F_ALLOW_MULTI, so a program of an ancestor still applies as well (the
 * kernel requires every program on the path to allow an access).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup-bpf.h"
#include "util/log.h"
#include "util/macros.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | BPF_OP(op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

int lxm_cgroup_parse_device_rule(const char *s, struct lxm_device_rule *ret)
{
	struct lxm_device_rule r = { .major = -1, .minor = -1, .access = 0 };
	char type, maj[16], min[16], acc[8];
	int n;

	if (STREQ(s, "a")) {
		*ret = (struct lxm_device_rule){ .type = 'a', .major = -1, .minor = -1, .access = 7 };
		return 0;
	}
	n = sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s", &type, maj, min, acc);
	if (n < 3 || !strchr("abc", type))
		return -EINVAL;
	r.type = type;
	if (STRNEQ(maj, "*"))
		r.major = atoi(maj);
	if (STRNEQ(min, "*"))
		r.minor = atoi(min);
	if (n == 3)
		strcpy(acc, "rwm");
	for (const char *a = acc; *a; a++) {
		if (*a == 'm')
			r.access |= BPF_DEVCG_ACC_MKNOD;
		else if (*a == 'r')
			r.access |= BPF_DEVCG_ACC_READ;
		else if (*a == 'w')
			r.access |= BPF_DEVCG_ACC_WRITE;
		else
			return -EINVAL;
	}
	*ret = r;
	return 0;
}

/* One block per rule: each test jumps to the next block on mismatch; a full match returns 1. */
static size_t rule_block(const struct lxm_device_rule *r, struct bpf_insn *out)
{
	size_t n = 0, jumps[4], nj = 0;

	if (r->type != 'a') {
		jumps[nj++] = n;
		out[n++] = JNE_IMM(BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
	}
	if (r->access != 7) {
		/* Every requested access bit must be in the rule: (access & ~rule) == 0. */
		out[n++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
		out[n++] = ALU32_IMM(BPF_AND, BPF_REG_1, ~r->access & 7);
		jumps[nj++] = n;
		out[n++] = JNE_IMM(BPF_REG_1, 0, 0);
	}
	if (r->major >= 0) {
		jumps[nj++] = n;
		out[n++] = JNE_IMM(BPF_REG_4, r->major, 0);
	}
	if (r->minor >= 0) {
		jumps[nj++] = n;
		out[n++] = JNE_IMM(BPF_REG_5, r->minor, 0);
	}
	out[n++] = MOV64_IMM(BPF_REG_0, 1);
	out[n++] = EXIT();
	for (size_t j = 0; j < nj; j++)
		out[jumps[j]].off = (short)(n - jumps[j] - 1);
	return n;
}

int lxm_cgroup_bpf_devices_program(const char *const *rules, struct bpf_insn **ret, size_t *ret_n)
{
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t nrules = 0, n = 0;
	int r;

	while (rules && rules[nrules])
		nrules++;
	p = calloc(6 + nrules * 9 + 2, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* r2 = device type, r3 = access bits, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx). */
	p[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff);
	p[n++] = LDX_W(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
	p[n++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < nrules; i++) {
		struct lxm_device_rule dr;

		r = lxm_cgroup_parse_device_rule(rules[i], &dr);
		if (r < 0)
			return log_debug_errno(r, "Invalid device rule '%s'", rules[i]);
		n += rule_block(&dr, p + n);
		/* A rule that matches everything ends the program: the verifier refuses
		 * unreachable instructions after it. */
		if (dr.type == 'a' && dr.access == 7 && dr.major < 0 && dr.minor < 0)
			goto done;
	}
	/* No rule matched: deny. */
	p[n++] = MOV64_IMM(BPF_REG_0, 0);
	p[n++] = EXIT();
done:
	*ret = TAKE_PTR(p);
	*ret_n = n;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? negative_errno() : (int)r;
}

/* Detaches every program but keep_fd's from the cgroup (the previous allow-list). */
static void detach_others(int cgfd, int keep_fd)
{
	union bpf_attr a = {};
	__u32 ids[64];
	struct bpf_prog_info keep = {};

	a.info.bpf_fd = (__u32)keep_fd;
	a.info.info_len = sizeof(keep);
	a.info.info = (__u64)(uintptr_t)&keep;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return;
	a = (union bpf_attr){};
	a.query.target_fd = (__u32)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (__u64)(uintptr_t)ids;
	a.query.prog_cnt = ARRAY_SIZE(ids);
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return;
	for (__u32 i = 0; i < a.query.prog_cnt && i < ARRAY_SIZE(ids); i++) {
		union bpf_attr g = { .prog_id = ids[i] }, d = {};
		_cleanup_close_ int fd = -EBADF;

		if (ids[i] == keep.id)
			continue;
		fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (fd < 0)
			continue;
		d.target_fd = (__u32)cgfd;
		d.attach_bpf_fd = (__u32)fd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &d) < 0)
			log_debug("Failed to detach device program %u, ignoring", ids[i]);
	}
}

int lxm_cgroup_bpf_devices_attach(const char *cgroup_path, const char *const *rules)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int cgfd = -EBADF, pfd = -EBADF;
	char log[4096] = "";
	union bpf_attr a = {};
	size_t n;
	int r;

	r = lxm_cgroup_bpf_devices_program(rules, &prog, &n);
	if (r < 0)
		return r;
	cgfd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", cgroup_path);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (__u64)(uintptr_t)prog;
	a.insn_cnt = (__u32)n;
	a.license = (__u64)(uintptr_t) "GPL";
	a.log_buf = (__u64)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	pfd = sys_bpf(BPF_PROG_LOAD, &a);
	if (pfd < 0)
		return log_debug_errno(pfd, "Failed to load the device program: %m (%s)", log);
	a = (union bpf_attr){};
	a.target_fd = (__u32)cgfd;
	a.attach_bpf_fd = (__u32)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	r = sys_bpf(BPF_PROG_ATTACH, &a);
	if (r < 0)
		return log_debug_errno(r, "Failed to attach the device program to '%s': %m", cgroup_path);
	/* New list first, then the old one goes: in between both apply, never neither. */
	detach_others(cgfd, pfd);
	return 0;
}
