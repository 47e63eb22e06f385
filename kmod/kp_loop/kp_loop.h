/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_loop: private definitions shared by the parts of the driver.
 *
 * Locking rules:
 *  - The configuration (mode, peer, admin_carrier, fault rates, faults_on)
 *    is written under RTNL only.  The fault rates are read locklessly in the xmit path
 *    with READ_ONCE() and written with WRITE_ONCE().
 *  - priv->peer is RCU protected: xmit and the statistics readers
 *    (ndo_get_stats64, ethtool -S, the genl messages) read it with
 *    rcu_dereference(), the genl and rtnl fills under RTNL with
 *    rtnl_dereference(); writers hold RTNL.  Devices are freed only after an
 *    RCU grace period (netdev_run_todo), so a peer read under RCU stays
 *    valid, including its per-CPU statistics, until rcu_read_unlock().
 *  - Statistics are per CPU (struct kp_loop_stats); a device's counters are
 *    updated by whichever CPU transmits into it (its own xmit, or its
 *    peer's xmit in pair mode), always with BH disabled and never across a
 *    call to netif_rx().  A delivered frame is counted once, on the
 *    receiving device; what a device transmitted is derived from the
 *    counters of the device it transmits to (see kp_loop_stats_add()), which
 *    in pair mode is the peer, read under RCU.
 */
#ifndef _KP_LOOP_H
#define _KP_LOOP_H

#include <linux/jump_label.h>
#include <linux/netdevice.h>
#include <linux/prandom.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/kp_loop.h>

#define KP_LOOP_DRV_NAME	"kp_loop"

/*
 * The counters as reported (genetlink, ethtool -S), in the order of
 * KP_LOOP_A_STATS_*, which gives their meaning.  Not all of them are kept:
 * see enum kp_loop_ctr.
 */
enum kp_loop_stat {
	KP_LOOP_STAT_TX_PACKETS,
	KP_LOOP_STAT_TX_BYTES,
	KP_LOOP_STAT_RX_PACKETS,
	KP_LOOP_STAT_RX_BYTES,
	KP_LOOP_STAT_RX_BACKLOG_DROPS,
	KP_LOOP_STAT_RX_OTHER_DROPS,
	KP_LOOP_STAT_TX_CARRIER_DROPS,
	KP_LOOP_STAT_FAULT_DROPS,
	KP_LOOP_STAT_FAULT_CORRUPTS,
	KP_LOOP_STAT_FAULT_DUPS,
	KP_LOOP_STAT_TX_RUNT_DROPS,

	KP_LOOP_N_STATS
};

/*
 * The counters kept, per CPU and device.  A frame handed to the receiving
 * device is counted there only, by the CPU that transmits it: in
 * RX_PACKETS/RX_BYTES when netif_rx() takes it (the fast path: one
 * u64_stats section per frame), else in one of the two RX_*_DROPS and in
 * RX_DROP_BYTES.  The transmitting device's tx_packets/tx_bytes are not
 * kept but derived: see kp_loop_stats_add().  The others count what
 * happens to a frame on the transmitting device before it is handed over.
 */
enum kp_loop_ctr {
	/* on the receiving device */
	KP_LOOP_CTR_RX_PACKETS,
	KP_LOOP_CTR_RX_BYTES,
	KP_LOOP_CTR_RX_BACKLOG_DROPS,
	KP_LOOP_CTR_RX_OTHER_DROPS,
	KP_LOOP_CTR_RX_DROP_BYTES,	/* of the frames of both RX_*_DROPS */
	/* on the transmitting device */
	KP_LOOP_CTR_TX_CARRIER_DROPS,
	KP_LOOP_CTR_TX_RUNT_DROPS,
	KP_LOOP_CTR_FAULT_DROPS,
	KP_LOOP_CTR_FAULT_CORRUPTS,
	KP_LOOP_CTR_FAULT_DUPS,

	KP_LOOP_N_CTRS
};

/* One set of counters per CPU. */
struct kp_loop_stats {
	u64_stats_t ctr[KP_LOOP_N_CTRS];
	struct u64_stats_sync syncp;
};

/* The reported counters of a device, for one CPU or summed. */
struct kp_loop_stats_snap {
	u64 ctr[KP_LOOP_N_STATS];
};

/**
 * struct kp_loop_fault_state - where a device's fault decisions come from
 * @lock: serialises the decisions of concurrent transmitters (LLTX), so
 *	that a seeded run is one sequence; taken with BH disabled
 * @rnd: the seeded generator, when @seed is not 0
 * @seed: 0: decisions from get_random_u32(); else from @rnd, seeded with it
 * @frames: frames decided since the state was last reset
 * @ge_bad: the Gilbert-Elliott chain is in its bad state
 *
 * Reset (frame 0, good state, generator re-seeded) whenever dev-set
 * changes the seed or a rate, so that a configuration replays exactly.
 */
struct kp_loop_fault_state {
	spinlock_t lock;	/* see above */
	struct rnd_state rnd;
	u64 seed;
	u64 frames;
	bool ge_bad;
};

struct kp_loop_priv {
	struct net_device __rcu *peer;	/* pair mode only */
	struct kp_loop_stats __percpu *stats;
	enum kp_loop_mode mode;
	bool admin_carrier;
	bool faults_on;		/* holds a reference on kp_loop_faults_key */
	bool announced;		/* DEV_ADD_NTF sent; see kp_loop_nl_announce() */
	u32 drop_ppm;
	u32 corrupt_ppm;
	u32 dup_ppm;
	/* Gilbert-Elliott burst loss: transitions good->bad (p), bad->good
	 * (r), loss in each state; off while ge_p_ppm is 0.
	 */
	u32 ge_p_ppm;
	u32 ge_r_ppm;
	u32 ge_bad_drop_ppm;
	u32 ge_good_drop_ppm;
	struct kp_loop_fault_state fault;
};

extern struct rtnl_link_ops kp_loop_link_ops;
extern const struct ethtool_ops kp_loop_ethtool_ops;

static inline bool kp_loop_is_kp_loop(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &kp_loop_link_ops;
}

/* dev.c */
void kp_loop_setup(struct net_device *dev);
void kp_loop_update_carrier(struct net_device *dev);
void kp_loop_forward(struct sk_buff *skb, struct net_device *dev,
		     struct net_device *rcv);
void kp_loop_stats_read(struct net_device *dev, int cpu,
			struct kp_loop_stats_snap *snap);
void kp_loop_stats_sum(struct net_device *dev,
		       struct kp_loop_stats_snap *snap);

static inline struct kp_loop_stats *kp_loop_this_stats(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	return this_cpu_ptr(priv->stats);
}

/* Count @n in counter @ctr of @dev on this CPU; BH disabled. */
static inline void kp_loop_count(struct net_device *dev, enum kp_loop_ctr ctr,
				 unsigned int n)
{
	struct kp_loop_stats *s = kp_loop_this_stats(dev);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->ctr[ctr], n);
	u64_stats_update_end(&s->syncp);
}

/*
 * Count one frame of @len bytes handed to @rcv, on this CPU, BH disabled:
 * one in @pkts, @len in @bytes.  The one counter update of a frame:
 * KP_LOOP_CTR_RX_PACKETS/_RX_BYTES when netif_rx() took it, else
 * KP_LOOP_CTR_RX_BACKLOG_DROPS or _RX_OTHER_DROPS with _RX_DROP_BYTES.
 */
static inline void kp_loop_count_frame(struct net_device *rcv,
				       enum kp_loop_ctr pkts,
				       enum kp_loop_ctr bytes, unsigned int len)
{
	struct kp_loop_stats *s = kp_loop_this_stats(rcv);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->ctr[pkts]);
	u64_stats_add(&s->ctr[bytes], len);
	u64_stats_update_end(&s->syncp);
}

/* fault.c */
DECLARE_STATIC_KEY_FALSE(kp_loop_faults_key);

bool kp_loop_faults_active(const struct kp_loop_priv *priv);
void kp_loop_faults_update(struct net_device *dev, bool on);
void kp_loop_fault_init(struct kp_loop_priv *priv);
void kp_loop_fault_reset(struct kp_loop_priv *priv, u64 seed);

/*
 * Whether @priv's device injects faults: a static branch first, enabled
 * while any kp_loop device has a non-zero rate, so that with none the
 * fast path pays one patched-out jump.
 */
static inline bool kp_loop_faults_enabled(const struct kp_loop_priv *priv)
{
	return static_branch_unlikely(&kp_loop_faults_key) &&
	       kp_loop_faults_active(priv);
}

void kp_loop_fault_xmit(struct sk_buff *skb, struct net_device *dev,
			struct net_device *rcv);

/* netlink.c */
int kp_loop_nl_init(void);
void kp_loop_nl_exit(void);
void kp_loop_nl_notify(struct net_device *dev, u8 cmd);
void kp_loop_nl_announce(struct net_device *dev);

#endif /* _KP_LOOP_H */
