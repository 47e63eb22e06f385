/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_dgram: internal interfaces between the module's files.
 *
 *   main.c     module parameters, per-netns state, registration
 *   table.c    the socket table: port allocation, RCU lookup
 *   ipv4.c     AF_INET sockets, the IPv4 handler and error handler
 *   ipv6.c     AF_INET6 sockets, the IPv6 handler and error handler
 *   netlink.c  the "kp_dgram" generic netlink family
 *   proc.c     /proc/net/kp_dgram and /proc/net/kp_dgram6
 */
#ifndef _KP_DGRAM_H
#define _KP_DGRAM_H

#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include <uapi/linux/kp_dgram.h>

#include "compat/v6_5_proto_ioctl.h"
#include "compat/v6_6_inet_flags.h"

/* The IP protocol number in use (module parameter "proto"). */
extern u8 kp_dgram_proto;

static inline struct kp_dgram_hdr *kp_dgram_hdr(const struct sk_buff *skb)
{
	return (struct kp_dgram_hdr *)skb_transport_header(skb);
}

/* Counters; the order of KP_DGRAM_A_STATS_IN_DATAGRAMS.. in the uapi. */
enum kp_dgram_mib_item {
	KP_DGRAM_MIB_IN_DATAGRAMS,
	KP_DGRAM_MIB_NO_PORTS,
	KP_DGRAM_MIB_IN_ERRORS,
	KP_DGRAM_MIB_IN_CSUM_ERRORS,
	KP_DGRAM_MIB_RCVBUF_ERRORS,
	KP_DGRAM_MIB_OUT_DATAGRAMS,
	KP_DGRAM_MIB_SNDBUF_ERRORS,
	KP_DGRAM_MIB_MAX
};

enum kp_dgram_af {
	KP_DGRAM_AF4,
	KP_DGRAM_AF6,
	KP_DGRAM_N_AF
};

struct kp_dgram_mib {
	u64 ctr[KP_DGRAM_N_AF][KP_DGRAM_MIB_MAX];
};

/**
 * struct kp_dgram_net - per network namespace state
 * @mib: counters, per CPU; updated from process and softirq context with
 *	this_cpu_inc(), summed by readers (which may see a sum in progress)
 * @port_unreach: send ICMP port unreachable when no socket matches;
 *	READ_ONCE/WRITE_ONCE, changed under genl's lock only
 */
struct kp_dgram_net {
	struct kp_dgram_mib __percpu *mib;
	u8 port_unreach;
};

struct kp_dgram_net *kp_dgram_pernet(const struct net *net);

static inline void kp_dgram_inc(const struct net *net, enum kp_dgram_af af,
				enum kp_dgram_mib_item item)
{
	this_cpu_inc(kp_dgram_pernet(net)->mib->ctr[af][item]);
}

void kp_dgram_stats_sum(const struct net *net, enum kp_dgram_af af,
			u64 sum[KP_DGRAM_MIB_MAX]);

/* table.c */
int kp_dgram_table_init(void);
void kp_dgram_table_exit(void);
int kp_dgram_get_port(struct sock *sk, unsigned short snum);
void kp_dgram_unhash(struct sock *sk);
struct sock *kp_dgram4_lookup(const struct net *net, __be32 saddr,
			      __be16 sport, __be32 daddr, u16 hnum, int dif,
			      int sdif);
struct sock *kp_dgram6_lookup(const struct net *net,
			      const struct in6_addr *saddr, __be16 sport,
			      const struct in6_addr *daddr, u16 hnum, int dif,
			      int sdif);
unsigned int kp_dgram_table_seq(void);

/**
 * struct kp_dgram_iter - a position in the socket table, for dumps
 * @bucket: the bucket
 * @index: sockets of @net (and family, if filtered) already seen in it
 */
struct kp_dgram_iter {
	unsigned int bucket;
	unsigned int index;
};

struct sock *kp_dgram_iter_next(const struct net *net, int family,
				struct kp_dgram_iter *it);

/* sock.c */
struct sk_buff *kp_dgram_alloc_skb(struct sock *sk, struct msghdr *msg,
				   size_t len, unsigned int headroom,
				   __be16 sport, __be16 dport, int *err);
int kp_dgram_count_send(struct sock *sk, enum kp_dgram_af af, size_t len,
			int err);
void kp_dgram_count_send_err(struct sock *sk, enum kp_dgram_af af, int err);
bool kp_dgram_rcv_check(struct sk_buff *skb, enum kp_dgram_af af);
void kp_dgram_rcv_no_socket(struct sk_buff *skb, enum kp_dgram_af af,
			    bool policy_ok);
void kp_dgram_rcv_socket(struct sock *sk, struct sk_buff *skb,
			 enum kp_dgram_af af, bool policy_ok);
struct sk_buff *kp_dgram_recv_skb(struct sock *sk, struct msghdr *msg,
				  size_t len, int flags, int *ret);
int kp_dgram_ioctl(struct sock *sk, int cmd, kp_proto_ioctl_arg_t karg);
int kp_dgram_disconnect(struct sock *sk, int flags);
void kp_dgram_close(struct sock *sk, long timeout);

/* ipv4.c, ipv6.c */
int kp_dgram4_init(void);
void kp_dgram4_exit(void);
int kp_dgram6_init(void);
void kp_dgram6_exit(void);

/* netlink.c */
int kp_dgram_nl_init(void);
void kp_dgram_nl_exit(void);

/* proc.c */
int kp_dgram_proc_init_net(struct net *net);
void kp_dgram_proc_exit_net(struct net *net);

#endif /* _KP_DGRAM_H */
