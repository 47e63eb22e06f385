// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: ethtool operations.
 *
 * `ethtool -S` lists the device's counters summed over all CPUs, then the
 * same counters for each possible CPU ("cpu<N>_<name>").
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "kp_loop.h"

/* Indexed by enum kp_loop_stat. */
static const char kp_loop_stat_names[KP_LOOP_N_STATS][ETH_GSTRING_LEN] = {
	[KP_LOOP_STAT_TX_PACKETS]	= "tx_packets",
	[KP_LOOP_STAT_TX_BYTES]		= "tx_bytes",
	[KP_LOOP_STAT_RX_PACKETS]	= "rx_packets",
	[KP_LOOP_STAT_RX_BYTES]		= "rx_bytes",
	[KP_LOOP_STAT_RX_BACKLOG_DROPS]	= "rx_backlog_drops",
	[KP_LOOP_STAT_RX_OTHER_DROPS]	= "rx_other_drops",
	[KP_LOOP_STAT_TX_CARRIER_DROPS]	= "tx_carrier_drops",
	[KP_LOOP_STAT_FAULT_DROPS]	= "fault_drops",
	[KP_LOOP_STAT_FAULT_CORRUPTS]	= "fault_corrupts",
	[KP_LOOP_STAT_FAULT_DUPS]	= "fault_dups",
	[KP_LOOP_STAT_TX_RUNT_DROPS]	= "tx_runt_drops",
};

static void kp_loop_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KP_LOOP_DRV_NAME, sizeof(info->driver));
}

static int kp_loop_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return KP_LOOP_N_STATS * (1 + num_possible_cpus());
}

static void kp_loop_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	unsigned int i;
	int cpu;

	if (sset != ETH_SS_STATS)
		return;

	for (i = 0; i < KP_LOOP_N_STATS; i++)
		ethtool_sprintf(&buf, "%s", kp_loop_stat_names[i]);
	for_each_possible_cpu(cpu)
		for (i = 0; i < KP_LOOP_N_STATS; i++)
			ethtool_sprintf(&buf, "cpu%d_%s", cpu,
					kp_loop_stat_names[i]);
}

static void kp_loop_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *stats, u64 *data)
{
	struct kp_loop_stats_snap snap;
	int cpu;

	kp_loop_stats_sum(dev, &snap);
	memcpy(data, snap.ctr, sizeof(snap.ctr));
	data += KP_LOOP_N_STATS;

	for_each_possible_cpu(cpu) {
		kp_loop_stats_read(dev, cpu, &snap);
		memcpy(data, snap.ctr, sizeof(snap.ctr));
		data += KP_LOOP_N_STATS;
	}
}

const struct ethtool_ops kp_loop_ethtool_ops = {
	.get_drvinfo		= kp_loop_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_sset_count		= kp_loop_get_sset_count,
	.get_strings		= kp_loop_get_strings,
	.get_ethtool_stats	= kp_loop_get_ethtool_stats,
};
