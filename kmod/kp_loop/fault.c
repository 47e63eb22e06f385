// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: fault injection on transmit.
 *
 * Each frame a device transmits is, with the configured probabilities
 * (parts per million): dropped, independently (drop) or in bursts (a
 * Gilbert-Elliott chain, when ge_p is set); else corrupted (one random bit
 * flipped after the Ethernet header, with the checksum completed first so
 * that the receiver's IP or L4 checksum catches it); then duplicated (an
 * extra copy is delivered after it).  GSO frames are segmented first so
 * that faults hit wire-sized frames, as on a real link.
 *
 * All of a frame's dice are rolled at once, under the device's fault lock,
 * from get_random_u32() or, with a seed set, from a seeded generator: a
 * seeded device replays the same decisions frame by frame.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/prandom.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "compat/v6_4_net_gso.h"
#include "kp_loop.h"
#include "trace.h"

/* Enabled while at least one kp_loop device has a non-zero fault rate. */
DEFINE_STATIC_KEY_FALSE(kp_loop_faults_key);

bool kp_loop_faults_active(const struct kp_loop_priv *priv)
{
	return READ_ONCE(priv->drop_ppm) || READ_ONCE(priv->corrupt_ppm) ||
	       READ_ONCE(priv->dup_ppm) || READ_ONCE(priv->ge_p_ppm);
}

void kp_loop_fault_init(struct kp_loop_priv *priv)
{
	spin_lock_init(&priv->fault.lock);
}

/**
 * kp_loop_fault_reset - restart a device's fault decisions
 * @priv: the device's private data
 * @seed: 0 for get_random_u32(), else the seed of the generator
 *
 * Process context (dev-set, under RTNL).
 */
void kp_loop_fault_reset(struct kp_loop_priv *priv, u64 seed)
{
	spin_lock_bh(&priv->fault.lock);
	priv->fault.seed = seed;
	if (seed)
		prandom_seed_state(&priv->fault.rnd, seed);
	priv->fault.frames = 0;
	priv->fault.ge_bad = false;
	spin_unlock_bh(&priv->fault.lock);
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

/* What happens to one frame; see kp_loop_decide(). */
struct kp_loop_verdict {
	u64 frame;
	bool drop;
	bool corrupt;
	bool dup;
	bool ge_bad;
	unsigned int offset;	/* of the byte to corrupt */
	unsigned int bit;	/* its bit to flip */
};

/* A number below @n from the device's source; fault lock held. */
static u32 kp_loop_rand_below(struct kp_loop_fault_state *fs, u32 n)
{
	if (!fs->seed)
		return get_random_u32_below(n);
	return ((u64)prandom_u32_state(&fs->rnd) * n) >> 32;
}

/* True with probability @ppm per million; rolls nothing when 0. */
static bool kp_loop_roll(struct kp_loop_fault_state *fs, u32 ppm)
{
	return ppm && kp_loop_rand_below(fs, KP_LOOP_PPM_MAX) < ppm;
}

/*
 * Roll every die of one frame of @len bytes, in a fixed order, under the
 * fault lock (BH is disabled: we run from ndo_start_xmit).
 */
static void kp_loop_decide(struct kp_loop_priv *priv, unsigned int len,
			   struct kp_loop_verdict *v)
{
	struct kp_loop_fault_state *fs = &priv->fault;
	unsigned int first = len > ETH_HLEN ? ETH_HLEN : 0;
	u32 ge_p = READ_ONCE(priv->ge_p_ppm);

	spin_lock(&fs->lock);
	v->frame = fs->frames++;
	v->drop = kp_loop_roll(fs, READ_ONCE(priv->drop_ppm));
	if (ge_p) {
		/* one step of the chain, then loss in the state reached */
		if (fs->ge_bad)
			fs->ge_bad = !kp_loop_roll(fs, READ_ONCE(priv->ge_r_ppm));
		else
			fs->ge_bad = kp_loop_roll(fs, ge_p);
		v->drop |= kp_loop_roll(fs, fs->ge_bad ?
					READ_ONCE(priv->ge_bad_drop_ppm) :
					READ_ONCE(priv->ge_good_drop_ppm));
	}
	v->ge_bad = fs->ge_bad;
	v->corrupt = !v->drop && len > first &&
		     kp_loop_roll(fs, READ_ONCE(priv->corrupt_ppm));
	if (v->corrupt) {
		v->offset = first + kp_loop_rand_below(fs, len - first);
		v->bit = kp_loop_rand_below(fs, 8);
	} else {
		v->offset = 0;
		v->bit = 0;
	}
	v->dup = !v->drop && kp_loop_roll(fs, READ_ONCE(priv->dup_ppm));
	spin_unlock(&fs->lock);
}

/*
 * Flip bit @bit of byte @off of @skb; false on failure.
 * A checksum left to the hardware is completed first, the way the hardware
 * would have: skb_csum_hwoffload_help() with no offload features computes
 * SCTP's CRC32c where skb_checksum_help() would write an Internet checksum
 * over it.
 */
static bool kp_loop_corrupt(struct sk_buff *skb, unsigned int off,
			    unsigned int bit)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    skb_csum_hwoffload_help(skb, 0))
		return false;

	if (skb_ensure_writable(skb, off + 1))
		return false;

	skb->data[off] ^= BIT(bit);
	/* Make the receiver verify every checksum again. */
	skb->ip_summed = CHECKSUM_NONE;
	return true;
}

static void kp_loop_fault_one(struct sk_buff *skb, struct net_device *dev,
			      struct net_device *rcv)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct kp_loop_verdict v;
	struct sk_buff *dup = NULL;

	kp_loop_decide(priv, skb->len, &v);
	trace_kp_loop_fault(dev, v.frame, v.drop, v.corrupt, v.offset, v.bit,
			    v.dup, v.ge_bad);

	if (v.drop) {
		kp_loop_count(dev, KP_LOOP_CTR_FAULT_DROPS, 1);
		/* No core reason fits an injected loss. */
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return;
	}

	if (v.corrupt) {
		if (!kp_loop_corrupt(skb, v.offset, v.bit)) {
			dev_core_stats_tx_dropped_inc(dev);
			kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
			return;
		}
		kp_loop_count(dev, KP_LOOP_CTR_FAULT_CORRUPTS, 1);
	}

	if (v.dup) {
		dup = skb_clone(skb, GFP_ATOMIC);
		if (dup)
			kp_loop_count(dev, KP_LOOP_CTR_FAULT_DUPS, 1);
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
