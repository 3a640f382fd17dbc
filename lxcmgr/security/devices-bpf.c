/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 device programs, generated as raw instructions (as systemd and crun do). The program
 * reads struct bpf_cgroup_dev_ctx { access_type = access << 16 | type, major, minor } and returns
 * 1 (allow) when a rule matches, else 0: default deny. Per rule, a block of compares that jumps
 * to the next rule's block on the first mismatch, then "r0 = 1; exit".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/devices-bpf.h"
#include "util/log.h"
#include "util/macros.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU_K(op, dst, imm) INSN(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV_X(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JNE_K(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue: r2 type, r3 access, r4 major, r5 minor; r1 is scratch. */
static size_t prologue(struct bpf_insn *p)
{
	p[0] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[1] = ALU_K(BPF_AND, BPF_REG_2, 0xffff);
	p[2] = LDX_W(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[3] = ALU_K(BPF_RSH, BPF_REG_3, 16);
	p[4] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[5] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	return 6;
}

/* Emits one rule's block (or only counts it when p is NULL). */
static size_t rule_block(const struct lxm_device_rule *r, struct bpf_insn *p)
{
	struct bpf_insn b[8];
	size_t n = 0;

	if (r->type != 'a')
		b[n++] = JNE_K(BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
	if ((r->access & LXM_DEV_ACC_ALL) != LXM_DEV_ACC_ALL) {
		/* Every requested access bit must be granted: (access & ~granted) == 0. */
		b[n++] = MOV_X(BPF_REG_1, BPF_REG_3);
		b[n++] = ALU_K(BPF_AND, BPF_REG_1, (int32_t)~r->access);
		b[n++] = JNE_K(BPF_REG_1, 0, 0);
	}
	if (r->type != 'a' && r->major != LXM_DEV_ANY)
		b[n++] = JNE_K(BPF_REG_4, r->major, 0);
	if (r->type != 'a' && r->minor != LXM_DEV_ANY)
		b[n++] = JNE_K(BPF_REG_5, r->minor, 0);
	b[n++] = ALU_K(BPF_MOV, BPF_REG_0, 1);
	b[n++] = EXIT();
	if (p) {
		/* A mismatch jumps past the rest of this block, to the next rule. */
		for (size_t i = 0; i < n; i++) {
			if (b[i].code == (BPF_JMP | BPF_JNE | BPF_K))
				b[i].off = (int16_t)(n - i - 1);
			p[i] = b[i];
		}
	}
	return n;
}

int lxm_devices_bpf_generate(const struct lxm_device_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n)
{
	size_t total = 6 + 2;
	for (size_t i = 0; i < n; i++)
		total += rule_block(&rules[i], NULL);
	if (total > BPF_MAXINSNS)
		return -E2BIG;
	_cleanup_free_ struct bpf_insn *p = calloc(total, sizeof(*p));
	if (!p)
		return -ENOMEM;
	size_t k = prologue(p);
	for (size_t i = 0; i < n; i++)
		k += rule_block(&rules[i], p + k);
	/* No rule matched: deny. */
	p[k++] = ALU_K(BPF_MOV, BPF_REG_0, 0);
	p[k++] = EXIT();
	*ret = TAKE_PTR(p);
	*ret_n = k;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int lxm_devices_bpf_load(const struct bpf_insn *insns, size_t n, int *ret_fd)
{
	static char log[16384];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	log[0] = '\0';
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		int r = negative_errno();
		return log_debug_errno(r, "The kernel refused the device program: %m\n%s", log);
	}
	/* The kernel sets O_CLOEXEC on bpf fds. */
	*ret_fd = fd;
	return 0;
}

int lxm_devices_bpf_attach(int prog_fd, const char *cgroup_dir)
{
	_cleanup_close_ int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return negative_errno();
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = cg;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return negative_errno();
	return 0;
}
