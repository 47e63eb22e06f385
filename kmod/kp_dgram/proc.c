// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram: /proc/net/kp_dgram and /proc/net/kp_dgram6, the socket table
 * of the reader's netns in the format of /proc/net/udp and udp6.
 *
 * Each read() walks the table under rcu_read_lock() from where the last
 * one stopped (the iterator is kept in the seq_file's private state); a
 * read starting elsewhere walks from the start.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "kp_dgram.h"

struct kp_dgram_seq_state {
	struct seq_net_private p;	/* first: seq_file_net() */
	struct kp_dgram_iter it;	/* where the next socket is looked for */
	loff_t pos;			/* the position of that socket */
	unsigned int sl;		/* its line number, as udp's "sl" */
};

static int kp_dgram_seq_family(struct seq_file *seq)
{
	return (unsigned long)pde_data(file_inode(seq->file)) == AF_INET6 ?
		AF_INET6 : AF_INET;
}

static void *kp_dgram_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct kp_dgram_seq_state *st = seq->private;
	struct sock *sk;

	sk = kp_dgram_iter_next(seq_file_net(seq), kp_dgram_seq_family(seq),
				&st->it);
	++*pos;
	st->pos = *pos;
	return sk;
}

static void *kp_dgram_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct kp_dgram_seq_state *st = seq->private;
	struct sock *sk = NULL;
	loff_t n;

	rcu_read_lock();
	if (!*pos) {
		st->it = (struct kp_dgram_iter){};
		st->pos = 0;
		return SEQ_START_TOKEN;
	}
	if (*pos != st->pos) {
		/* Not a continuation: walk from the start to *pos. */
		st->it = (struct kp_dgram_iter){};
		st->pos = 0;
		for (n = 0; n < *pos; n++) {
			sk = kp_dgram_iter_next(seq_file_net(seq),
						kp_dgram_seq_family(seq),
						&st->it);
			if (!sk)
				return NULL;
		}
		st->pos = *pos;
		return sk;
	}
	/* The continuation of the last read: its last socket again. */
	if (st->it.index) {
		st->it.index--;
		return kp_dgram_iter_next(seq_file_net(seq),
					  kp_dgram_seq_family(seq), &st->it);
	}
	return NULL;
}

static void kp_dgram_seq_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static void kp_dgram_seq_sock(struct seq_file *seq, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	u16 srcp = inet->inet_num, destp = ntohs(inet->inet_dport);
	int sl = (int)(seq->index - 1);

	if (sk->sk_family == AF_INET) {
		seq_printf(seq, "%5d: %08X:%04X %08X:%04X", sl,
			   inet->inet_rcv_saddr, srcp, inet->inet_daddr, destp);
	} else {
		const __be32 *src = sk->sk_v6_rcv_saddr.s6_addr32;
		const __be32 *dst = sk->sk_v6_daddr.s6_addr32;

		seq_printf(seq, "%5d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X",
			   sl, src[0], src[1], src[2], src[3], srcp,
			   dst[0], dst[1], dst[2], dst[3], destp);
	}
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %u\n",
		   sk->sk_state, sk_wmem_alloc_get(sk), sk_rmem_alloc_get(sk),
		   0, 0L, 0,
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		   0, sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		   atomic_read(&sk->sk_drops));
}

static int kp_dgram_seq_show(struct seq_file *seq, void *v)
{
	if (v != SEQ_START_TOKEN) {
		kp_dgram_seq_sock(seq, v);
		return 0;
	}
	if (kp_dgram_seq_family(seq) == AF_INET)
		seq_puts(seq, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
	else
		seq_puts(seq, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
	return 0;
}

static const struct seq_operations kp_dgram_seq_ops = {
	.start	= kp_dgram_seq_start,
	.next	= kp_dgram_seq_next,
	.stop	= kp_dgram_seq_stop,
	.show	= kp_dgram_seq_show,
};

int kp_dgram_proc_init_net(struct net *net)
{
	if (!proc_create_net_data("kp_dgram", 0444, net->proc_net,
				  &kp_dgram_seq_ops,
				  sizeof(struct kp_dgram_seq_state),
				  (void *)(unsigned long)AF_INET))
		return -ENOMEM;
	if (!proc_create_net_data("kp_dgram6", 0444, net->proc_net,
				  &kp_dgram_seq_ops,
				  sizeof(struct kp_dgram_seq_state),
				  (void *)(unsigned long)AF_INET6)) {
		remove_proc_entry("kp_dgram", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void kp_dgram_proc_exit_net(struct net *net)
{
	remove_proc_entry("kp_dgram6", net->proc_net);
	remove_proc_entry("kp_dgram", net->proc_net);
}
