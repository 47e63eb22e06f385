/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_dgram tracepoints: events/kp_dgram/ in tracefs, "kp_dgram:*" in perf.
 *
 *   kp_dgram_send         a datagram handed to IP (or refused before)
 *   kp_dgram_rcv          a well-formed datagram from IP, before lookup
 *   kp_dgram_lookup_miss  no socket for a datagram
 *   kp_dgram_queue        a datagram queued to a socket, or refused by it
 *
 * Ports are in host order.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kp_dgram

#if !defined(_KP_DGRAM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KP_DGRAM_TRACE_H

#include <linux/skbuff.h>
#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "kp_dgram.h"

TRACE_EVENT(kp_dgram_send,
	TP_PROTO(const struct sock *sk, __be16 dport, unsigned int len,
		 int err),
	TP_ARGS(sk, dport, len, err),
	TP_STRUCT__entry(
		__field(u16, family)
		__field(u16, sport)
		__field(u16, dport)
		__field(unsigned int, len)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->family = sk->sk_family;
		__entry->sport = inet_sk(sk)->inet_num;
		__entry->dport = ntohs(dport);
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk("family=%s sport=%u dport=%u len=%u err=%d",
		  __entry->family == AF_INET6 ? "inet6" : "inet",
		  __entry->sport, __entry->dport, __entry->len, __entry->err)
);

DECLARE_EVENT_CLASS(kp_dgram_skb,
	TP_PROTO(const struct sk_buff *skb, u16 family),
	TP_ARGS(skb, family),
	TP_STRUCT__entry(
		__field(u16, family)
		__field(u16, sport)
		__field(u16, dport)
		__field(unsigned int, len)
		__field(int, ifindex)
	),
	TP_fast_assign(
		const struct kp_dgram_hdr *dh = kp_dgram_hdr(skb);

		__entry->family = family;
		__entry->sport = ntohs(dh->source);
		__entry->dport = ntohs(dh->dest);
		__entry->len = ntohs(dh->len);
		__entry->ifindex = skb->skb_iif;
	),
	TP_printk("family=%s sport=%u dport=%u len=%u ifindex=%d",
		  __entry->family == AF_INET6 ? "inet6" : "inet",
		  __entry->sport, __entry->dport, __entry->len,
		  __entry->ifindex)
);

DEFINE_EVENT(kp_dgram_skb, kp_dgram_rcv,
	TP_PROTO(const struct sk_buff *skb, u16 family),
	TP_ARGS(skb, family)
);

DEFINE_EVENT(kp_dgram_skb, kp_dgram_lookup_miss,
	TP_PROTO(const struct sk_buff *skb, u16 family),
	TP_ARGS(skb, family)
);

/* @len: the payload; @err: 0, or why the socket refused it. */
TRACE_EVENT(kp_dgram_queue,
	TP_PROTO(const struct sock *sk, unsigned int len, int err),
	TP_ARGS(sk, len, err),
	TP_STRUCT__entry(
		__field(u16, family)
		__field(u16, port)
		__field(unsigned int, len)
		__field(int, rmem)
		__field(int, rcvbuf)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->family = sk->sk_family;
		__entry->port = inet_sk(sk)->inet_num;
		__entry->len = len;
		__entry->rmem = atomic_read(&sk->sk_rmem_alloc);
		__entry->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
		__entry->err = err;
	),
	TP_printk("family=%s port=%u len=%u rmem=%d rcvbuf=%d err=%d",
		  __entry->family == AF_INET6 ? "inet6" : "inet",
		  __entry->port, __entry->len, __entry->rmem,
		  __entry->rcvbuf, __entry->err)
);

#endif /* _KP_DGRAM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
