/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_loop tracepoints: events/kp_loop/ in tracefs, "kp_loop:*" in perf.
 *
 *   kp_loop_xmit   a frame handed to ndo_start_xmit
 *   kp_loop_fault  a fault decided for one (wire-sized) frame
 *   kp_loop_rx     a frame handed to the receiving device's backlog
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kp_loop

#if !defined(_KP_LOOP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KP_LOOP_TRACE_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>

#include "compat/v6_10_trace_assign_str.h"

TRACE_EVENT(kp_loop_xmit,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb),
	TP_ARGS(dev, skb),
	TP_STRUCT__entry(
		__string(name, dev->name)
		__field(int, ifindex)
		__field(unsigned int, len)
		__field(unsigned short, gso_segs)
	),
	TP_fast_assign(
		kp_assign_str(name, dev->name);
		__entry->ifindex = dev->ifindex;
		__entry->len = skb->len;
		__entry->gso_segs = skb_shinfo(skb)->gso_segs;
	),
	TP_printk("dev=%s ifindex=%d len=%u gso_segs=%u", __get_str(name),
		  __entry->ifindex, __entry->len, __entry->gso_segs)
);

/*
 * @frame: the device's frame number since its fault state was last reset
 * (a seed or rate was set), so that runs with one seed can be compared;
 * @offset/@bit: the flipped bit, when @corrupt.
 */
TRACE_EVENT(kp_loop_fault,
	TP_PROTO(const struct net_device *dev, u64 frame, bool drop,
		 bool corrupt, unsigned int offset, unsigned int bit, bool dup,
		 bool ge_bad),
	TP_ARGS(dev, frame, drop, corrupt, offset, bit, dup, ge_bad),
	TP_STRUCT__entry(
		__string(name, dev->name)
		__field(u64, frame)
		__field(bool, drop)
		__field(bool, corrupt)
		__field(unsigned int, offset)
		__field(unsigned int, bit)
		__field(bool, dup)
		__field(bool, ge_bad)
	),
	TP_fast_assign(
		kp_assign_str(name, dev->name);
		__entry->frame = frame;
		__entry->drop = drop;
		__entry->corrupt = corrupt;
		__entry->offset = offset;
		__entry->bit = bit;
		__entry->dup = dup;
		__entry->ge_bad = ge_bad;
	),
	TP_printk("dev=%s frame=%llu drop=%d corrupt=%d offset=%u bit=%u dup=%d ge_bad=%d",
		  __get_str(name), __entry->frame, __entry->drop,
		  __entry->corrupt, __entry->offset, __entry->bit,
		  __entry->dup, __entry->ge_bad)
);

TRACE_EVENT(kp_loop_rx,
	TP_PROTO(const struct net_device *rcv, unsigned int len, int ret),
	TP_ARGS(rcv, len, ret),
	TP_STRUCT__entry(
		__string(name, rcv->name)
		__field(unsigned int, len)
		__field(int, ret)
	),
	TP_fast_assign(
		kp_assign_str(name, rcv->name);
		__entry->len = len;
		__entry->ret = ret;
	),
	TP_printk("dev=%s len=%u ret=%s", __get_str(name), __entry->len,
		  __entry->ret == NET_RX_SUCCESS ? "ok" : "drop")
);

#endif /* _KP_LOOP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
