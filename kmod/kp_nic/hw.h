/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_nic: Intel 82576 hardware access: register map, bit definitions,
 * descriptor formats and the MAC/PHY/NVM helpers of hw.c.
 *
 * Names follow the 82576 datasheet (and the kernel's igb, whose
 * e1000_regs.h / e1000_defines.h / e1000_82575.h they mirror) with a KPN_
 * prefix.  Only what kp_nic uses is defined.  Queue registers use the
 * 82576's own layout (0xC000 / 0xE000 + 0x40 * n), not the 82542 aliases.
 */
#ifndef _KP_NIC_HW_H
#define _KP_NIC_HW_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/types.h>

#define KPN_DEV_ID_82576	0x10C9

/* General registers */
#define KPN_CTRL	0x00000
#define KPN_STATUS	0x00008
#define KPN_EECD	0x00010
#define KPN_EERD	0x00014
#define KPN_CTRL_EXT	0x00018
#define KPN_MDIC	0x00020
#define KPN_FCAL	0x00028
#define KPN_FCAH	0x0002C
#define KPN_FCT		0x00030
#define KPN_VET		0x00038
#define KPN_ICR		0x000C0
#define KPN_ICS		0x000C8
#define KPN_IMS		0x000D0
#define KPN_IMC		0x000D8
#define KPN_IAM		0x000E0
#define KPN_RCTL	0x00100
#define KPN_FCTTV	0x00170
#define KPN_TCTL	0x00400
#define KPN_TIPG	0x00410
#define KPN_FCRTH	0x02168
#define KPN_GPIE	0x01514
#define KPN_EICS	0x01520
#define KPN_EIMS	0x01524
#define KPN_EIMC	0x01528
#define KPN_EIAC	0x0152C
#define KPN_EIAM	0x01530
#define KPN_EICR	0x01580
#define KPN_EITR(v)	(0x01680 + 4 * (v))
#define KPN_IVAR(n)	(0x01700 + 4 * (n))
#define KPN_IVAR_MISC	0x01740
#define KPN_RXCSUM	0x05000
#define KPN_RLPML	0x05004
#define KPN_RFCTL	0x05008
#define KPN_MTA(n)	(0x05200 + 4 * (n))
#define KPN_RAL(n)	(0x05400 + 8 * (n))
#define KPN_RAH(n)	(0x05404 + 8 * (n))
#define KPN_VFTA(n)	(0x05600 + 4 * (n))
#define KPN_MRQC	0x05818
#define KPN_RETA(n)	(0x05C00 + 4 * (n))
#define KPN_RSSRK(n)	(0x05C80 + 4 * (n))

/* Per-queue registers */
#define KPN_RDBAL(q)	(0x0C000 + 0x40 * (q))
#define KPN_RDBAH(q)	(0x0C004 + 0x40 * (q))
#define KPN_RDLEN(q)	(0x0C008 + 0x40 * (q))
#define KPN_SRRCTL(q)	(0x0C00C + 0x40 * (q))
#define KPN_RDH(q)	(0x0C010 + 0x40 * (q))
#define KPN_RDT(q)	(0x0C018 + 0x40 * (q))
#define KPN_RXDCTL(q)	(0x0C028 + 0x40 * (q))
#define KPN_TDBAL(q)	(0x0E000 + 0x40 * (q))
#define KPN_TDBAH(q)	(0x0E004 + 0x40 * (q))
#define KPN_TDLEN(q)	(0x0E008 + 0x40 * (q))
#define KPN_TDH(q)	(0x0E010 + 0x40 * (q))
#define KPN_TDT(q)	(0x0E018 + 0x40 * (q))
#define KPN_TXDCTL(q)	(0x0E028 + 0x40 * (q))
#define KPN_TDWBAL(q)	(0x0E038 + 0x40 * (q))

/* Statistics (clear on read; the high half of a 64-bit pair clears both) */
#define KPN_CRCERRS	0x04000
#define KPN_ALGNERRC	0x04004
#define KPN_SYMERRS	0x04008
#define KPN_RXERRC	0x0400C
#define KPN_MPC		0x04010
#define KPN_SCC		0x04014
#define KPN_ECOL	0x04018
#define KPN_MCC		0x0401C
#define KPN_LATECOL	0x04020
#define KPN_COLC	0x04028
#define KPN_DC		0x04030
#define KPN_TNCRS	0x04034
#define KPN_RLEC	0x04040
#define KPN_XONRXC	0x04048
#define KPN_XONTXC	0x0404C
#define KPN_XOFFRXC	0x04050
#define KPN_XOFFTXC	0x04054
#define KPN_PRC64	0x0405C
#define KPN_PRC127	0x04060
#define KPN_PRC255	0x04064
#define KPN_PRC511	0x04068
#define KPN_PRC1023	0x0406C
#define KPN_PRC1522	0x04070
#define KPN_GPRC	0x04074
#define KPN_BPRC	0x04078
#define KPN_MPRC	0x0407C
#define KPN_GPTC	0x04080
#define KPN_GORCL	0x04088
#define KPN_GORCH	0x0408C
#define KPN_GOTCL	0x04090
#define KPN_GOTCH	0x04094
#define KPN_RNBC	0x040A0
#define KPN_RUC		0x040A4
#define KPN_RFC		0x040A8
#define KPN_ROC		0x040AC
#define KPN_RJC		0x040B0
#define KPN_TORL	0x040C0
#define KPN_TORH	0x040C4
#define KPN_TOTL	0x040C8
#define KPN_TOTH	0x040CC
#define KPN_TPR		0x040D0
#define KPN_TPT		0x040D4
#define KPN_PTC64	0x040D8
#define KPN_PTC127	0x040DC
#define KPN_PTC255	0x040E0
#define KPN_PTC511	0x040E4
#define KPN_PTC1023	0x040E8
#define KPN_PTC1522	0x040EC
#define KPN_MPTC	0x040F0
#define KPN_BPTC	0x040F4
#define KPN_TSCTC	0x040F8
#define KPN_IAC		0x04100

/* CTRL */
#define KPN_CTRL_FD		BIT(0)
#define KPN_CTRL_SLU		BIT(6)
#define KPN_CTRL_SPD_SEL	(3u << 8)
#define KPN_CTRL_SPD_1000	(2u << 8)
#define KPN_CTRL_FRCSPD		BIT(11)
#define KPN_CTRL_FRCDPX		BIT(12)
#define KPN_CTRL_RST		BIT(26)
#define KPN_CTRL_VME		BIT(30)

/* STATUS */
#define KPN_STATUS_FD		BIT(0)
#define KPN_STATUS_LU		BIT(1)
#define KPN_STATUS_SPEED_100	BIT(6)
#define KPN_STATUS_SPEED_1000	BIT(7)

/* EECD / EERD */
#define KPN_EECD_PRES		BIT(8)
#define KPN_EECD_AUTO_RD	BIT(9)
#define KPN_EERD_START		BIT(0)
#define KPN_EERD_DONE		BIT(1)
#define KPN_EERD_ADDR_SHIFT	2
#define KPN_EERD_DATA_SHIFT	16

/* CTRL_EXT */
#define KPN_CTRL_EXT_DRV_LOAD	BIT(28)

/* MDIC */
#define KPN_MDIC_DATA_MASK	0x0000FFFF
#define KPN_MDIC_REG_SHIFT	16
#define KPN_MDIC_PHY_SHIFT	21
#define KPN_MDIC_OP_WRITE	BIT(26)
#define KPN_MDIC_OP_READ	BIT(27)
#define KPN_MDIC_READY		BIT(28)
#define KPN_MDIC_ERROR		BIT(30)

/* ICR / IMS / IMC */
#define KPN_ICR_TXDW		BIT(0)
#define KPN_ICR_LSC		BIT(2)
#define KPN_ICR_RXDMT0		BIT(4)
#define KPN_ICR_RXO		BIT(6)
#define KPN_ICR_RXDW		BIT(7)
#define KPN_ICR_DRSTA		BIT(30)
#define KPN_ICR_INT_ASSERTED	BIT(31)

/* GPIE */
#define KPN_GPIE_NSICR		BIT(0)
#define KPN_GPIE_MSIX_MODE	BIT(4)
#define KPN_GPIE_EIAME		BIT(30)
#define KPN_GPIE_PBA		BIT(31)

/* IVAR entries */
#define KPN_IVAR_VALID		0x80

/* EITR: the interval field; CNT_IGNR keeps the counter when writing */
#define KPN_EITR_INTERVAL_MASK	0x7FFC
#define KPN_EITR_CNT_IGNR	BIT(31)

/* RCTL */
#define KPN_RCTL_EN		BIT(1)
#define KPN_RCTL_SBP		BIT(2)
#define KPN_RCTL_UPE		BIT(3)
#define KPN_RCTL_MPE		BIT(4)
#define KPN_RCTL_LPE		BIT(5)
#define KPN_RCTL_LBM_MASK	(3u << 6)
#define KPN_RCTL_RDMTS_HALF	0
#define KPN_RCTL_MO_MASK	(3u << 12)
#define KPN_RCTL_BAM		BIT(15)
#define KPN_RCTL_VFE		BIT(18)
#define KPN_RCTL_SECRC		BIT(26)

/* TCTL / TIPG */
#define KPN_TCTL_EN		BIT(1)
#define KPN_TCTL_PSP		BIT(3)
#define KPN_TCTL_CT_SHIFT	4
#define KPN_TCTL_COLD_SHIFT	12
#define KPN_TCTL_RTLC		BIT(24)
#define KPN_TIPG_DEFAULT	(8 | (8 << 10) | (6 << 20))

/* RXCSUM */
#define KPN_RXCSUM_IPOFL	BIT(8)
#define KPN_RXCSUM_TUOFL	BIT(9)
#define KPN_RXCSUM_PCSD		BIT(13)	/* RSS hash instead of checksum */

/* RFCTL */
#define KPN_RFCTL_IPV6_EX_DIS	BIT(16)

/* MRQC: RSS with no VMDq (MRQC[1:0] = 10b), and the fields hashed */
#define KPN_MRQC_ENABLE_RSS		0x2
#define KPN_MRQC_RSS_FIELD_IPV4_TCP	BIT(16)
#define KPN_MRQC_RSS_FIELD_IPV4		BIT(17)
#define KPN_MRQC_RSS_FIELD_IPV6_TCP_EX	BIT(18)
#define KPN_MRQC_RSS_FIELD_IPV6		BIT(20)
#define KPN_MRQC_RSS_FIELD_IPV6_TCP	BIT(21)
#define KPN_MRQC_RSS_FIELD_IPV4_UDP	BIT(22)
#define KPN_MRQC_RSS_FIELD_IPV6_UDP	BIT(23)

/* SRRCTL */
#define KPN_SRRCTL_BSIZEPKT_SHIFT	10	/* bytes >> 10 */
#define KPN_SRRCTL_BSIZEHDR_SHIFT	2	/* (bytes >> 6) << 8 */
#define KPN_SRRCTL_DESCTYPE_ADV_ONEBUF	BIT(25)

/* RXDCTL / TXDCTL: prefetch, host and write-back thresholds, enable */
#define KPN_XDCTL_ENABLE	BIT(25)
#define KPN_RXDCTL_DEFAULT	(8 | (8 << 8) | (1 << 16))
#define KPN_TXDCTL_DEFAULT	(8 | (1 << 8) | (16 << 16))

/* RAH */
#define KPN_RAH_AV		BIT(31)
#define KPN_RAR_ENTRIES		16
#define KPN_MTA_REGS		128

/* PHY (IGP03 on the 82576), through MDIC at PHY address 1 */
#define KPN_PHY_ADDR		1
#define KPN_PHY_BMCR		0x00
#define KPN_PHY_BMSR		0x01
#define KPN_PHY_ID1		0x02
#define KPN_PHY_ID2		0x03
#define KPN_BMCR_FULLDPLX	BIT(8)
#define KPN_BMCR_ANRESTART	BIT(9)
#define KPN_BMCR_ANENABLE	BIT(12)
#define KPN_BMCR_LOOPBACK	BIT(14)
#define KPN_BMCR_SPEED1000	BIT(6)

/* NVM layout */
#define KPN_NVM_WORDS		1024
#define KPN_NVM_MAC_WORD	0x00
#define KPN_NVM_CHECKSUM_WORD	0x3F
#define KPN_NVM_SUM		0xBABA

/* Advanced RX descriptor */
union kpn_rx_desc {
	struct {
		__le64 pkt_addr;
		__le64 hdr_addr;
	} read;
	struct {
		__le16 pkt_info;	/* bits 3:0 RSS type */
		__le16 hdr_info;
		union {
			struct {
				__le16 ip_id;
				__le16 csum;
			};
			__le32 rss;	/* RXCSUM.PCSD set */
		};
		__le32 status_error;
		__le16 length;
		__le16 vlan;
	} wb;
};

#define KPN_RXD_RSS_TYPE_MASK	0xF
#define KPN_RXD_RSS_TCPV4	1
#define KPN_RXD_RSS_TCPV6	3
#define KPN_RXD_RSS_UDPV4	7
#define KPN_RXD_RSS_UDPV6	8
#define KPN_RXD_STAT_DD		BIT(0)
#define KPN_RXD_STAT_EOP	BIT(1)
#define KPN_RXD_STAT_IXSM	BIT(2)
#define KPN_RXD_STAT_UDPCS	BIT(4)
#define KPN_RXD_STAT_TCPCS	BIT(5)
#define KPN_RXD_STAT_IPCS	BIT(6)
#define KPN_RXD_ERR_TCPE	BIT(29)
#define KPN_RXD_ERR_IPE		BIT(30)
#define KPN_RXD_ERR_RXE		BIT(31)

/* Advanced TX data and context descriptors */
union kpn_tx_desc {
	struct {
		__le64 buffer_addr;
		__le32 cmd_type_len;
		__le32 olinfo_status;
	} read;
	struct {
		__le64 rsvd;
		__le32 nxtseq_seed;
		__le32 status;
	} wb;
};

struct kpn_tx_ctx_desc {
	__le32 vlan_macip_lens;
	__le32 seqnum_seed;
	__le32 type_tucmd_mlhl;
	__le32 mss_l4len_idx;
};

#define KPN_TXD_DTYP_CTXT	(2u << 20)
#define KPN_TXD_DTYP_DATA	(3u << 20)
#define KPN_TXD_DCMD_EOP	BIT(24)
#define KPN_TXD_DCMD_IFCS	BIT(25)
#define KPN_TXD_DCMD_RS		BIT(27)
#define KPN_TXD_DCMD_DEXT	BIT(29)
#define KPN_TXD_DCMD_TSE	BIT(31)		/* segment (data descriptors) */
#define KPN_TXD_STAT_DD		BIT(0)
#define KPN_TXD_POPTS_IXSM	BIT(8)		/* in olinfo_status */
#define KPN_TXD_POPTS_TXSM	BIT(9)
#define KPN_TXD_PAYLEN_SHIFT	14
#define KPN_TXD_MACLEN_SHIFT	9
#define KPN_TXD_L4LEN_SHIFT	8		/* in mss_l4len_idx */
#define KPN_TXD_MSS_SHIFT	16
#define KPN_TXD_TUCMD_IPV4	BIT(10)
#define KPN_TXD_TUCMD_L4T_TCP	BIT(11)
#define KPN_TXD_TUCMD_L4T_SCTP	BIT(12)
#define KPN_TXD_MAX_DATA	BIT(15)		/* per data descriptor */
#define KPN_TXD_MAX_MACLEN	127
#define KPN_TXD_MAX_IPLEN	511

/**
 * struct kpn_hw - the mapped register window and what probe learnt
 * @hw_addr: BAR0; NULL once the device is gone (all-ones reads), after
 *	which every access is a no-op (reads return ~0).  Written once by
 *	kpn_check_removed(), read with READ_ONCE() by every accessor.
 * @mac: the permanent address from the NVM (or random, see probe)
 * @phy_id: PHY identifier, from PHY registers 2 and 3
 * @removed_cb: called once when a read finds the device gone
 * @priv: argument of @removed_cb
 */
struct kpn_hw {
	u8 __iomem *hw_addr;
	u8 mac[6];
	u32 phy_id;
	void (*removed_cb)(void *priv);
	void *priv;
};

void kpn_check_removed(struct kpn_hw *hw, u32 reg);

static inline bool kpn_removed(const struct kpn_hw *hw)
{
	return !READ_ONCE(hw->hw_addr);
}

static inline u32 kpn_rd32(struct kpn_hw *hw, u32 reg)
{
	u8 __iomem *addr = READ_ONCE(hw->hw_addr);
	u32 val;

	if (!addr)
		return ~0u;
	val = readl(addr + reg);
	/* Every register has some bit clear; all ones means no device. */
	if (unlikely(val == ~0u))
		kpn_check_removed(hw, reg);
	return val;
}

static inline void kpn_wr32(struct kpn_hw *hw, u32 reg, u32 val)
{
	u8 __iomem *addr = READ_ONCE(hw->hw_addr);

	if (addr)
		writel(val, addr + reg);
}

/* Posted writes reach the device before the read of STATUS returns. */
static inline void kpn_flush(struct kpn_hw *hw)
{
	kpn_rd32(hw, KPN_STATUS);
}

int kpn_hw_reset(struct kpn_hw *hw);
int kpn_nvm_read(struct kpn_hw *hw, u16 word, u16 *data);
int kpn_nvm_validate(struct kpn_hw *hw);
int kpn_nvm_read_mac(struct kpn_hw *hw, u8 *mac);
int kpn_phy_read(struct kpn_hw *hw, u32 reg, u16 *data);
int kpn_phy_write(struct kpn_hw *hw, u32 reg, u16 data);
int kpn_phy_init(struct kpn_hw *hw);
int kpn_phy_restart_aneg(struct kpn_hw *hw);
bool kpn_link_up(struct kpn_hw *hw, u32 *speed, bool *full_duplex);
void kpn_set_rar(struct kpn_hw *hw, unsigned int index, const u8 *addr);
void kpn_clear_rar(struct kpn_hw *hw, unsigned int index);
u32 kpn_mta_hash(const u8 *addr);

#endif /* _KP_NIC_HW_H */
