// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: ethtool operations: driver info, link settings, ring sizes,
 * interrupt moderation, register dump and statistics (ethtool -i,
 * ethtool, -g/-G, -c/-C, -d, -S); the self-test (-t) is selftest.c.
 *
 * -S lists the hardware counters under igb's names (only those the
 * 82576 has), then the driver's own, then per ring.  On QEMU's model
 * several hardware counters never move (rx_missed_errors,
 * rx_no_buffer_count, rx_crc_errors, collisions...): the driver's drop
 * counters are the ones to read there (Documentation/kp_nic.rst).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "compat/v6_8_ethtool_rxfh.h"
#include "kp_nic.h"

struct kpn_stat {
	char name[ETH_GSTRING_LEN];
	size_t offset;
};

#define KPN_HW_STAT(n, m) { n, offsetof(struct kpn_hw_stats, m) }
static const struct kpn_stat kpn_hw_stats_desc[] = {
	KPN_HW_STAT("rx_packets", gprc),
	KPN_HW_STAT("tx_packets", gptc),
	KPN_HW_STAT("rx_bytes", gorc),
	KPN_HW_STAT("tx_bytes", gotc),
	KPN_HW_STAT("rx_broadcast", bprc),
	KPN_HW_STAT("tx_broadcast", bptc),
	KPN_HW_STAT("rx_multicast", mprc),
	KPN_HW_STAT("tx_multicast", mptc),
	KPN_HW_STAT("rx_total_packets", tpr),
	KPN_HW_STAT("tx_total_packets", tpt),
	KPN_HW_STAT("rx_total_bytes", tor),
	KPN_HW_STAT("tx_total_bytes", tot),
	KPN_HW_STAT("rx_size_64", prc64),
	KPN_HW_STAT("rx_size_65_127", prc127),
	KPN_HW_STAT("rx_size_128_255", prc255),
	KPN_HW_STAT("rx_size_256_511", prc511),
	KPN_HW_STAT("rx_size_512_1023", prc1023),
	KPN_HW_STAT("rx_size_1024_max", prc1522),
	KPN_HW_STAT("tx_size_64", ptc64),
	KPN_HW_STAT("tx_size_65_127", ptc127),
	KPN_HW_STAT("tx_size_128_255", ptc255),
	KPN_HW_STAT("tx_size_256_511", ptc511),
	KPN_HW_STAT("tx_size_512_1023", ptc1023),
	KPN_HW_STAT("tx_size_1024_max", ptc1522),
	KPN_HW_STAT("rx_short_length_errors", ruc),
	KPN_HW_STAT("rx_long_length_errors", roc),
	KPN_HW_STAT("rx_fragment_errors", rfc),
	KPN_HW_STAT("rx_jabber_errors", rjc),
	KPN_HW_STAT("rx_crc_errors", crcerrs),
	KPN_HW_STAT("rx_align_errors", algnerrc),
	KPN_HW_STAT("rx_symbol_errors", symerrs),
	KPN_HW_STAT("rx_errors", rxerrc),
	KPN_HW_STAT("rx_missed_errors", mpc),
	KPN_HW_STAT("rx_no_buffer_count", rnbc),
	KPN_HW_STAT("rx_length_field_errors", rlec),
	KPN_HW_STAT("collisions", colc),
	KPN_HW_STAT("tx_single_coll_ok", scc),
	KPN_HW_STAT("tx_multi_coll_ok", mcc),
	KPN_HW_STAT("tx_abort_late_coll", latecol),
	KPN_HW_STAT("tx_aborted_errors", ecol),
	KPN_HW_STAT("tx_deferred_ok", dc),
	KPN_HW_STAT("tx_carrier_errors", tncrs),
	KPN_HW_STAT("rx_flow_control_xon", xonrxc),
	KPN_HW_STAT("tx_flow_control_xon", xontxc),
	KPN_HW_STAT("rx_flow_control_xoff", xoffrxc),
	KPN_HW_STAT("tx_flow_control_xoff", xofftxc),
	KPN_HW_STAT("tx_tcp_seg_good", tsctc),
	KPN_HW_STAT("intx_asserts", iac),
};

#define KPN_DRV_STAT(n, m) { n, offsetof(struct kpn_adapter, m) }
static const struct kpn_stat kpn_drv_stats_desc[] = {
	KPN_DRV_STAT("tx_timeout_count", tx_timeout_count),
	KPN_DRV_STAT("reset_count", reset_count),
	KPN_DRV_STAT("link_change_irqs", lsc_count),
	KPN_DRV_STAT("other_irqs", other_irqs),
	KPN_DRV_STAT("spurious_irqs", spurious_irqs),
};

static const char * const kpn_ring_stat_names[] = {
	"packets", "bytes", "restart", "busy", "dma_errors", "doorbells",
	"alloc_failed", "csum_errors", "drops",
};

#define KPN_VEC_STATS	3	/* irqs, polls, polls_full per vector */
#define KPN_RING_STATS	ARRAY_SIZE(kpn_ring_stat_names)

static void kpn_get_drvinfo(struct net_device *netdev,
			    struct ethtool_drvinfo *info)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	strscpy(info->driver, kpn_driver_name, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(adapter->pdev),
		sizeof(info->bus_info));
}

static int kpn_get_link_ksettings(struct net_device *netdev,
				  struct ethtool_link_ksettings *cmd)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 10baseT_Half);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 10baseT_Full);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 100baseT_Half);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 100baseT_Full);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 1000baseT_Full);
	ethtool_link_ksettings_add_link_mode(cmd, supported, Autoneg);
	ethtool_link_ksettings_add_link_mode(cmd, supported, TP);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	ethtool_link_ksettings_add_link_mode(cmd, advertising, 1000baseT_Full);
	ethtool_link_ksettings_add_link_mode(cmd, advertising, Autoneg);
	ethtool_link_ksettings_add_link_mode(cmd, advertising, TP);

	cmd->base.port = PORT_TP;
	cmd->base.phy_address = KPN_PHY_ADDR;
	cmd->base.autoneg = AUTONEG_ENABLE;
	cmd->base.mdio_support = ETH_MDIO_SUPPORTS_C22;
	if (netif_carrier_ok(netdev) && adapter->link_speed) {
		cmd->base.speed = adapter->link_speed;
		cmd->base.duplex = adapter->link_full_duplex ? DUPLEX_FULL :
							       DUPLEX_HALF;
	} else {
		cmd->base.speed = SPEED_UNKNOWN;
		cmd->base.duplex = DUPLEX_UNKNOWN;
	}
	return 0;
}

static void kpn_get_ringparam(struct net_device *netdev,
			      struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	ring->rx_max_pending = KPN_MAX_RING;
	ring->tx_max_pending = KPN_MAX_RING;
	ring->rx_pending = adapter->rx_ring_count;
	ring->tx_pending = adapter->tx_ring_count;
}

/*
 * ethtool -l/-L: combined channels only (a TX and an RX queue per vector),
 * 1 to what the interrupt vectors allow; "other" is the link vector.
 */
static void kpn_get_channels(struct net_device *netdev,
			     struct ethtool_channels *ch)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	u32 other = adapter->int_mode == KPN_INT_MSIX ? 1 : 0;

	ch->max_combined = adapter->max_q_vectors;
	ch->combined_count = adapter->num_q_vectors;
	ch->max_other = other;
	ch->other_count = other;
}

static int kpn_set_channels(struct net_device *netdev,
			    struct ethtool_channels *ch)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	/* the core has refused counts above the maxima and no combined */
	if (ch->rx_count || ch->tx_count)
		return -EINVAL;
	if (ch->other_count != (adapter->int_mode == KPN_INT_MSIX ? 1 : 0))
		return -EINVAL;
	if (ch->combined_count == adapter->num_q_vectors)
		return 0;
	if (test_bit(KPN_STATE_REMOVED, &adapter->state))
		return -ENODEV;
	return kpn_set_queues(adapter, ch->combined_count);
}

/*
 * ethtool -n/-N: which header fields feed the hash.  TCP: addresses and
 * ports; UDP: addresses, and ports if asked (rx-flow-hash udp4|udp6
 * sdfn); the rest: addresses.  Only the UDP ports can change.
 */
static u64 kpn_rxfh_fields(struct kpn_adapter *adapter, u32 flow_type)
{
	switch (flow_type) {
	case TCP_V4_FLOW:
	case TCP_V6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3;
	case UDP_V4_FLOW:
		if (adapter->rss_udp & KPN_MRQC_RSS_FIELD_IPV4_UDP)
			return RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 |
			       RXH_L4_B_2_3;
		return RXH_IP_SRC | RXH_IP_DST;
	case UDP_V6_FLOW:
		if (adapter->rss_udp & KPN_MRQC_RSS_FIELD_IPV6_UDP)
			return RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 |
			       RXH_L4_B_2_3;
		return RXH_IP_SRC | RXH_IP_DST;
	case SCTP_V4_FLOW:
	case AH_ESP_V4_FLOW:
	case AH_V4_FLOW:
	case ESP_V4_FLOW:
	case IPV4_FLOW:
	case SCTP_V6_FLOW:
	case AH_ESP_V6_FLOW:
	case AH_V6_FLOW:
	case ESP_V6_FLOW:
	case IPV6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST;
	default:
		return 0;
	}
}

static int kpn_get_rxnfc(struct net_device *netdev, struct ethtool_rxnfc *cmd,
			 u32 *rule_locs)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	switch (cmd->cmd) {
	case ETHTOOL_GRXRINGS:
		cmd->data = adapter->num_q_vectors;
		return 0;
	case ETHTOOL_GRXFH:
		cmd->data = kpn_rxfh_fields(adapter, cmd->flow_type);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int kpn_set_rxnfc(struct net_device *netdev, struct ethtool_rxnfc *cmd)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	const u64 l3 = RXH_IP_SRC | RXH_IP_DST;
	const u64 l4 = l3 | RXH_L4_B_0_1 | RXH_L4_B_2_3;
	u32 bit, udp;

	if (cmd->cmd != ETHTOOL_SRXFH)
		return -EOPNOTSUPP;
	switch (cmd->flow_type) {
	case UDP_V4_FLOW:
		bit = KPN_MRQC_RSS_FIELD_IPV4_UDP;
		break;
	case UDP_V6_FLOW:
		bit = KPN_MRQC_RSS_FIELD_IPV6_UDP;
		break;
	default:
		/* the others are fixed: only what they already are */
		return cmd->data == kpn_rxfh_fields(adapter, cmd->flow_type) &&
		       cmd->data ? 0 : -EINVAL;
	}
	if (cmd->data == l4)
		udp = adapter->rss_udp | bit;
	else if (cmd->data == l3)
		udp = adapter->rss_udp & ~bit;
	else
		return -EINVAL;
	if (udp == adapter->rss_udp)
		return 0;
	adapter->rss_udp = udp;
	if (netif_running(netdev) &&
	    !test_bit(KPN_STATE_DOWN, &adapter->state))
		kpn_rss_write_mrqc(adapter);
	return 0;
}

/*
 * ethtool -x/-X: the 128-entry table and the 40-byte key, Toeplitz only.
 * Both are written at once on a running device.
 */
static u32 kpn_get_rxfh_key_size(struct net_device *netdev)
{
	return KPN_RSS_KEY_SIZE;
}

static u32 kpn_get_rxfh_indir_size(struct net_device *netdev)
{
	return KPN_RETA_SIZE;
}

static void kpn_get_rss(struct kpn_adapter *adapter, u32 *indir, u8 *key)
{
	unsigned int i;

	if (indir)
		for (i = 0; i < KPN_RETA_SIZE; i++)
			indir[i] = adapter->rss_indir[i];
	if (key)
		memcpy(key, adapter->rss_key, KPN_RSS_KEY_SIZE);
}

static int kpn_set_rss(struct kpn_adapter *adapter, const u32 *indir,
		       const u8 *key, u8 hfunc)
{
	bool live = netif_running(adapter->netdev) &&
		    !test_bit(KPN_STATE_DOWN, &adapter->state);
	unsigned int i;

	if (hfunc != ETH_RSS_HASH_NO_CHANGE && hfunc != ETH_RSS_HASH_TOP)
		return -EOPNOTSUPP;
	if (indir) {
		/* the core has checked every entry against GRXRINGS */
		for (i = 0; i < KPN_RETA_SIZE; i++)
			adapter->rss_indir[i] = indir[i];
	}
	if (key)
		memcpy(adapter->rss_key, key, KPN_RSS_KEY_SIZE);
	if (live)
		kpn_configure_rss(adapter);
	return 0;
}

#ifdef KP_HAVE_RXFH_PARAM
static int kpn_get_rxfh(struct net_device *netdev,
			struct ethtool_rxfh_param *rxfh)
{
	rxfh->hfunc = ETH_RSS_HASH_TOP;
	kpn_get_rss(netdev_priv(netdev), rxfh->indir, rxfh->key);
	return 0;
}

static int kpn_set_rxfh(struct net_device *netdev,
			struct ethtool_rxfh_param *rxfh,
			struct netlink_ext_ack *extack)
{
	if (rxfh->rss_context) {
		NL_SET_ERR_MSG_MOD(extack, "no RSS contexts: one table");
		return -EOPNOTSUPP;
	}
	return kpn_set_rss(netdev_priv(netdev), rxfh->indir, rxfh->key,
			   rxfh->hfunc);
}
#else
static int kpn_get_rxfh(struct net_device *netdev, u32 *indir, u8 *key,
			u8 *hfunc)
{
	if (hfunc)
		*hfunc = ETH_RSS_HASH_TOP;
	kpn_get_rss(netdev_priv(netdev), indir, key);
	return 0;
}

static int kpn_set_rxfh(struct net_device *netdev, const u32 *indir,
			const u8 *key, const u8 hfunc)
{
	return kpn_set_rss(netdev_priv(netdev), indir, key, hfunc);
}
#endif

/* igb's rounding: a multiple of 8 descriptors (RDLEN/TDLEN count 128 B),
 * at least KPN_MIN_RING; the core has refused more than KPN_MAX_RING.
 */
static u16 kpn_ring_size(u32 pending)
{
	return ALIGN(clamp_t(u32, pending, KPN_MIN_RING, KPN_MAX_RING),
		     KPN_RING_ALIGN);
}

/*
 * ethtool -G: a running device gets its new rings at once (a down/up: the
 * link renegotiates, frames on the TX ring are dropped); a device that is
 * down takes them on its next up.
 */
static int kpn_set_ringparam(struct net_device *netdev,
			     struct ethtool_ringparam *ring,
			     struct kernel_ethtool_ringparam *kring,
			     struct netlink_ext_ack *extack)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	u16 tx = kpn_ring_size(ring->tx_pending);
	u16 rx = kpn_ring_size(ring->rx_pending);

	if (tx != ring->tx_pending || rx != ring->rx_pending)
		NL_SET_ERR_MSG_MOD(extack,
				   "ring sizes rounded up to a multiple of 8, at least 64");
	if (tx == adapter->tx_ring_count && rx == adapter->rx_ring_count)
		return 0;
	if (test_bit(KPN_STATE_REMOVED, &adapter->state))
		return -ENODEV;
	if (!netif_running(netdev)) {
		adapter->tx_ring_count = tx;
		adapter->rx_ring_count = rx;
		return 0;
	}
	return kpn_resize_rings(adapter, tx, rx);
}

/*
 * ethtool -c/-C: rx-usecs is every queue vector's EITR interval (datasheet
 * units of 1 us in bits 14:2), 0 for no moderation.  Each vector serves a
 * TX and an RX queue, so tx-usecs is not separate: it reads 0 and only 0 is
 * accepted, as igb does with paired queues.  Moderation applies in MSI-X
 * mode; QEMU's model has none for MSI and INTx and waits about 4x the
 * datasheet's interval (Documentation/kp_nic.rst).
 */
static int kpn_get_coalesce(struct net_device *netdev,
			    struct ethtool_coalesce *ec,
			    struct kernel_ethtool_coalesce *kec,
			    struct netlink_ext_ack *extack)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	ec->rx_coalesce_usecs = adapter->q_vector[0]->eitr >> 2;
	return 0;
}

static int kpn_set_coalesce(struct net_device *netdev,
			    struct ethtool_coalesce *ec,
			    struct kernel_ethtool_coalesce *kec,
			    struct netlink_ext_ack *extack)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	unsigned int i;

	if (ec->tx_coalesce_usecs) {
		NL_SET_ERR_MSG_MOD(extack,
				   "TX and RX queues share each vector: set rx-usecs");
		return -EINVAL;
	}
	if (ec->rx_coalesce_usecs > KPN_MAX_ITR_USECS) {
		NL_SET_ERR_MSG_MOD(extack,
				   "rx-usecs above 8191, the most EITR holds");
		return -EINVAL;
	}
	/* every vector, used or not: a later ethtool -L keeps the setting */
	for (i = 0; i < KPN_MAX_QUEUES; i++) {
		adapter->q_vector[i]->eitr = ec->rx_coalesce_usecs << 2;
		if (i < adapter->num_q_vectors && netif_running(netdev) &&
		    !test_bit(KPN_STATE_DOWN, &adapter->state))
			kpn_write_eitr(adapter, adapter->q_vector[i]);
	}
	return 0;
}

/*
 * ethtool -d: the registers below, in this order, as 32-bit words
 * (Documentation/kp_nic.rst has the table); none clears on read.
 */
static const u32 kpn_regs_dump[] = {
	KPN_CTRL, KPN_STATUS, KPN_CTRL_EXT, KPN_RCTL, KPN_TCTL, KPN_TIPG,
	KPN_RXCSUM, KPN_RLPML, KPN_MRQC, KPN_GPIE, KPN_IMS, KPN_EIMS,
	KPN_EIAC, KPN_EIAM, KPN_IVAR(0), KPN_IVAR_MISC,
	KPN_EITR(0), KPN_EITR(1), KPN_EITR(2), KPN_EITR(3), KPN_EITR(4),
	KPN_EITR(5), KPN_EITR(6), KPN_EITR(7), KPN_EITR(8), KPN_EITR(9),
	KPN_RAL(0), KPN_RAH(0),
	KPN_RDBAL(0), KPN_RDBAH(0), KPN_RDLEN(0), KPN_SRRCTL(0), KPN_RDH(0),
	KPN_RDT(0), KPN_RXDCTL(0),
	KPN_TDBAL(0), KPN_TDBAH(0), KPN_TDLEN(0), KPN_TDH(0), KPN_TDT(0),
	KPN_TXDCTL(0), KPN_TDWBAL(0),
};

#define KPN_REGS_VERSION	1

static int kpn_get_regs_len(struct net_device *netdev)
{
	return sizeof(kpn_regs_dump);
}

static void kpn_get_regs(struct net_device *netdev, struct ethtool_regs *regs,
			 void *p)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	u32 *buf = p;
	unsigned int i;

	regs->version = KPN_REGS_VERSION;
	for (i = 0; i < ARRAY_SIZE(kpn_regs_dump); i++)
		buf[i] = kpn_rd32(&adapter->hw, kpn_regs_dump[i]);
}

static int kpn_get_sset_count(struct net_device *netdev, int sset)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	if (sset == ETH_SS_TEST)
		return kpn_test_count();
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(kpn_hw_stats_desc) + ARRAY_SIZE(kpn_drv_stats_desc) +
	       adapter->num_q_vectors * (KPN_VEC_STATS + 2 * KPN_RING_STATS);
}

static void kpn_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	unsigned int i, j;

	if (sset == ETH_SS_TEST) {
		kpn_test_strings(data);
		return;
	}
	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(kpn_hw_stats_desc); i++)
		ethtool_sprintf(&data, "%s", kpn_hw_stats_desc[i].name);
	for (i = 0; i < ARRAY_SIZE(kpn_drv_stats_desc); i++)
		ethtool_sprintf(&data, "%s", kpn_drv_stats_desc[i].name);
	for (i = 0; i < adapter->num_q_vectors; i++) {
		ethtool_sprintf(&data, "vector_%u_irqs", i);
		ethtool_sprintf(&data, "vector_%u_polls", i);
		ethtool_sprintf(&data, "vector_%u_polls_full", i);
		for (j = 0; j < KPN_RING_STATS; j++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", i,
					kpn_ring_stat_names[j]);
		for (j = 0; j < KPN_RING_STATS; j++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", i,
					kpn_ring_stat_names[j]);
	}
}

static u64 *kpn_put_ring_stats(struct kpn_ring *ring, u64 *data)
{
	struct kpn_ring_stats s;

	kpn_ring_stats_read(ring, &s);
	*data++ = s.packets;
	*data++ = s.bytes;
	*data++ = s.restart;
	*data++ = s.busy;
	*data++ = s.dma_err;
	*data++ = s.doorbells;
	*data++ = s.alloc_failed;
	*data++ = s.csum_err;
	*data++ = s.drops;
	return data;
}

static void kpn_get_ethtool_stats(struct net_device *netdev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	unsigned int i;

	BUILD_BUG_ON(KPN_RING_STATS != 9);
	kpn_update_stats(adapter);
	spin_lock_bh(&adapter->stats_lock);
	for (i = 0; i < ARRAY_SIZE(kpn_hw_stats_desc); i++)
		*data++ = *(u64 *)((u8 *)&adapter->hw_stats +
				   kpn_hw_stats_desc[i].offset);
	spin_unlock_bh(&adapter->stats_lock);
	for (i = 0; i < ARRAY_SIZE(kpn_drv_stats_desc); i++)
		*data++ = READ_ONCE(*(u64 *)((u8 *)adapter +
					     kpn_drv_stats_desc[i].offset));
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct kpn_q_vector *q_vector = adapter->q_vector[i];

		*data++ = READ_ONCE(q_vector->irqs);
		*data++ = READ_ONCE(q_vector->polls);
		*data++ = READ_ONCE(q_vector->polls_full);
		data = kpn_put_ring_stats(adapter->tx_ring[i], data);
		data = kpn_put_ring_stats(adapter->rx_ring[i], data);
	}
}

static const struct ethtool_ops kpn_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_USECS,
	.get_drvinfo		= kpn_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= kpn_get_link_ksettings,
	.get_ringparam		= kpn_get_ringparam,
	.set_ringparam		= kpn_set_ringparam,
	.get_coalesce		= kpn_get_coalesce,
	.set_coalesce		= kpn_set_coalesce,
	.get_regs_len		= kpn_get_regs_len,
	.get_regs		= kpn_get_regs,
	.get_channels		= kpn_get_channels,
	.set_channels		= kpn_set_channels,
	.get_rxnfc		= kpn_get_rxnfc,
	.set_rxnfc		= kpn_set_rxnfc,
	.get_rxfh_key_size	= kpn_get_rxfh_key_size,
	.get_rxfh_indir_size	= kpn_get_rxfh_indir_size,
	.get_rxfh		= kpn_get_rxfh,
	.set_rxfh		= kpn_set_rxfh,
	.get_sset_count		= kpn_get_sset_count,
	.get_strings		= kpn_get_strings,
	.get_ethtool_stats	= kpn_get_ethtool_stats,
	.self_test		= kpn_self_test,
};

void kpn_set_ethtool_ops(struct net_device *netdev)
{
	netdev->ethtool_ops = &kpn_ethtool_ops;
}
