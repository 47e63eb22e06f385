// SPDX-License-Identifier: GPL-2.0
/*
 * kploop_tc_trim: a tc BPF program that trims what arrives on a device's
 * ingress and redirects it to another device's egress, for the runt guard
 * of kp_loop (kploop_guards.sh).
 *
 *   kploop_tc_trim attach DEV TARGET TAIL HEAD
 *   kploop_tc_trim stats DEV
 *   kploop_tc_trim detach DEV
 *
 * "attach" loads a SCHED_CLS program, written here as raw BPF instructions
 * (the project has no BPF compiler), and attaches it in direct-action mode
 * to DEV's ingress (creating the clsact qdisc if there is none, replacing
 * a filter of ours left by an earlier run).  For every packet the program
 * calls
 *
 *   bpf_skb_change_tail(skb, TAIL, 0)  keep the first TAIL bytes of what
 *                                      the program sees: on an L3 device
 *                                      (ipip) the IP packet
 *   bpf_skb_change_head(skb, HEAD, 0)  push HEAD zero bytes in front and
 *                                      make them the MAC header
 *   bpf_redirect(TARGET, 0)            to TARGET's egress
 *
 * so TARGET's ndo_start_xmit gets a frame of TAIL + HEAD bytes.  The push
 * is what makes it a frame bpf_redirect() accepts for an Ethernet device:
 * it drops (-ERANGE) an skb whose MAC header does not come before its
 * network header, or of length 0.  A helper that fails makes the program
 * drop the packet (TC_ACT_SHOT).  Packets of an Ethernet device cannot be
 * made this short: bpf_skb_change_tail() keeps everything up to the
 * network (or transport) header, bpf_skb_adjust_room() a whole IP header.
 *
 * The program counts in an array map: the packets it saw, and the failures
 * of each helper.  "stats" finds the attached program (tc query), its map,
 * and prints
 *
 *   seen=N tail_errors=N head_errors=N
 *
 * "detach" removes the filter; the program and its map go with it.  The
 * filter keeps the program alive between the commands.  Exit status 0, 1 on
 * an error, 2 on bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Our filter's place on the ingress hook. */
#define TRIM_HANDLE	0x4b50
#define TRIM_PRIO	1

/* The map's slots. */
enum {
	SLOT_SEEN,
	SLOT_TAIL_ERR,
	SLOT_HEAD_ERR,
	SLOT_MAX,
};

/* eBPF instructions, as the kernel's include/linux/filter.h spells them. */
#define BPF_MOV64_REG(DST, SRC)					\
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,	\
			    .dst_reg = DST, .src_reg = SRC })
#define BPF_MOV64_IMM(DST, IMM)					\
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,	\
			    .dst_reg = DST, .imm = IMM })
#define BPF_ALU64_IMM(OP, DST, IMM)				\
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_OP(OP) | BPF_K,	\
			    .dst_reg = DST, .imm = IMM })
#define BPF_ST_MEM(SIZE, DST, OFF, IMM)				\
	((struct bpf_insn){ .code = BPF_ST | BPF_SIZE(SIZE) | BPF_MEM,	\
			    .dst_reg = DST, .off = OFF, .imm = IMM })
#define BPF_ATOMIC_ADD(SIZE, DST, SRC, OFF)			\
	((struct bpf_insn){ .code = BPF_STX | BPF_SIZE(SIZE) | BPF_ATOMIC, \
			    .dst_reg = DST, .src_reg = SRC, .off = OFF,	\
			    .imm = BPF_ADD })
/* 16 bytes: the map's fd in the first half, resolved by the verifier */
#define BPF_LD_MAP_FD_LO(DST, FD)					\
	((struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,		\
			    .dst_reg = DST, .src_reg = BPF_PSEUDO_MAP_FD,	\
			    .imm = FD })
#define BPF_LD_IMM64_HI()	((struct bpf_insn){ .code = 0 })
#define BPF_CALL_HELPER(FUNC)					\
	((struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = FUNC })
#define BPF_JMP_IMM(OP, DST, IMM, OFF)				\
	((struct bpf_insn){ .code = BPF_JMP | BPF_OP(OP) | BPF_K,	\
			    .dst_reg = DST, .off = OFF, .imm = IMM })
#define BPF_EXIT_INSN()	((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT })

#define PROG_MAX	64

static const char *prog_name = "kploop_tc_trim";
static char verifier_log[65536];
static bool libbpf_quiet;

struct prog {
	struct bpf_insn insn[PROG_MAX];
	int len;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	if (p->len == PROG_MAX) {
		fprintf(stderr, "%s: program too long\n", prog_name);
		exit(1);
	}
	p->insn[p->len++] = insn;
}

/* map[slot]++, atomically; clobbers R0-R5 */
static void emit_count(struct prog *p, int map_fd, int slot)
{
	emit(p, BPF_ST_MEM(BPF_W, BPF_REG_10, -4, slot));
	emit(p, BPF_LD_MAP_FD_LO(BPF_REG_1, map_fd));
	emit(p, BPF_LD_IMM64_HI());
	emit(p, BPF_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(p, BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4));
	emit(p, BPF_CALL_HELPER(BPF_FUNC_map_lookup_elem));
	emit(p, BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2));
	emit(p, BPF_MOV64_IMM(BPF_REG_1, 1));
	emit(p, BPF_ATOMIC_ADD(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
}

/* a forward jump to be pointed at a later instruction by set_target() */
static int emit_jump_if_nonzero(struct prog *p)
{
	emit(p, BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0));
	return p->len - 1;
}

static void set_target(struct prog *p, int jump)
{
	p->insn[jump].off = p->len - jump - 1;
}

static void build(struct prog *p, int map_fd, int target, int tail, int head)
{
	int tail_err, head_err;

	p->len = 0;
	emit(p, BPF_MOV64_REG(BPF_REG_6, BPF_REG_1));	/* R6: the skb */
	emit_count(p, map_fd, SLOT_SEEN);

	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, tail));
	emit(p, BPF_MOV64_IMM(BPF_REG_3, 0));
	emit(p, BPF_CALL_HELPER(BPF_FUNC_skb_change_tail));
	tail_err = emit_jump_if_nonzero(p);

	emit(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, head));
	emit(p, BPF_MOV64_IMM(BPF_REG_3, 0));
	emit(p, BPF_CALL_HELPER(BPF_FUNC_skb_change_head));
	head_err = emit_jump_if_nonzero(p);

	/* R0 = TC_ACT_REDIRECT */
	emit(p, BPF_MOV64_IMM(BPF_REG_1, target));
	emit(p, BPF_MOV64_IMM(BPF_REG_2, 0));
	emit(p, BPF_CALL_HELPER(BPF_FUNC_redirect));
	emit(p, BPF_EXIT_INSN());

	set_target(p, tail_err);
	emit_count(p, map_fd, SLOT_TAIL_ERR);
	emit(p, BPF_MOV64_IMM(BPF_REG_0, TC_ACT_SHOT));
	emit(p, BPF_EXIT_INSN());

	set_target(p, head_err);
	emit_count(p, map_fd, SLOT_HEAD_ERR);
	emit(p, BPF_MOV64_IMM(BPF_REG_0, TC_ACT_SHOT));
	emit(p, BPF_EXIT_INSN());
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG || libbpf_quiet)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void print_usage(void)
{
	fprintf(stderr,
		"Usage: %s attach DEV TARGET TAIL HEAD\n"
		"       %s stats DEV\n"
		"       %s detach DEV\n",
		prog_name, prog_name, prog_name);
	exit(2);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog_name, what, strerror(-err));
	return 1;
}

static int parse_num(const char *s, int max, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > (unsigned long)max) {
		fprintf(stderr, "%s: bad %s '%s' (0..%d)\n", prog_name, what, s,
			max);
		exit(2);
	}
	return v;
}

static int parse_dev(const char *name)
{
	unsigned int ifindex = if_nametoindex(name);

	if (!ifindex) {
		fprintf(stderr, "%s: no device %s\n", prog_name, name);
		exit(2);
	}
	return ifindex;
}

static int do_attach(struct bpf_tc_hook *hook, int target, int tail, int head)
{
	LIBBPF_OPTS(bpf_prog_load_opts, load, .log_buf = verifier_log,
		    .log_size = sizeof(verifier_log));
	/* replaces what a failed test may have left */
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TRIM_HANDLE,
		    .priority = TRIM_PRIO, .flags = BPF_TC_F_REPLACE);
	struct prog p;
	int map_fd, prog_fd, err;

	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kploop_trim",
				sizeof(__u32), sizeof(__u64), SLOT_MAX, NULL);
	if (map_fd < 0)
		return fail("bpf_map_create", map_fd);

	build(&p, map_fd, target, tail, head);
	/* libbpf retries with a verifier log when the first load fails */
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "kploop_trim", "GPL",
				p.insn, p.len, &load);
	if (prog_fd < 0) {
		fprintf(stderr, "%s: verifier log:\n%s\n", prog_name,
			verifier_log);
		return fail("bpf_prog_load", prog_fd);
	}

	/* an existing clsact is fine: no extack warning about it */
	libbpf_quiet = true;
	err = bpf_tc_hook_create(hook);
	libbpf_quiet = false;
	if (err && err != -EEXIST)
		return fail("bpf_tc_hook_create", err);
	opts.prog_fd = prog_fd;
	err = bpf_tc_attach(hook, &opts);
	if (err)
		return fail("bpf_tc_attach", err);
	/* the filter holds the program, the program the map */
	return 0;
}

static int do_stats(struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TRIM_HANDLE,
		    .priority = TRIM_PRIO);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), map_id = 0;
	__u64 val[SLOT_MAX];
	int prog_fd, map_fd, err;
	__u32 key;

	err = bpf_tc_query(hook, &opts);
	if (err)
		return fail("bpf_tc_query", err);
	prog_fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (prog_fd < 0)
		return fail("bpf_prog_get_fd_by_id", prog_fd);
	info.nr_map_ids = 1;
	info.map_ids = (__u64)(uintptr_t)&map_id;
	err = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (err)
		return fail("bpf_obj_get_info_by_fd", err);
	if (info.nr_map_ids != 1) {
		fprintf(stderr, "%s: the attached program has %u maps, not 1\n",
			prog_name, info.nr_map_ids);
		return 1;
	}
	map_fd = bpf_map_get_fd_by_id(map_id);
	if (map_fd < 0)
		return fail("bpf_map_get_fd_by_id", map_fd);
	for (key = 0; key < SLOT_MAX; key++) {
		err = bpf_map_lookup_elem(map_fd, &key, &val[key]);
		if (err)
			return fail("bpf_map_lookup_elem", err);
	}
	printf("seen=%llu tail_errors=%llu head_errors=%llu\n",
	       (unsigned long long)val[SLOT_SEEN],
	       (unsigned long long)val[SLOT_TAIL_ERR],
	       (unsigned long long)val[SLOT_HEAD_ERR]);
	return 0;
}

static int do_detach(struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TRIM_HANDLE,
		    .priority = TRIM_PRIO);
	int err;

	err = bpf_tc_detach(hook, &opts);
	if (err)
		return fail("bpf_tc_detach", err);
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);

	libbpf_set_print(print_libbpf);
	if (argc < 3)
		print_usage();
	hook.ifindex = parse_dev(argv[2]);

	if (!strcmp(argv[1], "attach") && argc == 6)
		return do_attach(&hook, parse_dev(argv[3]),
				 parse_num(argv[4], USHRT_MAX, "TAIL"),
				 parse_num(argv[5], 4095, "HEAD"));
	if (!strcmp(argv[1], "stats") && argc == 3)
		return do_stats(&hook);
	if (!strcmp(argv[1], "detach") && argc == 3)
		return do_detach(&hook);
	print_usage();
	return 2;
}
