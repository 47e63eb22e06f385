// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram: the "kp_dgram" generic netlink family.
 *
 * STATS_GET reports the counters and configuration of the caller's netns,
 * SOCK_GET dumps its socket table, CONFIG_SET changes its configuration
 * (CAP_NET_ADMIN over the netns, so root in a container may).  Documented
 * in Documentation/netlink/specs/kp_dgram.yaml.
 */
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "kp_dgram.h"

static const struct nla_policy kp_dgram_stats_get_policy[KP_DGRAM_A_NS_MAX + 1] = {
	[KP_DGRAM_A_NS_PROTO] = { .type = NLA_REJECT },
	[KP_DGRAM_A_NS_STATS4] = { .type = NLA_REJECT },
	[KP_DGRAM_A_NS_STATS6] = { .type = NLA_REJECT },
	[KP_DGRAM_A_NS_PORT_UNREACH] = { .type = NLA_REJECT },
};

static const struct nla_policy kp_dgram_config_set_policy[KP_DGRAM_A_NS_MAX + 1] = {
	[KP_DGRAM_A_NS_PROTO] = { .type = NLA_REJECT,
				  .reject_message = "the protocol is a module parameter" },
	[KP_DGRAM_A_NS_STATS4] = { .type = NLA_REJECT,
				   .reject_message = "counters cannot be set" },
	[KP_DGRAM_A_NS_STATS6] = { .type = NLA_REJECT,
				   .reject_message = "counters cannot be set" },
	[KP_DGRAM_A_NS_PORT_UNREACH] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy kp_dgram_sock_get_policy[KP_DGRAM_A_SOCK_MAX + 1] = {
	[KP_DGRAM_A_SOCK_FAMILY] = { .type = NLA_REJECT,
				     .reject_message = "the socket dump takes no filter" },
};

static struct genl_family kp_dgram_genl_family;

static int kp_dgram_nl_put_stats(struct sk_buff *skb, struct net *net,
				 enum kp_dgram_af af, int type)
{
	u64 sum[KP_DGRAM_MIB_MAX];
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON(KP_DGRAM_A_STATS_IN_DATAGRAMS + KP_DGRAM_MIB_MAX - 1 !=
		     KP_DGRAM_A_STATS_MAX);
	kp_dgram_stats_sum(net, af, sum);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < KP_DGRAM_MIB_MAX; i++) {
		if (nla_put_u64_64bit(skb, KP_DGRAM_A_STATS_IN_DATAGRAMS + i,
				      sum[i], KP_DGRAM_A_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int kp_dgram_nl_stats_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kp_dgram_genl_family, 0,
				KP_DGRAM_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	if (nla_put_u8(msg, KP_DGRAM_A_NS_PROTO, kp_dgram_proto) ||
	    nla_put_u8(msg, KP_DGRAM_A_NS_PORT_UNREACH,
		       READ_ONCE(kp_dgram_pernet(net)->port_unreach)) ||
	    kp_dgram_nl_put_stats(msg, net, KP_DGRAM_AF4,
				  KP_DGRAM_A_NS_STATS4) ||
	    kp_dgram_nl_put_stats(msg, net, KP_DGRAM_AF6,
				  KP_DGRAM_A_NS_STATS6))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int kp_dgram_nl_config_set_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct kp_dgram_net *kn = kp_dgram_pernet(genl_info_net(info));

	if (!info->attrs[KP_DGRAM_A_NS_PORT_UNREACH]) {
		GENL_SET_ERR_MSG(info, "nothing to set");
		return -EINVAL;
	}
	WRITE_ONCE(kn->port_unreach,
		   nla_get_u8(info->attrs[KP_DGRAM_A_NS_PORT_UNREACH]));
	return 0;
}

static int kp_dgram_nl_put_addr(struct sk_buff *skb, int type,
				const struct sock *sk, bool local)
{
	if (sk->sk_family == AF_INET)
		return nla_put_in_addr(skb, type,
				       local ? inet_sk(sk)->inet_rcv_saddr :
					       inet_sk(sk)->inet_daddr);
	return nla_put_in6_addr(skb, type,
				local ? &sk->sk_v6_rcv_saddr : &sk->sk_v6_daddr);
}

static int kp_dgram_nl_fill_sock(struct sk_buff *skb, struct sock *sk,
				 struct netlink_callback *cb)
{
	const struct inet_sock *inet = inet_sk(sk);
	int bound = READ_ONCE(sk->sk_bound_dev_if);
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &kp_dgram_genl_family, NLM_F_MULTI,
			  KP_DGRAM_CMD_SOCK_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	if (nla_put_u16(skb, KP_DGRAM_A_SOCK_FAMILY, sk->sk_family) ||
	    kp_dgram_nl_put_addr(skb, KP_DGRAM_A_SOCK_LOCAL_ADDR, sk, true) ||
	    nla_put_u16(skb, KP_DGRAM_A_SOCK_LOCAL_PORT, inet->inet_num) ||
	    nla_put_u32(skb, KP_DGRAM_A_SOCK_RX_QUEUE, sk_rmem_alloc_get(sk)) ||
	    nla_put_u32(skb, KP_DGRAM_A_SOCK_TX_QUEUE, sk_wmem_alloc_get(sk)) ||
	    nla_put_u32(skb, KP_DGRAM_A_SOCK_DROPS,
			atomic_read(&sk->sk_drops)) ||
	    nla_put_u32(skb, KP_DGRAM_A_SOCK_UID,
			from_kuid_munged(sk_user_ns(NETLINK_CB(cb->skb).sk),
					 sock_i_uid(sk))) ||
	    nla_put_u64_64bit(skb, KP_DGRAM_A_SOCK_INODE, sock_i_ino(sk),
			      KP_DGRAM_A_SOCK_PAD))
		goto cancel;
	if (sk->sk_state == TCP_ESTABLISHED &&
	    (kp_dgram_nl_put_addr(skb, KP_DGRAM_A_SOCK_REMOTE_ADDR, sk, false) ||
	     nla_put_u16(skb, KP_DGRAM_A_SOCK_REMOTE_PORT,
			 ntohs(inet->inet_dport))))
		goto cancel;
	if (bound && nla_put_u32(skb, KP_DGRAM_A_SOCK_BOUND_IFINDEX, bound))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The socket table of the caller's netns, resumed by (bucket, index);
 * NLM_F_DUMP_INTR when sockets were bound or closed during the dump.
 */
static int kp_dgram_nl_sock_get_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	struct kp_dgram_iter it = {
		.bucket = cb->args[0],
		.index = cb->args[1],
	};
	struct net *net = sock_net(skb->sk);
	struct kp_dgram_iter prev;
	struct sock *sk;
	int err = 0;

	cb->seq = kp_dgram_table_seq();
	rcu_read_lock();
	for (;;) {
		prev = it;
		sk = kp_dgram_iter_next(net, AF_UNSPEC, &it);
		if (!sk)
			break;
		err = kp_dgram_nl_fill_sock(skb, sk, cb);
		if (err) {
			it = prev;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = it.bucket;
	cb->args[1] = it.index;
	/* Something in this message: ask for the next part. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_ops kp_dgram_genl_ops[] = {
	{
		.cmd		= KP_DGRAM_CMD_STATS_GET,
		.doit		= kp_dgram_nl_stats_get_doit,
		.policy		= kp_dgram_stats_get_policy,
		.maxattr	= KP_DGRAM_A_NS_MAX,
	},
	{
		.cmd		= KP_DGRAM_CMD_SOCK_GET,
		.dumpit		= kp_dgram_nl_sock_get_dumpit,
		.policy		= kp_dgram_sock_get_policy,
		.maxattr	= KP_DGRAM_A_SOCK_MAX,
	},
	{
		.cmd		= KP_DGRAM_CMD_CONFIG_SET,
		.doit		= kp_dgram_nl_config_set_doit,
		.policy		= kp_dgram_config_set_policy,
		.maxattr	= KP_DGRAM_A_NS_MAX,
		/* CAP_NET_ADMIN over the netns: root of a container too. */
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family kp_dgram_genl_family __ro_after_init = {
	.name		= KP_DGRAM_FAMILY_NAME,
	.version	= KP_DGRAM_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= kp_dgram_genl_ops,
	.n_ops		= ARRAY_SIZE(kp_dgram_genl_ops),
	/* resv_start_op 0: strict validation of every command. */
};

int __init kp_dgram_nl_init(void)
{
	return genl_register_family(&kp_dgram_genl_family);
}

void kp_dgram_nl_exit(void)
{
	genl_unregister_family(&kp_dgram_genl_family);
}
