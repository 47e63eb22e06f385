// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: ethtool -t, the self-test.  The five tests of igb, in igb's
 * order and with its result layout: register, NVM checksum, interrupt,
 * loopback, link.  "online" runs the link test only; "offline" closes a
 * running device (the driver's own ndo_stop: the stack still sees it
 * running, its queues stopped), runs all five and opens it again, as
 * igb_diag_test() does.  RTNL is held throughout (the ethtool ioctl), so
 * no netlink reader, reset work or ethtool request runs in between.
 *
 * On QEMU's model all five pass, as they do for the kernel's igb
 * (QEMU-IGB-82576.md, section 8); the loopback test uses the PHY's
 * loopback (BMCR), which the model turns into "TX frames come back into
 * this NIC's RX and never reach the wire".
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/ethtool.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "kp_nic.h"

enum kpn_test {
	KPN_TEST_REG,
	KPN_TEST_NVM,
	KPN_TEST_IRQ,
	KPN_TEST_LOOP,
	KPN_TEST_LINK,
	KPN_TEST_LEN
};

static const char kpn_test_names[KPN_TEST_LEN][ETH_GSTRING_LEN] = {
	"Register test  (offline)",
	"Eeprom test    (offline)",
	"Interrupt test (offline)",
	"Loopback test  (offline)",
	"Link test   (on/offline)",
};

int kpn_test_count(void)
{
	return KPN_TEST_LEN;
}

void kpn_test_strings(u8 *data)
{
	memcpy(data, kpn_test_names, sizeof(kpn_test_names));
}

/* ------------------------------------------------------------------ */
/* Register test                                                       */

enum kpn_reg_test_type {
	KPN_PATTERN,	/* write each pattern, read it back through @mask */
	KPN_SET_READ,	/* write @write, read it back through @mask */
	KPN_WRITE,	/* write @write, no check */
};

/**
 * struct kpn_reg_test - one line of the register test
 * @reg: first register
 * @stride: bytes to the next one
 * @count: registers
 * @type: what to do with each
 * @mask: the bits that read back what was written
 * @write: the bits written
 */
struct kpn_reg_test {
	u32 reg;
	u16 stride;
	u16 count;
	enum kpn_reg_test_type type;
	u32 mask;
	u32 write;
};

/* igb's table for the 82576 (reg_test_82576[]), all 16 queues at once */
static const struct kpn_reg_test kpn_reg_tests[] = {
	{ KPN_FCAL, 0, 1, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
	{ KPN_FCAH, 0, 1, KPN_PATTERN, 0x0000FFFF, 0xFFFFFFFF },
	{ KPN_FCT, 0, 1, KPN_PATTERN, 0x0000FFFF, 0xFFFFFFFF },
	{ KPN_VET, 0, 1, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
	{ KPN_RDBAL(0), 0x40, 16, KPN_PATTERN, 0xFFFFFF80, 0xFFFFFFFF },
	{ KPN_RDBAH(0), 0x40, 16, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
	{ KPN_RDLEN(0), 0x40, 16, KPN_PATTERN, 0x000FFFF0, 0x000FFFFF },
	/* RDH is read-only: RDT only, with the queues enabled */
	{ KPN_RXDCTL(0), 0x40, 16, KPN_WRITE, 0, KPN_XDCTL_ENABLE },
	{ KPN_RDT(0), 0x40, 16, KPN_PATTERN, 0x0000FFFF, 0x0000FFFF },
	{ KPN_RXDCTL(0), 0x40, 16, KPN_WRITE, 0, 0 },
	{ KPN_FCRTH, 0, 1, KPN_PATTERN, 0x0000FFF0, 0x0000FFF0 },
	{ KPN_FCTTV, 0, 1, KPN_PATTERN, 0x0000FFFF, 0x0000FFFF },
	{ KPN_TIPG, 0, 1, KPN_PATTERN, 0x3FFFFFFF, 0x3FFFFFFF },
	{ KPN_TDBAL(0), 0x40, 16, KPN_PATTERN, 0xFFFFFF80, 0xFFFFFFFF },
	{ KPN_TDBAH(0), 0x40, 16, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
	{ KPN_TDLEN(0), 0x40, 16, KPN_PATTERN, 0x000FFFF0, 0x000FFFFF },
	{ KPN_RCTL, 0, 1, KPN_SET_READ, 0xFFFFFFFF, 0x00000000 },
	{ KPN_RCTL, 0, 1, KPN_SET_READ, 0x04CFB0FE, 0x003FFFFB },
	{ KPN_RCTL, 0, 1, KPN_SET_READ, 0x04CFB0FE, 0xFFFFFFFF },
	{ KPN_TCTL, 0, 1, KPN_SET_READ, 0xFFFFFFFF, 0x00000000 },
	{ KPN_RAL(0), 8, KPN_RAR_ENTRIES, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
	{ KPN_RAH(0), 8, KPN_RAR_ENTRIES, KPN_PATTERN, 0x800FFFFF, 0xFFFFFFFF },
	{ KPN_MTA(0), 4, KPN_MTA_REGS, KPN_PATTERN, 0xFFFFFFFF, 0xFFFFFFFF },
};

/* STATUS bits that must not change when written (igb's 82576 toggle) */
#define KPN_STATUS_TOGGLE	0x7FFFF3FF

static bool kpn_reg_check(struct kpn_adapter *adapter, u32 reg, u32 mask,
			  u32 want)
{
	u32 got = kpn_rd32(&adapter->hw, reg) & mask;

	if (got == (want & mask))
		return true;
	netdev_err(adapter->netdev,
		   "self-test: register 0x%05x read 0x%08x, expected 0x%08x\n",
		   reg, got, want & mask);
	return false;
}

/* Return: 0, or the offset of the first register that failed (+1 for
 * STATUS, whose offset is 0).
 */
static u64 kpn_reg_test(struct kpn_adapter *adapter)
{
	static const u32 patterns[] = {
		0x5A5A5A5A, 0xA5A5A5A5, 0x00000000, 0xFFFFFFFF
	};
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i, j, p;
	u32 before;

	before = kpn_rd32(hw, KPN_STATUS);
	kpn_wr32(hw, KPN_STATUS, KPN_STATUS_TOGGLE);
	if (!kpn_reg_check(adapter, KPN_STATUS, KPN_STATUS_TOGGLE, before))
		return 1;
	kpn_wr32(hw, KPN_STATUS, before);

	for (i = 0; i < ARRAY_SIZE(kpn_reg_tests); i++) {
		const struct kpn_reg_test *t = &kpn_reg_tests[i];

		for (j = 0; j < t->count; j++) {
			u32 reg = t->reg + j * t->stride;

			switch (t->type) {
			case KPN_PATTERN:
				for (p = 0; p < ARRAY_SIZE(patterns); p++) {
					kpn_wr32(hw, reg, patterns[p] & t->write);
					if (!kpn_reg_check(adapter, reg, t->mask,
							   patterns[p] & t->write))
						return reg;
				}
				break;
			case KPN_SET_READ:
				kpn_wr32(hw, reg, t->write & t->mask);
				if (!kpn_reg_check(adapter, reg, t->mask, t->write))
					return reg;
				break;
			case KPN_WRITE:
				kpn_wr32(hw, reg, t->write);
				break;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Interrupt test                                                      */

/* the ICR causes the 82576 lets ICS set (igb's ics_mask) */
#define KPN_ICS_TEST_MASK	0x77D4FBFD

static irqreturn_t kpn_test_intr(int irq, void *data)
{
	struct kpn_adapter *adapter = data;

	WRITE_ONCE(adapter->test_icr,
		   adapter->test_icr | kpn_rd32(&adapter->hw, KPN_ICR));
	return IRQ_HANDLED;
}

/* ICS @set with @mask enabled in IMS (the rest masked); the causes the
 * handler saw.
 */
static u32 kpn_test_cause(struct kpn_adapter *adapter, u32 mask, u32 set)
{
	struct kpn_hw *hw = &adapter->hw;

	WRITE_ONCE(adapter->test_icr, 0);
	kpn_wr32(hw, KPN_IMC, ~0u);
	kpn_wr32(hw, KPN_ICR, ~0u);	/* flush what is pending */
	if (mask)
		kpn_wr32(hw, KPN_IMS, mask);
	kpn_wr32(hw, KPN_ICS, set);
	kpn_flush(hw);
	usleep_range(10000, 11000);
	return READ_ONCE(adapter->test_icr);
}

/*
 * Each cause of KPN_ICS_TEST_MASK, set through ICS: unmasked, it must
 * reach the handler; masked (on a line of our own), it must not, and
 * neither may the others.  In MSI-X mode the test runs on vector 0 with
 * IVAR_MISC pointing there, as igb's does.
 *
 * Return: 0; 1 when the interrupt could not be requested; 3, 4 or 5 when
 * a cause was posted though masked, was not posted though enabled, or
 * another one was posted (igb's codes).
 */
static u64 kpn_irq_test(struct kpn_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	struct kpn_hw *hw = &adapter->hw;
	unsigned int irq = kpn_irq(adapter, 0);
	bool shared = false;
	u64 ret = 0;
	u32 mask;
	int i;

	switch (adapter->int_mode) {
	case KPN_INT_MSIX:
		if (request_irq(irq, kpn_test_intr, 0, netdev->name, adapter))
			return 1;
		kpn_wr32(hw, KPN_IVAR_MISC, KPN_IVAR_VALID << 8);
		kpn_wr32(hw, KPN_EIMS, BIT(0));
		/* the "other" vector takes whatever else fires too */
		shared = true;
		break;
	case KPN_INT_MSI:
		if (request_irq(irq, kpn_test_intr, 0, netdev->name, adapter))
			return 1;
		break;
	case KPN_INT_INTX:
		if (!request_irq(irq, kpn_test_intr, IRQF_PROBE_SHARED,
				 netdev->name, adapter))
			break;
		if (request_irq(irq, kpn_test_intr, IRQF_SHARED, netdev->name,
				adapter))
			return 1;
		shared = true;
		break;
	}
	netdev_info(netdev, "self-test: testing the %s interrupt\n",
		    shared ? "shared" : "unshared");

	for (i = 0; i < 31; i++) {
		mask = BIT(i);
		if (!(mask & KPN_ICS_TEST_MASK))
			continue;
		if (!shared && (kpn_test_cause(adapter, 0, mask) & mask)) {
			ret = 3;
			break;
		}
		if (!(kpn_test_cause(adapter, mask, mask) & mask)) {
			ret = 4;
			break;
		}
		if (!shared &&
		    (kpn_test_cause(adapter, 0, ~mask & KPN_ICS_TEST_MASK) &
		     mask)) {
			ret = 5;
			break;
		}
	}
	if (ret)
		netdev_err(netdev, "self-test: interrupt cause bit %d: code %llu\n",
			   i, ret);
	kpn_wr32(hw, KPN_IMC, ~0u);
	kpn_flush(hw);
	usleep_range(10000, 11000);
	free_irq(irq, adapter);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Loopback test                                                       */

#define KPN_LB_FRAME		1024
#define KPN_LB_BURST		64

/* The test's frames go to this locally administered address, the only
 * one the receive filters take during the test: frames from the wire
 * (a peer's traffic, broadcasts) stay out of the ring.
 */
static const u8 kpn_lb_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x6b, 0x70, 0x74 };

/* the header: to kpn_lb_mac, from @src, of the local experimental type */
static void kpn_lb_header(u8 *data, const u8 *src)
{
	ether_addr_copy(data, kpn_lb_mac);
	ether_addr_copy(data + ETH_ALEN, src);
	data[12] = 0x88;
	data[13] = 0xB5;
}

/* a whole KPN_LB_FRAME-byte frame, payload from @seq */
static void kpn_lb_fill(u8 *data, const u8 *src, u32 seq)
{
	unsigned int i;

	kpn_lb_header(data, src);
	for (i = ETH_HLEN; i < KPN_LB_FRAME; i++)
		data[i] = (u8)(seq * 7 + i);
}

static bool kpn_lb_mine(const u8 *data, const u8 *src)
{
	u8 hdr[ETH_HLEN];

	kpn_lb_header(hdr, src);
	return !memcmp(data, hdr, ETH_HLEN);
}

static bool kpn_lb_payload_ok(const u8 *data, u32 seq)
{
	unsigned int i;

	for (i = ETH_HLEN; i < KPN_LB_FRAME; i++)
		if (data[i] != (u8)(seq * 7 + i))
			return false;
	return true;
}

/* Queue one frame on the TX ring (a single advanced data descriptor) and
 * keep its skb and mapping in the ring's buffer, as the datapath does, so
 * kpn_free_tx_ring() would unwind it.
 */
static int kpn_lb_send(struct kpn_ring *ring, struct sk_buff *skb)
{
	struct kpn_tx_buffer *buf = &ring->tx_buf[ring->next_to_use];
	union kpn_tx_desc *desc = KPN_TX_DESC(ring, ring->next_to_use);
	dma_addr_t dma;

	dma = dma_map_single(ring->dev, skb->data, skb->len, DMA_TO_DEVICE);
	if (dma_mapping_error(ring->dev, dma))
		return -ENOMEM;
	buf->skb = skb;
	buf->next_to_watch = desc;
	dma_unmap_addr_set(buf, dma, dma);
	dma_unmap_len_set(buf, len, skb->len);
	desc->read.buffer_addr = cpu_to_le64(dma);
	desc->read.cmd_type_len = cpu_to_le32(KPN_TXD_DTYP_DATA |
					      KPN_TXD_DCMD_DEXT |
					      KPN_TXD_DCMD_IFCS |
					      KPN_TXD_DCMD_EOP |
					      KPN_TXD_DCMD_RS | skb->len);
	desc->read.olinfo_status = cpu_to_le32(skb->len <<
					       KPN_TXD_PAYLEN_SHIFT);
	if (++ring->next_to_use == ring->count)
		ring->next_to_use = 0;
	return 0;
}

/* Reclaim the TX descriptors the hardware is done with. */
static void kpn_lb_reclaim(struct kpn_ring *ring)
{
	while (ring->next_to_clean != ring->next_to_use) {
		struct kpn_tx_buffer *buf = &ring->tx_buf[ring->next_to_clean];
		union kpn_tx_desc *desc = KPN_TX_DESC(ring, ring->next_to_clean);

		if (!(le32_to_cpu(READ_ONCE(desc->wb.status)) & KPN_TXD_STAT_DD))
			break;
		dma_rmb();
		dma_unmap_single(ring->dev, dma_unmap_addr(buf, dma),
				 dma_unmap_len(buf, len), DMA_TO_DEVICE);
		dma_unmap_len_set(buf, len, 0);
		dev_kfree_skb_any(buf->skb);
		buf->skb = NULL;
		buf->next_to_watch = NULL;
		if (++ring->next_to_clean == ring->count)
			ring->next_to_clean = 0;
	}
}

/* Take frames off the RX ring until @want of the test's came, or none is
 * left; each slot gets its page back at once.  The test's frames must
 * come in order (the next one carries @seq + what came before); *@bad
 * counts those whose payload is not that.  Other frames are dropped.
 *
 * Return: the test's frames taken.
 */
static unsigned int kpn_lb_receive(struct kpn_adapter *adapter,
				   struct kpn_ring *ring, u32 seq,
				   unsigned int want, unsigned int *bad)
{
	const u8 *src = adapter->netdev->dev_addr;
	unsigned int mine = 0, seen = 0;

	while (mine < want) {
		u16 i = ring->next_to_clean;
		union kpn_rx_desc *desc = KPN_RX_DESC(ring, i);
		struct kpn_rx_buffer *buf = &ring->rx_buf[i];
		u32 status = le32_to_cpu(READ_ONCE(desc->wb.status_error));
		const u8 *data;
		u16 len;

		if (!(status & KPN_RXD_STAT_DD))
			break;
		dma_rmb();
		len = le16_to_cpu(desc->wb.length);
		dma_sync_single_for_cpu(ring->dev, buf->dma, KPN_RX_BUFSZ,
					DMA_FROM_DEVICE);
		data = page_address(buf->page) + KPN_RX_HEADROOM;
		if ((status & KPN_RXD_STAT_EOP) && len == KPN_LB_FRAME &&
		    kpn_lb_mine(data, src)) {
			if (!kpn_lb_payload_ok(data, seq + mine))
				(*bad)++;
			mine++;
		}
		dma_sync_single_for_device(ring->dev, buf->dma, KPN_RX_BUFSZ,
					   DMA_FROM_DEVICE);
		desc->read.pkt_addr = cpu_to_le64(buf->dma);
		desc->read.hdr_addr = 0;
		ring->next_to_clean = i + 1 < ring->count ? i + 1 : 0;
		ring->next_to_use = i;
		seen++;
	}
	if (seen) {
		wmb();	/* descriptors before the tail */
		kpn_wr32(&adapter->hw, KPN_RDT(ring->reg_idx), ring->next_to_use);
	}
	return mine;
}

/* Send bursts of KPN_LB_BURST frames through the rings, twice around the
 * larger one and once more (igb's loop count), and count what comes back.
 *
 * Return: 0, or igb's codes: 11 no memory, 12 a frame could not be queued,
 * 13 frames missing or wrong.
 */
static u64 kpn_lb_run(struct kpn_adapter *adapter)
{
	struct kpn_ring *tx = adapter->tx_ring[0], *rx = adapter->rx_ring[0];
	struct kpn_hw *hw = &adapter->hw;
	unsigned int rounds, r, i, got, bad;
	u32 seq = 0;

	rounds = max(tx->count, rx->count) / KPN_LB_BURST * 2 + 1;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < KPN_LB_BURST; i++) {
			struct sk_buff *skb;

			skb = alloc_skb(KPN_LB_FRAME, GFP_KERNEL);
			if (!skb)
				return 11;
			kpn_lb_fill(skb_put(skb, KPN_LB_FRAME),
				    adapter->netdev->dev_addr, seq + i);
			if (kpn_lb_send(tx, skb)) {
				kfree_skb(skb);
				return 12;
			}
		}
		wmb();	/* descriptors before the tail */
		kpn_wr32(hw, KPN_TDT(tx->reg_idx), tx->next_to_use);

		/* the model loops them back inside the TDT write; silicon
		 * within microseconds: up to a second for all of them
		 */
		got = 0;
		bad = 0;
		for (i = 0; i < 100 && got < KPN_LB_BURST; i++) {
			got += kpn_lb_receive(adapter, rx, seq + got,
					      KPN_LB_BURST - got, &bad);
			if (got < KPN_LB_BURST)
				usleep_range(10000, 11000);
		}
		kpn_lb_reclaim(tx);
		if (got != KPN_LB_BURST || bad) {
			netdev_err(adapter->netdev,
				   "self-test: loopback round %u: %u of %u frames back, %u of them wrong\n",
				   r, got, KPN_LB_BURST, bad);
			return 13;
		}
		seq += KPN_LB_BURST;
	}
	return 0;
}

/*
 * The device's own rings at their current sizes, programmed as for up
 * (interrupts stay masked: the test polls) but with receive filters that
 * take only the test's address, and the PHY looped back once the link is
 * up (the model receives only with STATUS.LU).
 *
 * Return: 0, or igb's codes: 1 or 3 for ring memory, 14 no link.
 */
static u64 kpn_loopback_test(struct kpn_adapter *adapter)
{
	struct kpn_ring *tx = adapter->tx_ring[0], *rx = adapter->rx_ring[0];
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;
	u64 ret;
	u32 ctrl;
	bool up;

	tx->count = adapter->tx_ring_count;
	rx->count = adapter->rx_ring_count;
	if (kpn_setup_tx_ring(tx))
		return 1;
	if (kpn_setup_rx_ring(rx)) {
		kpn_free_tx_ring(tx);
		return 3;
	}
	kpn_configure(adapter);
	/* receive the test's frames only: its own address, no broadcast, no
	 * multicast, no other unicast address
	 */
	kpn_set_rar(hw, 0, kpn_lb_mac);
	for (i = 1; i < KPN_RAR_ENTRIES; i++)
		kpn_clear_rar(hw, i);
	for (i = 0; i < KPN_MTA_REGS; i++)
		kpn_wr32(hw, KPN_MTA(i), 0);
	kpn_wr32(hw, KPN_RCTL, KPN_RCTL_EN | KPN_RCTL_SECRC | KPN_RCTL_LPE);

	kpn_phy_restart_aneg(hw);
	if (read_poll_timeout(kpn_link_up, up, up, 10000, 4000000, false, hw,
			      NULL, NULL)) {
		netdev_err(adapter->netdev, "self-test: no link for the loopback test\n");
		ret = 14;
		goto out;
	}
	/* force 1000/full in the PHY and the MAC, PHY loopback on */
	kpn_phy_write(hw, KPN_PHY_BMCR, KPN_BMCR_LOOPBACK | KPN_BMCR_SPEED1000 |
		      KPN_BMCR_FULLDPLX);
	ctrl = kpn_rd32(hw, KPN_CTRL) & ~KPN_CTRL_SPD_SEL;
	kpn_wr32(hw, KPN_CTRL, ctrl | KPN_CTRL_FRCSPD | KPN_CTRL_FRCDPX |
		 KPN_CTRL_SPD_1000 | KPN_CTRL_FD | KPN_CTRL_SLU);
	kpn_flush(hw);

	ret = kpn_lb_run(adapter);

	kpn_phy_write(hw, KPN_PHY_BMCR, KPN_BMCR_ANENABLE | KPN_BMCR_FULLDPLX |
		      KPN_BMCR_SPEED1000);
	kpn_wr32(hw, KPN_CTRL, ctrl);
out:
	kpn_hw_reset(hw);	/* ends DMA before the rings go */
	kpn_free_tx_ring(tx);
	kpn_free_rx_ring(rx);
	return ret;
}

/* ------------------------------------------------------------------ */

/* STATUS.LU within 5 s (autonegotiation takes 500 ms on the model). */
static u64 kpn_link_test(struct kpn_adapter *adapter)
{
	bool up;

	return read_poll_timeout(kpn_link_up, up, up, 10000, 5000000, false,
				 &adapter->hw, NULL, NULL) ? 1 : 0;
}

/* After a test: MAC reset, and the link brought back for the next one. */
static void kpn_test_reset(struct kpn_adapter *adapter)
{
	kpn_hw_reset(&adapter->hw);
	kpn_phy_restart_aneg(&adapter->hw);
}

/**
 * kpn_self_test - ethtool -t
 * @netdev: the device
 * @test: ETH_TEST_FL_OFFLINE for every test, else the link test only;
 *	ETH_TEST_FL_FAILED set on return if one failed
 * @data: KPN_TEST_LEN results, 0 for a pass (igb's codes otherwise)
 *
 * Context: RTNL (the ethtool ioctl).
 */
void kpn_self_test(struct net_device *netdev, struct ethtool_test *test,
		   u64 *data)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	bool running = netif_running(netdev);
	unsigned int queues;
	int i, err;

	ASSERT_RTNL();
	memset(data, 0, KPN_TEST_LEN * sizeof(*data));
	if (test_bit(KPN_STATE_REMOVED, &adapter->state)) {
		for (i = 0; i < KPN_TEST_LEN; i++)
			data[i] = 1;
		test->flags |= ETH_TEST_FL_FAILED;
		return;
	}

	netdev_info(netdev, "self-test: %s\n",
		    test->flags & ETH_TEST_FL_OFFLINE ? "offline" : "online");
	/* before any reset, so autonegotiation does not decide it; a device
	 * that is down has its MAC reset and needs one
	 */
	if (!running)
		kpn_phy_restart_aneg(&adapter->hw);
	data[KPN_TEST_LINK] = kpn_link_test(adapter);
	if (test->flags & ETH_TEST_FL_OFFLINE) {
		if (running)
			kpn_close(netdev);
		else
			kpn_hw_reset(&adapter->hw);

		data[KPN_TEST_REG] = kpn_reg_test(adapter);
		kpn_test_reset(adapter);
		data[KPN_TEST_NVM] = kpn_nvm_validate(&adapter->hw) ? 2 : 0;
		kpn_test_reset(adapter);
		data[KPN_TEST_IRQ] = kpn_irq_test(adapter);
		kpn_test_reset(adapter);
		/* one queue: no RSS, every frame back on ring 0 */
		queues = adapter->num_q_vectors;
		adapter->num_q_vectors = 1;
		data[KPN_TEST_LOOP] = kpn_loopback_test(adapter);
		adapter->num_q_vectors = queues;
		kpn_test_reset(adapter);

		/* on failure the device stays closed, and the stack is told */
		if (running) {
			err = kpn_open(netdev);
			if (err) {
				netdev_err(netdev,
					   "self-test: cannot open the device again: %pe\n",
					   ERR_PTR(err));
				set_bit(KPN_STATE_TEST_CLOSED, &adapter->state);
				dev_close(netdev);
			}
		}
	}
	for (i = 0; i < KPN_TEST_LEN; i++)
		if (data[i])
			test->flags |= ETH_TEST_FL_FAILED;
	netdev_info(netdev, "self-test: %s\n",
		    test->flags & ETH_TEST_FL_FAILED ? "FAIL" : "PASS");
}
