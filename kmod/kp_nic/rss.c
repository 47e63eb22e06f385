// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: receive-side scaling.  The 82576 hashes each received frame
 * (Toeplitz over addresses and, for TCP and optionally UDP, ports, with
 * the 40-byte key in RSSRK) and sends it to the queue the 128-entry
 * redirection table (RETA) names for the hash's low 7 bits.  The hash
 * and its type come back in the descriptor (RXCSUM.PCSD) and reach the
 * stack through skb_set_hash() (txrx.c).
 *
 * QEMU's model hashes only with MRQC[1:0] = 10b *and* RXCSUM.PCSD; without
 * PCSD every frame goes to queue 0 (QEMU-IGB-82576.md, section 6).  It
 * hashes UDP over IPv4 and IPv6 when asked; IPv6 with extension headers
 * gets the address-only hash (RFCTL.IPV6_EX_DIS, as igb sets it).
 *
 * The key, the table and the UDP choice live in the adapter and are
 * written on every up; ethtool -X and -N change them live (ethtool.c).
 * Context for all: RTNL.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "kp_nic.h"

/* TCP over IPv4 and IPv6 (with and without extension headers) and the
 * addresses of everything else, as igb: MRQC 0x00370002
 */
#define KPN_MRQC_RSS_DEFAULT	(KPN_MRQC_ENABLE_RSS |			\
				 KPN_MRQC_RSS_FIELD_IPV4 |		\
				 KPN_MRQC_RSS_FIELD_IPV4_TCP |		\
				 KPN_MRQC_RSS_FIELD_IPV6 |		\
				 KPN_MRQC_RSS_FIELD_IPV6_TCP |		\
				 KPN_MRQC_RSS_FIELD_IPV6_TCP_EX)

/**
 * kpn_rss_init - a random key and the default table
 * @adapter: the adapter, num_q_vectors set
 */
void kpn_rss_init(struct kpn_adapter *adapter)
{
	netdev_rss_key_fill(adapter->rss_key, sizeof(adapter->rss_key));
	kpn_rss_default_table(adapter);
}

/**
 * kpn_rss_default_table - spread the table over the queues in use
 * @adapter: the adapter
 */
void kpn_rss_default_table(struct kpn_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < KPN_RETA_SIZE; i++)
		adapter->rss_indir[i] =
			ethtool_rxfh_indir_default(i, adapter->num_q_vectors);
}

/**
 * kpn_rss_write_table - RETA from the adapter's table
 * @adapter: the adapter
 *
 * Four one-byte entries per register, entry 4n in bits 7:0.  Every entry
 * names a queue in use (ethtool checks a table it is given; a channel
 * change resets the table or is refused by the core).
 */
void kpn_rss_write_table(struct kpn_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < KPN_RETA_SIZE; i += 4)
		kpn_wr32(&adapter->hw, KPN_RETA(i / 4),
			 adapter->rss_indir[i] |
			 adapter->rss_indir[i + 1] << 8 |
			 adapter->rss_indir[i + 2] << 16 |
			 (u32)adapter->rss_indir[i + 3] << 24);
}

/**
 * kpn_rss_write_mrqc - MRQC from the queue count and the UDP choice
 * @adapter: the adapter
 *
 * One queue: no RSS (MRQC 0), every frame on queue 0.
 */
void kpn_rss_write_mrqc(struct kpn_adapter *adapter)
{
	u32 mrqc = 0;

	if (adapter->num_q_vectors > 1)
		mrqc = KPN_MRQC_RSS_DEFAULT | adapter->rss_udp;
	kpn_wr32(&adapter->hw, KPN_MRQC, mrqc);
}

/**
 * kpn_configure_rss - key, table, hash fields and checksum/hash reporting
 * @adapter: the adapter, after a MAC reset
 */
void kpn_configure_rss(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;

	for (i = 0; i < KPN_RSS_KEY_SIZE; i += 4)
		kpn_wr32(hw, KPN_RSSRK(i / 4),
			 adapter->rss_key[i] | adapter->rss_key[i + 1] << 8 |
			 adapter->rss_key[i + 2] << 16 |
			 (u32)adapter->rss_key[i + 3] << 24);
	kpn_rss_write_table(adapter);
	/* PCSD: the hash replaces the IP ID and fragment checksum in the
	 * descriptor; the checksum status bits stay
	 */
	kpn_wr32(hw, KPN_RXCSUM, KPN_RXCSUM_IPOFL | KPN_RXCSUM_TUOFL |
		 KPN_RXCSUM_PCSD);
	kpn_wr32(hw, KPN_RFCTL, kpn_rd32(hw, KPN_RFCTL) | KPN_RFCTL_IPV6_EX_DIS);
	kpn_rss_write_mrqc(adapter);
}
