// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram over IPv4: AF_INET sockets, the protocol handler and the ICMP
 * error handler.  Modelled on net/ipv4/udp.c and net/l2tp/l2tp_ip.c.
 *
 * Sending takes no socket lock, as UDP's uncorked path: the route comes
 * from the socket's cached dst (connected) or a lookup on the stack, and
 * the datagram is one skb handed to ip_queue_xmit(), which fragments it
 * if needed.  Receiving runs in softirq under rcu_read_lock() (from
 * ip_local_deliver_finish()).
 */
#include <linux/icmp.h>
#include <net/icmp.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/protocol.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "kp_dgram.h"
#include "trace.h"

static struct proto kp_dgram4_prot;

/* connect(): as ip4_datagram_connect(), but port 0 is no peer. */
static int kp_dgram4_connect(struct sock *sk, struct sockaddr *uaddr,
			     int addr_len)
{
	const struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;

	if (addr_len >= sizeof(*usin) && usin->sin_family == AF_INET &&
	    !usin->sin_port)
		return -EINVAL;
	return ip4_datagram_connect(sk, uaddr, addr_len);
}

static int kp_dgram4_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, usin, msg->msg_name);
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	const size_t ulen = len + sizeof(struct kp_dgram_hdr);
	struct flowi4 fl4_stack, *fl4;
	unsigned int headroom, mtu;
	struct rtable *rt = NULL;
	bool connected = false;
	__be32 daddr, saddr;
	struct sk_buff *skb;
	__be16 dport;
	int err;

	if (len > KP_DGRAM_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;

	if (usin) {
		if (msg->msg_namelen < sizeof(*usin))
			return -EINVAL;
		if (usin->sin_family != AF_INET) {
			if (usin->sin_family != AF_UNSPEC)
				return -EAFNOSUPPORT;
		}
		daddr = usin->sin_addr.s_addr;
		dport = usin->sin_port;
		if (!dport)
			return -EINVAL;
	} else {
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = inet->inet_daddr;
		dport = inet->inet_dport;
		connected = true;
	}

	if (connected)
		rt = (struct rtable *)sk_dst_check(sk, 0);
	if (rt) {
		/* Filled by ip4_datagram_connect(), read only here. */
		fl4 = &inet->cork.fl.u.ip4;
		saddr = fl4->saddr;
		daddr = fl4->daddr;
	} else {
		fl4 = &fl4_stack;
		rt = ip_route_output_ports(net, fl4, sk, daddr,
					   inet->inet_saddr, dport,
					   inet->inet_sport, sk->sk_protocol,
					   kp_sock_rt_tos(sk),
					   READ_ONCE(sk->sk_bound_dev_if));
		if (IS_ERR(rt)) {
			err = PTR_ERR(rt);
			if (err == -ENETUNREACH)
				IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
			goto out;
		}
		err = -EACCES;
		if ((rt->rt_flags & RTCF_BROADCAST) &&
		    !sock_flag(sk, SOCK_BROADCAST))
			goto out_rt;
		if (connected)
			sk_dst_set(sk, dst_clone(&rt->dst));
		saddr = fl4->saddr;
		daddr = fl4->daddr;
	}

	/* Over the path MTU: IP fragments it, unless IP_PMTUDISC_DO/PROBE. */
	mtu = ip_sk_use_pmtu(sk) ? dst_mtu(&rt->dst) :
				   READ_ONCE(rt->dst.dev->mtu);
	if (!ip_sk_ignore_df(sk) && ulen + sizeof(struct iphdr) > mtu) {
		err = -EMSGSIZE;
		goto out_rt;
	}

	headroom = LL_RESERVED_SPACE(rt->dst.dev) + sizeof(struct iphdr) +
		   MAX_IPOPTLEN;
	skb = kp_dgram_alloc_skb(sk, msg, len, headroom, inet->inet_sport,
				 dport, &err);
	if (!skb) {
		kp_dgram_count_send_err(sk, KP_DGRAM_AF4, err);
		goto out_rt;
	}
	kp_dgram_hdr(skb)->check = ~csum_tcpudp_magic(saddr, daddr, ulen,
						      sk->sk_protocol, 0);
	/* DF as UDP: set when it fits, unless IP_PMTUDISC_DONT. */
	skb->ignore_df = ip_sk_ignore_df(sk) &&
			 ulen + sizeof(struct iphdr) > mtu;
	skb_dst_set(skb, &rt->dst);

	err = ip_queue_xmit(sk, skb, flowi4_to_flowi(fl4));
	trace_kp_dgram_send(sk, dport, len, err);
	return kp_dgram_count_send(sk, KP_DGRAM_AF4, len, err);

out_rt:
	ip_rt_put(rt);
out:
	trace_kp_dgram_send(sk, dport, len, err);
	return err;
}

static int kp_dgram4_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			     int flags, int *addr_len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct sk_buff *skb;
	int ret;

	skb = kp_dgram_recv_skb(sk, msg, len, flags, &ret);
	if (IS_ERR(skb))
		return PTR_ERR(skb);

	if (sin) {
		sin->sin_family = AF_INET;
		sin->sin_port = kp_dgram_hdr(skb)->source;
		sin->sin_addr.s_addr = ip_hdr(skb)->saddr;
		memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
		*addr_len = sizeof(*sin);
	}
	if (kp_inet_cmsg_flags(inet_sk(sk)))
		ip_cmsg_recv_offset(msg, sk, skb, sizeof(struct kp_dgram_hdr),
				    0);
	skb_free_datagram(sk, skb);
	return ret;
}

/*
 * IP_PKTINFO as ipv4_pktinfo_prepare() (not exported) fills it: the
 * device it came in on, not lo's index for traffic to ourselves, and the
 * address it was sent to as the specific destination.
 */
static void kp_dgram4_pktinfo_prepare(const struct sock *sk,
				      struct sk_buff *skb)
{
	struct in_pktinfo *info = PKTINFO_SKB_CB(skb);

	if (!(kp_inet_cmsg_flags(inet_sk(sk)) & IP_CMSG_PKTINFO))
		return;
	if (info->ipi_ifindex == LOOPBACK_IFINDEX)
		info->ipi_ifindex = inet_iif(skb);
	info->ipi_spec_dst.s_addr = ip_hdr(skb)->daddr;
}

/* The protocol handler: called by ip_local_deliver_finish() under RCU. */
static int kp_dgram4_rcv(struct sk_buff *skb)
{
	const struct kp_dgram_hdr *dh;
	const struct iphdr *iph;
	struct sock *sk;
	bool policy_ok;

	if (!kp_dgram_rcv_check(skb, KP_DGRAM_AF4))
		return 0;
	trace_kp_dgram_rcv(skb, AF_INET);

	dh = kp_dgram_hdr(skb);
	iph = ip_hdr(skb);
	sk = kp_dgram4_lookup(dev_net(skb->dev), iph->saddr, dh->source,
			      iph->daddr, ntohs(dh->dest), inet_iif(skb),
			      inet_sdif(skb));
	if (!sk) {
		kp_dgram_rcv_no_socket(skb, KP_DGRAM_AF4,
				       xfrm4_policy_check(NULL, XFRM_POLICY_IN,
							  skb));
		return 0;
	}
	/* The policy check first: IP_PKTINFO's data overwrites IPCB. */
	policy_ok = xfrm4_policy_check(sk, XFRM_POLICY_IN, skb);
	kp_dgram4_pktinfo_prepare(sk, skb);
	kp_dgram_rcv_socket(sk, skb, KP_DGRAM_AF4, policy_ok);
	return 0;
}

/**
 * kp_dgram4_err - an ICMP error about a datagram we sent
 * @skb: the ICMP message, data at the quoted IP header; icmp_rcv() made
 *	sure 8 bytes of our header follow it
 * @info: the ICMP info (the MTU for fragmentation needed)
 *
 * Fragmentation needed and redirects update the route.  Other errors
 * reach a connected socket as sk_err, reported once by its next call:
 * ECONNREFUSED for port unreachable, EHOSTUNREACH, ENETUNREACH, ...
 * (icmp_err_convert[]).  Unconnected sockets ignore them, as UDP's
 * without IP_RECVERR.
 *
 * Return: 0, or -ENOENT when no socket sent it.
 */
static int kp_dgram4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct kp_dgram_hdr *dh =
		(const struct kp_dgram_hdr *)(skb->data + (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct sock *sk;
	int err;

	/* We sent it: its source is ours, its destination the peer. */
	sk = kp_dgram4_lookup(net, iph->daddr, dh->dest, iph->saddr,
			      ntohs(dh->source), skb->dev->ifindex,
			      inet_sdif(skb));
	if (!sk)
		return -ENOENT;

	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code == ICMP_FRAG_NEEDED) {
			ipv4_sk_update_pmtu(skb, sk, info);
			return 0;
		}
		err = EHOSTUNREACH;
		if (code <= NR_ICMP_UNREACH)
			err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_REDIRECT:
		ipv4_sk_redirect(skb, sk);
		return 0;
	default:
		return 0;
	}

	if (sk->sk_state != TCP_ESTABLISHED)
		return 0;
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	return 0;
}

static const struct proto_ops kp_dgram4_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_dgram_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet_getname,
	.poll		= datagram_poll,
	.ioctl		= inet_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= sock_no_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= sock_common_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct proto kp_dgram4_prot = {
	.name		= "KP_DGRAM",
	.owner		= THIS_MODULE,
	.close		= kp_dgram_close,
	.connect	= kp_dgram4_connect,
	.disconnect	= kp_dgram_disconnect,
	.ioctl		= kp_dgram_ioctl,
	.setsockopt	= ip_setsockopt,
	.getsockopt	= ip_getsockopt,
	.sendmsg	= kp_dgram4_sendmsg,
	.recvmsg	= kp_dgram4_recvmsg,
	.release_cb	= ip4_datagram_release_cb,
	.get_port	= kp_dgram_get_port,
	.unhash		= kp_dgram_unhash,
	.obj_size	= sizeof(struct inet_sock),
};

static struct inet_protosw kp_dgram4_protosw = {
	.type		= SOCK_DGRAM,
	.prot		= &kp_dgram4_prot,
	.ops		= &kp_dgram4_ops,
};

static struct net_protocol kp_dgram4_protocol __ro_after_init = {
	.handler	= kp_dgram4_rcv,
	.err_handler	= kp_dgram4_err,
	.no_policy	= 1,	/* xfrm4_policy_check() in the handler */
};

int __init kp_dgram4_init(void)
{
	int err;

	err = proto_register(&kp_dgram4_prot, 1);
	if (err)
		return err;
	err = inet_add_protocol(&kp_dgram4_protocol, kp_dgram_proto);
	if (err) {
		pr_err("IPv4 protocol %u is taken\n", kp_dgram_proto);
		err = -EBUSY;
		goto err_proto;
	}
	kp_dgram4_protosw.protocol = kp_dgram_proto;
	inet_register_protosw(&kp_dgram4_protosw);
	return 0;

err_proto:
	proto_unregister(&kp_dgram4_prot);
	return err;
}

/* No socket is left: each held a module reference. */
void kp_dgram4_exit(void)
{
	inet_unregister_protosw(&kp_dgram4_protosw);
	inet_del_protocol(&kp_dgram4_protocol, kp_dgram_proto);
	proto_unregister(&kp_dgram4_prot);
}
