// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: fault injection on transmit.
 *
 * Each frame a device transmits is, independently and with the configured
 * probabilities (parts per million): dropped; else corrupted (one random
 * bit flipped after the Ethernet header, with the checksum completed first
 * so that the receiver's IP or L4 checksum catches it); then duplicated (an
 * extra copy is delivered after it).  GSO frames are segmented first so
 * that faults hit wire-sized frames, as on a real link.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/prandom.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "compat/v6_4_net_gso.h"
#include "kp_loop.h"

/* Enabled while at least one kp_loop device has a non-zero fault rate. */
DEFINE_STATIC_KEY_FALSE(kp_loop_faults_key);

bool kp_loop_faults_active(const struct kp_loop_priv *priv)
{
	return READ_ONCE(priv->drop_ppm) || READ_ONCE(priv->corrupt_ppm) ||
	       READ_ONCE(priv->dup_ppm);
}

/**
 * kp_loop_faults_update - take or put @dev's reference on the fault key
 * @dev: a kp_loop device
 * @on: whether @dev now has a non-zero fault rate
 *
 * Caller holds RTNL (which serialises priv->faults_on); may sleep.
 */
void kp_loop_faults_update(struct net_device *dev, bool on)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	ASSERT_RTNL();
	if (priv->faults_on == on)
		return;
	priv->faults_on = on;
	if (on)
		static_branch_inc(&kp_loop_faults_key);
	else
		static_branch_dec(&kp_loop_faults_key);
}

static bool kp_loop_roll(u32 ppm)
{
	return ppm && get_random_u32_below(KP_LOOP_PPM_MAX) < ppm;
}

/*
 * Flip one random bit of @skb past its Ethernet header; false on failure.
 * A checksum left to the hardware is completed first, the way the hardware
 * would have: skb_csum_hwoffload_help() with no offload features computes
 * SCTP's CRC32c where skb_checksum_help() would write an Internet checksum
 * over it.
 */
static bool kp_loop_corrupt(struct sk_buff *skb)
{
	unsigned int first = skb->len > ETH_HLEN ? ETH_HLEN : 0;
	unsigned int off;

	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    skb_csum_hwoffload_help(skb, 0))
		return false;

	off = first + get_random_u32_below(skb->len - first);
	if (skb_ensure_writable(skb, off + 1))
		return false;

	skb->data[off] ^= BIT(get_random_u32_below(8));
	/* Make the receiver verify every checksum again. */
	skb->ip_summed = CHECKSUM_NONE;
	return true;
}

static void kp_loop_fault_one(struct sk_buff *skb, struct net_device *dev,
			      struct net_device *rcv)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct sk_buff *dup = NULL;

	if (kp_loop_roll(READ_ONCE(priv->drop_ppm))) {
		kp_loop_count(dev, KP_LOOP_STAT_FAULT_DROPS, 1);
		/* No core reason fits an injected loss. */
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return;
	}

	if (kp_loop_roll(READ_ONCE(priv->corrupt_ppm))) {
		if (!kp_loop_corrupt(skb)) {
			dev_core_stats_tx_dropped_inc(dev);
			kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
			return;
		}
		kp_loop_count(dev, KP_LOOP_STAT_FAULT_CORRUPTS, 1);
	}

	if (kp_loop_roll(READ_ONCE(priv->dup_ppm))) {
		dup = skb_clone(skb, GFP_ATOMIC);
		if (dup)
			kp_loop_count(dev, KP_LOOP_STAT_FAULT_DUPS, 1);
	}

	kp_loop_forward(skb, dev, rcv);
	if (dup)
		kp_loop_forward(dup, dev, rcv);
}

/**
 * kp_loop_fault_xmit - transmit one frame with fault injection
 * @skb: the frame (possibly GSO); consumed
 * @dev: the transmitting kp_loop device, whose fault rates apply
 * @rcv: the receiving device
 *
 * Called from ndo_start_xmit, BH disabled, under RCU.
 */
void kp_loop_fault_xmit(struct sk_buff *skb, struct net_device *dev,
			struct net_device *rcv)
{
	struct sk_buff *segs, *seg, *next;

	if (!skb_is_gso(skb)) {
		kp_loop_fault_one(skb, dev, rcv);
		return;
	}

	segs = skb_gso_segment(skb, netif_skb_features(skb) & ~NETIF_F_GSO_MASK);
	if (IS_ERR_OR_NULL(segs)) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb_reason(skb, SKB_DROP_REASON_SKB_GSO_SEG);
		return;
	}
	consume_skb(skb);

	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		kp_loop_fault_one(seg, dev, rcv);
	}
}
