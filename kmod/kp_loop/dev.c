// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: the net_device, its transmit path and its statistics.
 *
 * A frame handed to kp_loop_xmit() goes back into the stack through
 * netif_rx(), i.e. the per-CPU backlog, exactly like loopback does:
 *
 *   loop mode: the frame comes back in on the same device;
 *   pair mode: it comes in on the peer, possibly in another netns.
 *
 * Either way through the core's __dev_forward_skb(), as veth does.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/dst.h>

#include "compat/v6_12_netdev_bits.h"
#include "kp_loop.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define KP_LOOP_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | \
			  NETIF_F_GSO_SOFTWARE | NETIF_F_HW_CSUM | \
			  NETIF_F_RXCSUM | NETIF_F_SCTP_CRC | \
			  NETIF_F_HIGHDMA | NETIF_F_VLAN_CHALLENGED)

/*
 * The device a frame sent on @dev is received on; NULL if the peer is gone.
 * Caller holds rcu_read_lock().
 */
static struct net_device *kp_loop_rcv_dev(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	if (priv->mode == KP_LOOP_MODE_LOOP)
		return dev;
	return rcu_dereference(priv->peer);
}

/**
 * kp_loop_forward - hand one frame to the receiving device
 * @skb: the frame, a whole Ethernet header at skb->data; consumed
 * @dev: the transmitting kp_loop device
 * @rcv: the receiving device: @dev in loop mode, its peer in pair mode
 *
 * Counts the frame once, on @rcv, as received or as dropped there; @dev's
 * tx_packets/tx_bytes are derived from that (kp_loop_stats_add()).  Byte
 * counters include the Ethernet header, as on a real NIC.
 *
 * Both modes go through the core's forward path, __dev_forward_skb(), as
 * veth does: it refuses frames too big for @rcv's MTU or sent while @rcv is
 * down, scrubs the skb (dst, conntrack, and in another netns the mark and
 * timestamp), runs eth_type_trans() and fixes up a CHECKSUM_COMPLETE sum
 * for the pulled header.  Loop mode also detaches the skb from the sending
 * socket and clears its timestamp, as loopback_xmit() does.
 *
 * Called with BH disabled and under RCU (from ndo_start_xmit).
 */
void kp_loop_forward(struct sk_buff *skb, struct net_device *dev,
		     struct net_device *rcv)
{
	unsigned int len = skb->len;
	int ret;

	if (dev == rcv) {
		skb_clear_tstamp(skb);
		skb_orphan(skb);
	}
	if (__dev_forward_skb(rcv, skb) != NET_RX_SUCCESS) {
		/* Too big for the MTU, or @rcv down; freed and counted in
		 * the core's rx_dropped.
		 */
		kp_loop_count_frame(rcv, KP_LOOP_CTR_RX_OTHER_DROPS,
				    KP_LOOP_CTR_RX_DROP_BYTES, len);
		return;
	}

	/* ndo_start_xmit runs with BH disabled: no need for netif_rx()'s
	 * local_bh_disable()/enable() pair, as in loopback_xmit().  Netpoll,
	 * which calls us with IRQs off, is refused (IFF_DISABLE_NETPOLL).
	 * The frame is counted after the hand-off, not across it, and from
	 * this CPU: the softirq that processes the backlog runs only once
	 * our caller re-enables BH (or on another CPU, with RPS).
	 */
	ret = __netif_rx(skb);
	trace_kp_loop_rx(rcv, len, ret);
	if (likely(ret == NET_RX_SUCCESS))
		kp_loop_count_frame(rcv, KP_LOOP_CTR_RX_PACKETS,
				    KP_LOOP_CTR_RX_BYTES, len);
	else
		kp_loop_count_frame(rcv, KP_LOOP_CTR_RX_BACKLOG_DROPS,
				    KP_LOOP_CTR_RX_DROP_BYTES, len);
}

/*
 * The peer is RCU-protected (kp_loop_rcv_dev()).  The core calls us under
 * rcu_read_lock_bh() only, which lockdep does not accept for
 * rcu_dereference(), and IPv4 output's extra rcu_read_lock() is not there
 * on every path (an AF_PACKET send has none): take our own, as veth does,
 * for as long as @rcv is used.
 *
 * A frame may come without a whole Ethernet header in its linear part:
 * one redirected here by tc (mirred, bpf_redirect) from the ingress of an
 * L3 device carries none at all.  eth_type_trans() assumes one, so pull it
 * or drop the frame first, as veth_xmit() does.
 */
static netdev_tx_t kp_loop_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *rcv;

	trace_kp_loop_xmit(dev, skb);
	if (unlikely(!pskb_may_pull(skb, ETH_HLEN))) {
		kp_loop_count(dev, KP_LOOP_CTR_TX_RUNT_DROPS, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
		return NETDEV_TX_OK;
	}

	rcu_read_lock();
	rcv = kp_loop_rcv_dev(dev);
	if (unlikely(!rcv || !netif_carrier_ok(dev))) {
		kp_loop_count(dev, KP_LOOP_CTR_TX_CARRIER_DROPS, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
		goto out;
	}

	skb_tx_timestamp(skb);

	if (kp_loop_faults_enabled(priv))
		kp_loop_fault_xmit(skb, dev, rcv);
	else
		kp_loop_forward(skb, dev, rcv);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

/* The counters @dev keeps on @cpu (enum kp_loop_ctr). */
static void kp_loop_ctrs_read(struct net_device *dev, int cpu, u64 *ctr)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	const struct kp_loop_stats *s = per_cpu_ptr(priv->stats, cpu);
	unsigned int start, i;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		for (i = 0; i < KP_LOOP_N_CTRS; i++)
			ctr[i] = u64_stats_read(&s->ctr[i]);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

/*
 * What each reported counter of a device D means, and where it comes
 * from.  R is the device D transmits to: D itself in loop mode, D's peer
 * in pair mode.  A frame's counters are updated by the CPU that transmits
 * it, so every line holds for each CPU as well as for the sums, and
 * ethtool's cpu<N>_* counters are derived in the same way.
 *
 *   tx_packets  frames D handed to R (each fault duplicate included),
 *               whatever R did with them:
 *               = R's rx_packets + rx_backlog_drops + rx_other_drops
 *   tx_bytes    their bytes: = R's rx_bytes + R's rx_drop_bytes (kept
 *               only to derive this, not reported)
 *   rx_packets, rx_bytes
 *               frames handed to D that netif_rx() took (counted on D)
 *   rx_backlog_drops, rx_other_drops
 *               frames handed to D and dropped: by netif_rx() (backlog
 *               full), by __dev_forward_skb() (MTU, D down) (counted on D)
 *   tx_carrier_drops, tx_runt_drops, fault_drops, fault_corrupts,
 *   fault_dups  what happened on D's transmit path before the hand-off
 *               (counted on D)
 *
 * So, exactly: tx_packets of one end of a pair = rx_packets +
 * rx_backlog_drops + rx_other_drops of the other end, and in loop mode
 * tx_packets = rx_packets + rx_backlog_drops + rx_other_drops.
 *
 * R is read under RCU, as veth reads its peer.  A pair is deleted in one
 * batch (unregister_netdevice_many()), and each end clears only its own
 * peer pointer, in ndo_uninit, after the NETDEV_UNREGISTER notifiers (our
 * DEV_DEL_NTF) and the RTM_DELLINK message have read its counters; the
 * peer and its counters are freed a grace period after the batch.  So
 * every report of either end, including both ends' delete notifications,
 * still sees the other end.  An end past its own ndo_uninit (unlisted:
 * nothing can look it up any more) would report tx as 0.  A move of either
 * end to another netns changes nothing here.
 */
static void kp_loop_stats_add(struct net_device *dev, struct net_device *rcv,
			      int cpu, struct kp_loop_stats_snap *snap)
{
	u64 own[KP_LOOP_N_CTRS], far[KP_LOOP_N_CTRS] = {};
	const u64 *in = far;	/* the counters of @rcv */
	u64 *c = snap->ctr;

	kp_loop_ctrs_read(dev, cpu, own);
	if (rcv == dev)
		in = own;
	else if (rcv)
		kp_loop_ctrs_read(rcv, cpu, far);

	c[KP_LOOP_STAT_TX_PACKETS] += in[KP_LOOP_CTR_RX_PACKETS] +
				      in[KP_LOOP_CTR_RX_BACKLOG_DROPS] +
				      in[KP_LOOP_CTR_RX_OTHER_DROPS];
	c[KP_LOOP_STAT_TX_BYTES] += in[KP_LOOP_CTR_RX_BYTES] +
				    in[KP_LOOP_CTR_RX_DROP_BYTES];
	c[KP_LOOP_STAT_RX_PACKETS] += own[KP_LOOP_CTR_RX_PACKETS];
	c[KP_LOOP_STAT_RX_BYTES] += own[KP_LOOP_CTR_RX_BYTES];
	c[KP_LOOP_STAT_RX_BACKLOG_DROPS] += own[KP_LOOP_CTR_RX_BACKLOG_DROPS];
	c[KP_LOOP_STAT_RX_OTHER_DROPS] += own[KP_LOOP_CTR_RX_OTHER_DROPS];
	c[KP_LOOP_STAT_TX_CARRIER_DROPS] += own[KP_LOOP_CTR_TX_CARRIER_DROPS];
	c[KP_LOOP_STAT_FAULT_DROPS] += own[KP_LOOP_CTR_FAULT_DROPS];
	c[KP_LOOP_STAT_FAULT_CORRUPTS] += own[KP_LOOP_CTR_FAULT_CORRUPTS];
	c[KP_LOOP_STAT_FAULT_DUPS] += own[KP_LOOP_CTR_FAULT_DUPS];
	c[KP_LOOP_STAT_TX_RUNT_DROPS] += own[KP_LOOP_CTR_TX_RUNT_DROPS];
}

/**
 * kp_loop_stats_read - the reported counters of @dev on one CPU
 * @dev: a kp_loop device
 * @cpu: the CPU
 * @snap: where to store them
 *
 * Any context; see kp_loop_stats_add() for what they mean.
 */
void kp_loop_stats_read(struct net_device *dev, int cpu,
			struct kp_loop_stats_snap *snap)
{
	memset(snap, 0, sizeof(*snap));
	rcu_read_lock();
	kp_loop_stats_add(dev, kp_loop_rcv_dev(dev), cpu, snap);
	rcu_read_unlock();
}

/* The reported counters of @dev, summed over all CPUs; any context. */
void kp_loop_stats_sum(struct net_device *dev, struct kp_loop_stats_snap *snap)
{
	struct net_device *rcv;
	int cpu;

	memset(snap, 0, sizeof(*snap));
	rcu_read_lock();
	rcv = kp_loop_rcv_dev(dev);
	for_each_possible_cpu(cpu)
		kp_loop_stats_add(dev, rcv, cpu, snap);
	rcu_read_unlock();
}

/*
 * Backlog and MTU drops are not added to rx_dropped: the core already
 * counts them there (enqueue_to_backlog(), __dev_forward_skb()).
 */
static void kp_loop_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *stats)
{
	struct kp_loop_stats_snap snap;

	const u64 *c = snap.ctr;

	kp_loop_stats_sum(dev, &snap);
	stats->tx_packets = c[KP_LOOP_STAT_TX_PACKETS];
	stats->tx_bytes = c[KP_LOOP_STAT_TX_BYTES];
	stats->rx_packets = c[KP_LOOP_STAT_RX_PACKETS];
	stats->rx_bytes = c[KP_LOOP_STAT_RX_BYTES];
	stats->tx_carrier_errors = c[KP_LOOP_STAT_TX_CARRIER_DROPS];
	stats->tx_dropped = c[KP_LOOP_STAT_TX_CARRIER_DROPS] +
			    c[KP_LOOP_STAT_FAULT_DROPS] +
			    c[KP_LOOP_STAT_TX_RUNT_DROPS];
	stats->tx_errors = c[KP_LOOP_STAT_TX_CARRIER_DROPS] +
			   c[KP_LOOP_STAT_TX_RUNT_DROPS];
}

/**
 * kp_loop_update_carrier - recompute the carrier of @dev and of its peer
 * @dev: a kp_loop device
 *
 * Loop mode: carrier is on while the device is up and its administrative
 * carrier is on.  Pair mode, as a cable: on for both ends while both are up
 * and neither has its administrative carrier off.  Caller holds RTNL.
 */
void kp_loop_update_carrier(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);
	bool ok = netif_running(dev) && priv->admin_carrier;

	ASSERT_RTNL();

	if (priv->mode == KP_LOOP_MODE_PAIR) {
		struct kp_loop_priv *ppriv = peer ? netdev_priv(peer) : NULL;

		ok = ok && ppriv && netif_running(peer) && ppriv->admin_carrier;
		if (peer) {
			if (ok)
				netif_carrier_on(peer);
			else
				netif_carrier_off(peer);
		}
	}

	if (ok)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
}

static int kp_loop_open(struct net_device *dev)
{
	kp_loop_update_carrier(dev);
	return 0;
}

static int kp_loop_stop(struct net_device *dev)
{
	kp_loop_update_carrier(dev);
	return 0;
}

/* `ip link set DEV carrier on|off` */
static int kp_loop_change_carrier(struct net_device *dev, bool new_carrier)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	if (priv->admin_carrier == new_carrier)
		return 0;
	priv->admin_carrier = new_carrier;
	kp_loop_update_carrier(dev);
	kp_loop_nl_notify(dev, KP_LOOP_CMD_DEV_CHANGE_NTF);
	return 0;
}

static int kp_loop_get_iflink(const struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	int iflink;

	if (priv->mode == KP_LOOP_MODE_LOOP)
		return dev->ifindex;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	iflink = peer ? peer->ifindex : 0;
	rcu_read_unlock();

	return iflink;
}

static int kp_loop_dev_init(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	priv->stats = netdev_alloc_pcpu_stats(struct kp_loop_stats);
	if (!priv->stats)
		return -ENOMEM;
	kp_loop_fault_init(priv);
	return 0;
}

/*
 * Under RTNL, from unregister_netdevice_many(), after every device of the
 * batch was closed and after this one's NETDEV_UNREGISTER.  A pair's ends
 * are unregistered in one batch (kp_loop_dellink()); each unlinks only
 * itself here, so the end that comes second is still reported with its
 * peer.  Readers under RCU may still see the peer: devices are freed no
 * earlier than a grace period after the batch (netdev_run_todo()).
 */
static void kp_loop_dev_uninit(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	RCU_INIT_POINTER(priv->peer, NULL);
	kp_loop_faults_update(dev, false);
}

static void kp_loop_dev_free(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	free_percpu(priv->stats);
}

static const struct net_device_ops kp_loop_netdev_ops = {
	.ndo_init		= kp_loop_dev_init,
	.ndo_uninit		= kp_loop_dev_uninit,
	.ndo_open		= kp_loop_open,
	.ndo_stop		= kp_loop_stop,
	.ndo_start_xmit		= kp_loop_xmit,
	.ndo_get_stats64	= kp_loop_get_stats64,
	.ndo_change_carrier	= kp_loop_change_carrier,
	.ndo_get_iflink		= kp_loop_get_iflink,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/* rtnl_link_ops::setup: an Ethernet device with loopback's features. */
void kp_loop_setup(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	ether_setup(dev);

	/* xmit hands the skb to the stack, which may change it. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	/* Netpoll (netconsole) transmits with IRQs off; our xmit delivers
	 * with __netif_rx(), which needs them on and BH off.  Refused:
	 * netpoll_setup() fails with "doesn't support polling".
	 */
	dev->priv_flags |= IFF_DISABLE_NETPOLL;

	dev->netdev_ops = &kp_loop_netdev_ops;
	dev->ethtool_ops = &kp_loop_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = kp_loop_dev_free;

	dev->features |= KP_LOOP_FEATURES;
	kp_netdev_set_lltx(dev);
	dev->hw_features = NETIF_F_GSO_SOFTWARE;
	dev->max_mtu = KP_LOOP_MAX_MTU;
	netif_set_tso_max_size(dev, GSO_MAX_SIZE);

	priv->admin_carrier = true;
}
