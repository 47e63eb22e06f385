// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram: socket code shared by both families: building a datagram,
 * queueing one to a socket, receive-side accounting, disconnect, ioctl.
 */
#include <asm/ioctls.h>
#include <linux/icmpv6.h>
#include <linux/sockios.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/udp.h>

#include "kp_dgram.h"
#include "trace.h"

/**
 * kp_dgram_alloc_skb - a datagram with the user's payload, to be sent
 * @sk: the sending socket
 * @msg: the payload, @len bytes
 * @len: payload length, already checked against the maximum
 * @headroom: room for the IP and link-layer headers
 * @sport: source port
 * @dport: destination port
 * @err: the error when it fails
 *
 * Charged to @sk's send buffer: waits for room unless MSG_DONTWAIT (then
 * EAGAIN).  Payloads that do not fit an order-0 head go to page frags.
 * The checksum is left to the device or, failing that, to the core
 * (CHECKSUM_PARTIAL; the caller writes the pseudo-header sum), exactly as
 * for UDP: skb_checksum_help() sends a computed 0 as 0xffff.
 *
 * Return: the skb, its transport header set, or NULL.
 */
struct sk_buff *kp_dgram_alloc_skb(struct sock *sk, struct msghdr *msg,
				   size_t len, unsigned int headroom,
				   __be16 sport, __be16 dport, int *err)
{
	const unsigned int hlen = sizeof(struct kp_dgram_hdr);
	size_t linear = len, paged = 0;
	struct kp_dgram_hdr *dh;
	struct sk_buff *skb;

	if (len > SKB_MAX_HEAD(headroom + hlen)) {
		linear = 0;
		paged = len;
	}
	skb = sock_alloc_send_pskb(sk, headroom + hlen + linear, paged,
				   msg->msg_flags & MSG_DONTWAIT, err,
				   PAGE_ALLOC_COSTLY_ORDER);
	if (!skb)
		return NULL;
	skb_reserve(skb, headroom);
	skb_reset_transport_header(skb);
	skb_put(skb, hlen + linear);
	skb->data_len = paged;
	skb->len += paged;

	*err = skb_copy_datagram_from_iter(skb, hlen, &msg->msg_iter, len);
	if (*err) {
		kfree_skb(skb);
		return NULL;
	}

	dh = kp_dgram_hdr(skb);
	dh->source = sport;
	dh->dest = dport;
	dh->len = htons(hlen + len);
	dh->check = 0;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct kp_dgram_hdr, check);
	return skb;
}

/**
 * kp_dgram_count_send - count a send and turn the result into sendmsg's
 * @sk: the socket
 * @af: its family
 * @len: the payload length
 * @err: what IP output returned: 0, a negative errno or a NET_XMIT_ code
 *
 * As UDP: a datagram the qdisc dropped (ENOBUFS) counts as SndbufErrors
 * and is not reported to the sender.
 *
 * Return: @len or a negative errno.
 */
int kp_dgram_count_send(struct sock *sk, enum kp_dgram_af af, size_t len,
			int err)
{
	struct net *net = sock_net(sk);

	if (err > 0)
		err = net_xmit_errno(err);
	if (!err) {
		kp_dgram_inc(net, af, KP_DGRAM_MIB_OUT_DATAGRAMS);
		return len;
	}
	if (err == -ENOBUFS) {
		kp_dgram_inc(net, af, KP_DGRAM_MIB_SNDBUF_ERRORS);
		return len;
	}
	return err;
}

/* Sending failed before IP output: count a lack of send buffer. */
void kp_dgram_count_send_err(struct sock *sk, enum kp_dgram_af af, int err)
{
	if (err == -ENOBUFS || err == -EAGAIN)
		kp_dgram_inc(sock_net(sk), af, KP_DGRAM_MIB_SNDBUF_ERRORS);
}

/* Drop a malformed datagram: InErrors, and InCsumErrors for @csum. */
static void kp_dgram_rcv_drop(struct sk_buff *skb, enum kp_dgram_af af,
			      enum skb_drop_reason reason, bool csum)
{
	struct net *net = dev_net(skb->dev);

	kp_dgram_inc(net, af, KP_DGRAM_MIB_IN_ERRORS);
	if (csum)
		kp_dgram_inc(net, af, KP_DGRAM_MIB_IN_CSUM_ERRORS);
	kfree_skb_reason(skb, reason);
}

/**
 * kp_dgram_queue_rcv - queue a datagram to its socket
 * @sk: the socket, found under rcu_read_lock() (still held)
 * @skb: the datagram, data at its payload; consumed
 * @af: the family, for the counters
 *
 * Runs the socket filter and charges the receive buffer.  A full buffer
 * counts RcvbufErrors and InErrors, a filter drop InErrors; both count
 * in the socket's drops.
 */
static void kp_dgram_queue_rcv(struct sock *sk, struct sk_buff *skb,
			       enum kp_dgram_af af)
{
	struct net *net = sock_net(sk);
	enum skb_drop_reason reason;
	unsigned int len = skb->len;
	int err;

	err = sock_queue_rcv_skb_reason(sk, skb, &reason);
	trace_kp_dgram_queue(sk, len, err);
	if (likely(!err)) {
		kp_dgram_inc(net, af, KP_DGRAM_MIB_IN_DATAGRAMS);
		return;
	}
	/* The core counts sk_drops for a full buffer, not for a filter. */
	if (reason == SKB_DROP_REASON_SOCKET_FILTER)
		atomic_inc(&sk->sk_drops);
	if (err == -ENOMEM)
		kp_dgram_inc(net, af, KP_DGRAM_MIB_RCVBUF_ERRORS);
	kp_dgram_inc(net, af, KP_DGRAM_MIB_IN_ERRORS);
	kfree_skb_reason(skb, reason);
}

/**
 * kp_dgram_rcv_check - is a received datagram well formed?
 * @skb: the datagram, data at its transport header
 * @af: its family
 *
 * The header must be in the packet, its length field must equal the
 * length IP delivered (neither shorter, which UDP would trim, nor longer),
 * neither port may be 0, and the mandatory checksum must hold (a
 * CHECKSUM_PARTIAL datagram is one of ours, its checksum not computed
 * yet).  A malformed datagram is dropped and counted.
 *
 * Return: true when the caller may go on with @skb.
 */
bool kp_dgram_rcv_check(struct sk_buff *skb, enum kp_dgram_af af)
{
	const struct kp_dgram_hdr *dh;
	__sum16 bad;

	if (!pskb_may_pull(skb, sizeof(*dh)))
		goto malformed;
	dh = kp_dgram_hdr(skb);
	if (ntohs(dh->len) != skb->len || !dh->source || !dh->dest)
		goto malformed;

	if (!dh->check && skb->ip_summed != CHECKSUM_PARTIAL)
		goto csum;
	if (af == KP_DGRAM_AF4)
		bad = skb_checksum_init(skb, kp_dgram_proto,
					inet_compute_pseudo);
	else
		bad = skb_checksum_init(skb, kp_dgram_proto,
					ip6_compute_pseudo);
	if (bad || skb_checksum_complete(skb))
		goto csum;
	return true;

malformed:
	kp_dgram_rcv_drop(skb, af, SKB_DROP_REASON_PKT_TOO_SMALL, false);
	return false;
csum:
	kp_dgram_rcv_drop(skb, af, SKB_DROP_REASON_UDP_CSUM, true);
	return false;
}

/**
 * kp_dgram_rcv_no_socket - a datagram no socket wants
 * @skb: the datagram; consumed
 * @af: its family
 * @policy_ok: what the family's xfrm policy check said
 *
 * Counted in NoPorts and answered with a port unreachable (unless the
 * netns's port-unreach is off), as UDP does.
 */
void kp_dgram_rcv_no_socket(struct sk_buff *skb, enum kp_dgram_af af,
			    bool policy_ok)
{
	struct net *net = dev_net(skb->dev);

	trace_kp_dgram_lookup_miss(skb, af == KP_DGRAM_AF4 ? AF_INET : AF_INET6);
	if (!policy_ok) {
		kp_dgram_rcv_drop(skb, af, SKB_DROP_REASON_XFRM_POLICY, false);
		return;
	}
	kp_dgram_inc(net, af, KP_DGRAM_MIB_NO_PORTS);
	nf_reset_ct(skb);
	if (READ_ONCE(kp_dgram_pernet(net)->port_unreach)) {
		if (af == KP_DGRAM_AF4)
			icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
		else
			icmpv6_send(skb, ICMPV6_DEST_UNREACH,
				    ICMPV6_PORT_UNREACH, 0);
	}
	kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
}

/**
 * kp_dgram_rcv_socket - hand a datagram to the socket it is for
 * @sk: the socket, found under rcu_read_lock() (still held)
 * @skb: the datagram, data at its header; consumed
 * @af: its family
 * @policy_ok: what the family's xfrm policy check said for @sk
 */
void kp_dgram_rcv_socket(struct sock *sk, struct sk_buff *skb,
			 enum kp_dgram_af af, bool policy_ok)
{
	if (!policy_ok) {
		atomic_inc(&sk->sk_drops);
		kp_dgram_rcv_drop(skb, af, SKB_DROP_REASON_XFRM_POLICY, false);
		return;
	}
	nf_reset_ct(skb);
	__skb_pull(skb, sizeof(struct kp_dgram_hdr));
	kp_dgram_queue_rcv(sk, skb, af);
}

/**
 * kp_dgram_recv_skb - wait for the next datagram and copy it out
 * @sk: the socket
 * @msg: where to copy
 * @len: room in @msg
 * @flags: recvmsg flags (MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, ...)
 * @ret: recvmsg's result when the skb is returned: the bytes copied, or
 *	the datagram's length for MSG_TRUNC
 *
 * Return: the datagram, to be released with skb_free_datagram() after
 * the caller added the address and control messages; or an ERR_PTR.
 */
struct sk_buff *kp_dgram_recv_skb(struct sock *sk, struct msghdr *msg,
				  size_t len, int flags, int *ret)
{
	unsigned int ulen, copied;
	struct sk_buff *skb;
	int err;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return ERR_PTR(flags & MSG_OOB ? -EOPNOTSUPP : -EAGAIN);

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return ERR_PTR(err);

	ulen = skb->len;
	copied = len;
	if (copied > ulen)
		copied = ulen;
	else if (copied < ulen)
		msg->msg_flags |= MSG_TRUNC;

	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err) {
		skb_free_datagram(sk, skb);
		return ERR_PTR(err);
	}
	sock_recv_cmsgs(msg, sk, skb);
	*ret = flags & MSG_TRUNC ? ulen : copied;
	return skb;
}

/* The length of the next datagram, for SIOCINQ. */
static int kp_dgram_first_len(struct sock *sk)
{
	struct sk_buff *skb;
	int len = 0;

	spin_lock_bh(&sk->sk_receive_queue.lock);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb)
		len = skb->len;
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	return len;
}

/* SIOCOUTQ: bytes in the send buffer; SIOCINQ: the next datagram's size. */
int kp_dgram_ioctl(struct sock *sk, int cmd, kp_proto_ioctl_arg_t karg)
{
	switch (cmd) {
	case SIOCOUTQ:
		return kp_proto_ioctl_ret(karg, sk_wmem_alloc_get(sk));
	case SIOCINQ:
		return kp_proto_ioctl_ret(karg, kp_dgram_first_len(sk));
	default:
		return -ENOIOCTLCMD;
	}
}

/* connect(AF_UNSPEC): as UDP's. */
int kp_dgram_disconnect(struct sock *sk, int flags)
{
	lock_sock(sk);
	__udp_disconnect(sk, flags);
	release_sock(sk);
	return 0;
}

/* struct proto close: unhash, orphan, drop the last reference. */
void kp_dgram_close(struct sock *sk, long timeout)
{
	sk_common_release(sk);
}
