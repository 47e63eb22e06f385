// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram over IPv6: AF_INET6 sockets, the protocol handler and the
 * ICMPv6 error handler.  Modelled on net/ipv6/udp.c and
 * net/l2tp/l2tp_ip6.c.
 *
 * AF_INET6 sockets are IPv6 only (IPV6_V6ONLY cannot be cleared): IPv4
 * datagrams go to AF_INET sockets, and the two families have separate
 * port spaces.  Sending builds one skb and hands it to ip6_xmit(); a
 * datagram over the path MTU is fragmented by IPv6 output, unless the
 * socket asked for IPV6_PMTUDISC_DO/PROBE or IPV6_DONTFRAG.
 */
#include <linux/icmpv6.h>
#include <net/addrconf.h>
#include <net/inet_common.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/protocol.h>
#include <net/transp_v6.h>
#include <net/xfrm.h>

#include "kp_dgram.h"
#include "trace.h"

/* inet6_sk_generic() expects struct ipv6_pinfo at the end (before 6.5). */
struct kp_dgram6_sock {
	struct inet_sock inet;
	struct ipv6_pinfo inet6;
};

static int kp_dgram6_init_sock(struct sock *sk)
{
	sk->sk_ipv6only = 1;
	return 0;
}

static int kp_dgram6_setsockopt(struct sock *sk, int level, int optname,
				sockptr_t optval, unsigned int optlen)
{
	int val;

	if (level == SOL_IPV6 && optname == IPV6_V6ONLY) {
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		/* No IPv4-mapped addresses: use an AF_INET socket. */
		return val ? 0 : -EINVAL;
	}
	return ipv6_setsockopt(sk, level, optname, optval, optlen);
}

/* connect(): IPv6 addresses only, and port 0 is no peer. */
static int kp_dgram6_connect(struct sock *sk, struct sockaddr *uaddr,
			     int addr_len)
{
	const struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;

	if (addr_len >= SIN6_LEN_RFC2133 && sin6->sin6_family == AF_INET6 &&
	    !sin6->sin6_port)
		return -EINVAL;
	return ip6_datagram_connect_v6_only(sk, uaddr, addr_len);
}

static int kp_dgram6_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_in6 *, sin6, msg->msg_name);
	const size_t ulen = len + sizeof(struct kp_dgram_hdr);
	struct ipv6_txoptions *opt_to_free = NULL, *opt = NULL;
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct in6_addr *daddr, *final_p, final;
	struct ipv6_txoptions opt_space;
	unsigned int headroom, mtu;
	struct flowi6 fl6 = {};
	struct ipcm6_cookie ipc6;
	struct dst_entry *dst;
	bool connected = false;
	struct sk_buff *skb;
	__be16 dport;
	int err;

	if (len > KP_DGRAM_MAX_PAYLOAD6)
		return -EMSGSIZE;
	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;

	ipc6 = (struct ipcm6_cookie){ .hlimit = -1, .tclass = -1,
				      .dontfrag = -1 };
	fl6.flowi6_mark = READ_ONCE(sk->sk_mark);
	fl6.flowi6_uid = sk->sk_uid;

	if (sin6) {
		if (msg->msg_namelen < offsetof(struct sockaddr, sa_data))
			return -EINVAL;
		if (sin6->sin6_family != AF_INET6)
			return -EAFNOSUPPORT;
		if (msg->msg_namelen < SIN6_LEN_RFC2133)
			return -EINVAL;
		daddr = &sin6->sin6_addr;
		dport = sin6->sin6_port;
		if (!dport)
			return -EINVAL;
		if (ipv6_addr_v4mapped(daddr))
			return -ENETUNREACH;	/* as a V6ONLY UDP socket */
		if (msg->msg_namelen >= sizeof(struct sockaddr_in6) &&
		    sin6->sin6_scope_id &&
		    __ipv6_addr_needs_scope_id(ipv6_addr_type(daddr)))
			fl6.flowi6_oif = sin6->sin6_scope_id;
	} else {
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = &sk->sk_v6_daddr;
		dport = inet->inet_dport;
		fl6.flowlabel = np->flow_label;
		connected = true;
	}

	if (!fl6.flowi6_oif)
		fl6.flowi6_oif = READ_ONCE(sk->sk_bound_dev_if);

	if (msg->msg_controllen) {
		opt = &opt_space;
		memset(opt, 0, sizeof(*opt));
		opt->tot_len = sizeof(*opt);
		ipc6.opt = opt;
		err = ip6_datagram_send_ctl(sock_net(sk), sk, msg, &fl6, &ipc6);
		if (err < 0)
			return err;
		if (!(opt->opt_nflen | opt->opt_flen))
			opt = NULL;
		connected = false;
	}
	if (!opt) {
		opt = txopt_get(np);
		opt_to_free = opt;
	}
	opt = ipv6_fixup_options(&opt_space, opt);

	fl6.flowi6_proto = sk->sk_protocol;
	fl6.daddr = *daddr;
	if (ipv6_addr_any(&fl6.saddr) && !ipv6_addr_any(&np->saddr))
		fl6.saddr = np->saddr;
	fl6.fl6_sport = inet->inet_sport;
	fl6.fl6_dport = dport;
	final_p = fl6_update_dst(&fl6, opt, &final);
	if (!fl6.flowi6_oif && ipv6_addr_is_multicast(&fl6.daddr))
		fl6.flowi6_oif = np->mcast_oif;
	else if (!fl6.flowi6_oif)
		fl6.flowi6_oif = np->ucast_oif;
	security_sk_classify_flow(sk, flowi6_to_flowi_common(&fl6));
	if (ipc6.tclass < 0)
		ipc6.tclass = np->tclass;
	fl6.flowlabel = ip6_make_flowinfo(ipc6.tclass, fl6.flowlabel);

	dst = ip6_sk_dst_lookup_flow(sk, &fl6, final_p, connected);
	if (IS_ERR(dst)) {
		err = PTR_ERR(dst);
		goto out;
	}

	/* Over the path MTU: IPv6 fragments it unless told not to. */
	mtu = kp_np_pmtudisc(sk) >= IPV6_PMTUDISC_PROBE ?
		READ_ONCE(dst->dev->mtu) : dst_mtu(dst);
	headroom = sizeof(struct ipv6hdr) +
		   (opt ? opt->opt_flen + opt->opt_nflen : 0);
	if (ipc6.dontfrag < 0)
		ipc6.dontfrag = kp_np_dontfrag(sk);
	if ((ipc6.dontfrag || kp_np_pmtudisc(sk) >= IPV6_PMTUDISC_DO) &&
	    headroom + ulen > mtu) {
		err = -EMSGSIZE;
		goto out_dst;
	}
	/* ip6_xmit() wants room for a jumbo header too, or copies the head. */
	headroom += sizeof(struct hop_jumbo_hdr) + LL_RESERVED_SPACE(dst->dev);

	skb = kp_dgram_alloc_skb(sk, msg, len, headroom, inet->inet_sport,
				 dport, &err);
	if (!skb) {
		kp_dgram_count_send_err(sk, KP_DGRAM_AF6, err);
		goto out_dst;
	}
	kp_dgram_hdr(skb)->check = ~csum_ipv6_magic(&fl6.saddr, &fl6.daddr,
						    ulen, sk->sk_protocol, 0);
	skb->ignore_df = ulen + sizeof(struct ipv6hdr) +
			 (opt ? opt->opt_flen + opt->opt_nflen : 0) > mtu;
	skb_dst_set(skb, dst);

	err = ip6_xmit(sk, skb, &fl6, fl6.flowi6_mark, opt, ipc6.tclass,
		       READ_ONCE(sk->sk_priority));
	trace_kp_dgram_send(sk, dport, len, err);
	err = kp_dgram_count_send(sk, KP_DGRAM_AF6, len, err);
	txopt_put(opt_to_free);
	return err;

out_dst:
	dst_release(dst);
out:
	txopt_put(opt_to_free);
	trace_kp_dgram_send(sk, dport, len, err);
	return err;
}

static int kp_dgram6_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			     int flags, int *addr_len)
{
	DECLARE_SOCKADDR(struct sockaddr_in6 *, sin6, msg->msg_name);
	struct sk_buff *skb;
	int ret;

	skb = kp_dgram_recv_skb(sk, msg, len, flags, &ret);
	if (IS_ERR(skb))
		return PTR_ERR(skb);

	if (sin6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = kp_dgram_hdr(skb)->source;
		sin6->sin6_flowinfo = 0;
		sin6->sin6_addr = ipv6_hdr(skb)->saddr;
		sin6->sin6_scope_id = ipv6_iface_scope_id(&sin6->sin6_addr,
							  inet6_iif(skb));
		*addr_len = sizeof(*sin6);
	}
	if (inet6_sk(sk)->rxopt.all)
		ip6_datagram_recv_ctl(sk, msg, skb);
	skb_free_datagram(sk, skb);
	return ret;
}

/* The protocol handler: called by ip6_input_finish() under RCU. */
static int kp_dgram6_rcv(struct sk_buff *skb)
{
	const struct kp_dgram_hdr *dh;
	const struct ipv6hdr *ip6h;
	struct sock *sk;

	if (!kp_dgram_rcv_check(skb, KP_DGRAM_AF6))
		return 0;
	trace_kp_dgram_rcv(skb, AF_INET6);

	dh = kp_dgram_hdr(skb);
	ip6h = ipv6_hdr(skb);
	sk = kp_dgram6_lookup(dev_net(skb->dev), &ip6h->saddr, dh->source,
			      &ip6h->daddr, ntohs(dh->dest), inet6_iif(skb),
			      inet6_sdif(skb));
	if (!sk) {
		kp_dgram_rcv_no_socket(skb, KP_DGRAM_AF6,
				       xfrm6_policy_check(NULL, XFRM_POLICY_IN,
							  skb));
		return 0;
	}
	kp_dgram_rcv_socket(sk, skb, KP_DGRAM_AF6,
			    xfrm6_policy_check(sk, XFRM_POLICY_IN, skb));
	return 0;
}

/**
 * kp_dgram6_err - an ICMPv6 error about a datagram we sent
 * @skb: the ICMPv6 message, data at the quoted IPv6 header
 * @opt: its IPv6 control block
 * @type: ICMPv6 type
 * @code: ICMPv6 code
 * @offset: offset of our header in @skb (icmpv6_notify() made sure 8
 *	bytes are there)
 * @info: the ICMPv6 info (the MTU for packet too big)
 *
 * As kp_dgram4_err(): packet too big and redirects update the route,
 * other errors reach a connected socket (icmpv6_err_convert()).
 *
 * Return: 0, or -ENOENT when no socket sent it.
 */
static int kp_dgram6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			 u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	const struct kp_dgram_hdr *dh =
		(const struct kp_dgram_hdr *)(skb->data + offset);
	struct net *net = dev_net(skb->dev);
	struct sock *sk;
	int err;

	sk = kp_dgram6_lookup(net, &ip6h->daddr, dh->dest, &ip6h->saddr,
			      ntohs(dh->source), inet6_iif(skb),
			      inet6_sdif(skb));
	if (!sk)
		return -ENOENT;

	if (type == ICMPV6_PKT_TOOBIG) {
		if (ip6_sk_accept_pmtu(sk))
			ip6_sk_update_pmtu(skb, sk, info);
		return 0;
	}
	if (type == NDISC_REDIRECT) {
		ip6_sk_redirect(skb, sk);
		return 0;
	}
	icmpv6_err_convert(type, code, &err);
	if (sk->sk_state != TCP_ESTABLISHED)
		return 0;
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	return 0;
}

static const struct proto_ops kp_dgram6_ops = {
	.family		= PF_INET6,
	.owner		= THIS_MODULE,
	.release	= inet6_release,
	.bind		= inet6_bind,
	.connect	= inet_dgram_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet6_getname,
	.poll		= datagram_poll,
	.ioctl		= inet6_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= sock_no_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= sock_common_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct proto kp_dgram6_prot = {
	.name		= "KP_DGRAMv6",
	.owner		= THIS_MODULE,
	.close		= kp_dgram_close,
	.connect	= kp_dgram6_connect,
	.disconnect	= kp_dgram_disconnect,
	.ioctl		= kp_dgram_ioctl,
	.init		= kp_dgram6_init_sock,
	.setsockopt	= kp_dgram6_setsockopt,
	.getsockopt	= ipv6_getsockopt,
	.sendmsg	= kp_dgram6_sendmsg,
	.recvmsg	= kp_dgram6_recvmsg,
	.release_cb	= ip6_datagram_release_cb,
	.get_port	= kp_dgram_get_port,
	.unhash		= kp_dgram_unhash,
	.obj_size	= sizeof(struct kp_dgram6_sock),
	KP_IPV6_PINFO_OFFSET(struct kp_dgram6_sock, inet6)
};

static struct inet_protosw kp_dgram6_protosw = {
	.type		= SOCK_DGRAM,
	.prot		= &kp_dgram6_prot,
	.ops		= &kp_dgram6_ops,
};

static struct inet6_protocol kp_dgram6_protocol __ro_after_init = {
	.handler	= kp_dgram6_rcv,
	.err_handler	= kp_dgram6_err,
	/* xfrm6_policy_check() in the handler; an upper-layer header */
	.flags		= INET6_PROTO_NOPOLICY | INET6_PROTO_FINAL,
};

int __init kp_dgram6_init(void)
{
	int err;

	err = proto_register(&kp_dgram6_prot, 1);
	if (err)
		return err;
	err = inet6_add_protocol(&kp_dgram6_protocol, kp_dgram_proto);
	if (err) {
		pr_err("IPv6 next header %u is taken\n", kp_dgram_proto);
		err = -EBUSY;
		goto err_proto;
	}
	kp_dgram6_protosw.protocol = kp_dgram_proto;
	err = inet6_register_protosw(&kp_dgram6_protosw);
	if (err)
		goto err_protocol;
	return 0;

err_protocol:
	inet6_del_protocol(&kp_dgram6_protocol, kp_dgram_proto);
err_proto:
	proto_unregister(&kp_dgram6_prot);
	return err;
}

/* No socket is left: each held a module reference. */
void kp_dgram6_exit(void)
{
	inet6_unregister_protosw(&kp_dgram6_protosw);
	inet6_del_protocol(&kp_dgram6_protocol, kp_dgram_proto);
	proto_unregister(&kp_dgram6_prot);
}
