// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: descriptor rings, transmit, receive and the NAPI poll.
 *
 * RX buffers come from a page_pool, one order-0 page per descriptor: the
 * device writes at most KPN_RX_BUFSZ bytes after KPN_RX_HEADROOM, and the
 * first buffer of a frame becomes the skb head through napi_build_skb()
 * (the rest of the page holds skb_shared_info); later buffers of a jumbo
 * frame become page fragments.  Every slot of the RX ring always holds a
 * page: a slot is refilled as it is cleaned, and when no page is available
 * the frame is dropped and the old page stays.  The ring therefore never
 * runs dry and no descriptor ever points at stale write-back data, which
 * QEMU's model (QEMU-IGB-82576.md, section 6) does not tolerate.
 */
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/prefetch.h>
#include <linux/sched/clock.h>
#include <linux/sctp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/vmalloc.h>

#include "compat/v6_6_page_pool.h"
#include "kp_nic.h"

#define KPN_TXD_USE_COUNT(s)	DIV_ROUND_UP((s), KPN_TXD_MAX_DATA)
#define KPN_RX_FRAME_ERR	(BIT(24) | BIT(25) | BIT(26) | BIT(28) | \
				 KPN_RXD_ERR_RXE)
/* RDT is written once per this many refilled descriptors */
#define KPN_RX_REFILL_BATCH	16
#define KPN_TX_CLEAN_BUDGET	256

static u16 kpn_desc_unused(const struct kpn_ring *ring)
{
	u16 ntc = ring->next_to_clean, ntu = ring->next_to_use;

	return ((ntc > ntu) ? 0 : ring->count) + ntc - ntu - 1;
}

static struct netdev_queue *kpn_txq(const struct kpn_ring *ring)
{
	return netdev_get_tx_queue(ring->netdev, ring->queue_index);
}

void kpn_ring_stats_read(struct kpn_ring *ring, struct kpn_ring_stats *out)
{
	const struct kpn_ring_stats *s = &ring->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		out->packets = s->packets;
		out->bytes = s->bytes;
		out->restart = s->restart;
		out->busy = s->busy;
		out->dma_err = s->dma_err;
		out->doorbells = s->doorbells;
		out->alloc_failed = s->alloc_failed;
		out->csum_err = s->csum_err;
		out->drops = s->drops;
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

/* ------------------------------------------------------------------ */
/* Ring memory                                                         */

static int kpn_alloc_desc(struct kpn_ring *ring, size_t desc_size)
{
	ring->size = ALIGN(ring->count * desc_size, 4096);
	ring->desc = dma_alloc_coherent(ring->dev, ring->size, &ring->dma,
					GFP_KERNEL);
	return ring->desc ? 0 : -ENOMEM;
}

/* The descriptors and the buffer array (tx_buf and rx_buf alias). */
static void kpn_free_desc(struct kpn_ring *ring)
{
	vfree(ring->tx_buf);
	ring->tx_buf = NULL;
	if (ring->desc)
		dma_free_coherent(ring->dev, ring->size, ring->desc, ring->dma);
	ring->desc = NULL;
}

/**
 * kpn_setup_tx_ring - allocate a TX ring's descriptors and buffer array
 * @ring: the ring, with count set
 *
 * Return: 0 or -ENOMEM.
 */
int kpn_setup_tx_ring(struct kpn_ring *ring)
{
	ring->tx_buf = vcalloc(ring->count, sizeof(*ring->tx_buf));
	if (!ring->tx_buf)
		return -ENOMEM;
	if (kpn_alloc_desc(ring, sizeof(union kpn_tx_desc))) {
		kpn_free_desc(ring);
		return -ENOMEM;
	}
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	return 0;
}

/**
 * kpn_clean_tx_ring - drop every frame still on a stopped TX ring
 * @ring: the ring; the hardware queue is disabled, NAPI is off
 */
void kpn_clean_tx_ring(struct kpn_ring *ring)
{
	u16 i = ring->next_to_clean;

	while (i != ring->next_to_use) {
		struct kpn_tx_buffer *buf = &ring->tx_buf[i];

		if (buf->skb) {
			dev_kfree_skb_any(buf->skb);
			buf->skb = NULL;
			if (dma_unmap_len(buf, len))
				dma_unmap_single(ring->dev,
						 dma_unmap_addr(buf, dma),
						 dma_unmap_len(buf, len),
						 DMA_TO_DEVICE);
		} else if (dma_unmap_len(buf, len)) {
			dma_unmap_page(ring->dev, dma_unmap_addr(buf, dma),
				       dma_unmap_len(buf, len), DMA_TO_DEVICE);
		}
		dma_unmap_len_set(buf, len, 0);
		buf->next_to_watch = NULL;
		if (++i == ring->count)
			i = 0;
	}
	netdev_tx_reset_queue(kpn_txq(ring));
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
}

/**
 * kpn_free_tx_ring - free what kpn_setup_tx_ring() allocated
 * @ring: the ring
 */
void kpn_free_tx_ring(struct kpn_ring *ring)
{
	if (!ring->tx_buf)
		return;
	kpn_clean_tx_ring(ring);
	kpn_free_desc(ring);
}

static bool kpn_rx_fill_slot(struct kpn_ring *ring, u16 i, gfp_t gfp)
{
	struct kpn_rx_buffer *buf = &ring->rx_buf[i];
	struct page *page;

	page = page_pool_alloc_pages(ring->page_pool, gfp);
	if (!page)
		return false;
	buf->page = page;
	buf->dma = page_pool_get_dma_addr(page) + KPN_RX_HEADROOM;
	return true;
}

/**
 * kpn_setup_rx_ring - allocate an RX ring: descriptors, page pool, a page
 * for every slot
 * @ring: the ring, with count set
 *
 * Return: 0 or a negative errno; nothing stays allocated on error.
 */
int kpn_setup_rx_ring(struct kpn_ring *ring)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order = 0,
		.pool_size = ring->count,
		.nid = dev_to_node(ring->dev),
		.dev = ring->dev,
		.dma_dir = DMA_FROM_DEVICE,
		.offset = KPN_RX_HEADROOM,
		.max_len = KPN_RX_BUFSZ,
	};
	int err;
	u16 i;

	BUILD_BUG_ON(KPN_RX_PAGE_USE > PAGE_SIZE);
	ring->rx_buf = vcalloc(ring->count, sizeof(*ring->rx_buf));
	if (!ring->rx_buf)
		return -ENOMEM;
	err = kpn_alloc_desc(ring, sizeof(union kpn_rx_desc));
	if (err)
		goto err_desc;
	ring->page_pool = page_pool_create(&pp);
	if (IS_ERR(ring->page_pool)) {
		err = PTR_ERR(ring->page_pool);
		ring->page_pool = NULL;
		goto err_desc;
	}
	for (i = 0; i < ring->count; i++) {
		if (!kpn_rx_fill_slot(ring, i, GFP_KERNEL)) {
			err = -ENOMEM;
			goto err_pages;
		}
	}
	return 0;

err_pages:
	kpn_clean_rx_ring(ring);
	page_pool_destroy(ring->page_pool);
	ring->page_pool = NULL;
err_desc:
	kpn_free_desc(ring);
	return err;
}

/**
 * kpn_clean_rx_ring - give every page of a stopped RX ring back
 * @ring: the ring; NAPI is off and the hardware queue disabled
 */
void kpn_clean_rx_ring(struct kpn_ring *ring)
{
	u16 i;

	if (!IS_ERR_OR_NULL(ring->rx_skb))
		dev_kfree_skb_any(ring->rx_skb);
	ring->rx_skb = NULL;
	for (i = 0; i < ring->count; i++) {
		struct kpn_rx_buffer *buf = &ring->rx_buf[i];

		if (buf->page)
			page_pool_put_full_page(ring->page_pool, buf->page,
						false);
		buf->page = NULL;
	}
}

/**
 * kpn_free_rx_ring - free what kpn_setup_rx_ring() allocated
 * @ring: the ring
 */
void kpn_free_rx_ring(struct kpn_ring *ring)
{
	if (!ring->rx_buf)
		return;
	kpn_clean_rx_ring(ring);
	page_pool_destroy(ring->page_pool);
	ring->page_pool = NULL;
	kpn_free_desc(ring);
}

/**
 * kpn_alloc_spare_ring - memory for one of a running device's rings at a
 * new size (ethtool -G), allocated before the device stops
 * @ring: the device's TX or RX ring the memory is for
 * @count: descriptors
 * @tx: @ring is a TX ring
 *
 * The spare ring has @ring's device and identity but is known to no one:
 * freeing it (kpn_free_spare_ring()) touches no queue of the device.
 *
 * Return: the spare ring, or an ERR_PTR.
 */
struct kpn_ring *kpn_alloc_spare_ring(const struct kpn_ring *ring, u16 count,
				      bool tx)
{
	struct kpn_ring *spare;
	int err;

	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return ERR_PTR(-ENOMEM);
	spare->dev = ring->dev;
	spare->netdev = ring->netdev;
	spare->count = count;
	err = tx ? kpn_setup_tx_ring(spare) : kpn_setup_rx_ring(spare);
	if (err) {
		kfree(spare);
		return ERR_PTR(err);
	}
	return spare;
}

/**
 * kpn_free_spare_ring - free a spare ring that was not taken
 * @spare: from kpn_alloc_spare_ring(), or NULL
 * @tx: @spare is a TX ring (it holds no frame: only its memory goes)
 */
void kpn_free_spare_ring(struct kpn_ring *spare, bool tx)
{
	if (!spare)
		return;
	if (tx)
		kpn_free_desc(spare);
	else
		kpn_free_rx_ring(spare);
	kfree(spare);
}

/**
 * kpn_ring_take - give a stopped ring the memory of a spare one
 * @ring: the device's ring, its own memory freed (kpn_free_*_ring())
 * @spare: from kpn_alloc_spare_ring() for @ring; freed here
 *
 * Descriptors, buffers, page pool and size move; @ring keeps its
 * identity, counters and timer.
 *
 * Context: RTNL, the device down (kpn_down()): nothing reads @ring.
 */
void kpn_ring_take(struct kpn_ring *ring, struct kpn_ring *spare)
{
	ring->desc = spare->desc;
	ring->tx_buf = spare->tx_buf;	/* or rx_buf: they alias */
	ring->page_pool = spare->page_pool;
	ring->dma = spare->dma;
	ring->size = spare->size;
	ring->count = spare->count;
	ring->rx_skb = NULL;
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	kfree(spare);
}

/* ------------------------------------------------------------------ */
/* Hardware queue setup                                                */

static void kpn_disable_queue(struct kpn_hw *hw, u32 reg)
{
	kpn_wr32(hw, reg, 0);
	kpn_flush(hw);
	usleep_range(1000, 2000);
}

/**
 * kpn_configure_tx_ring - program a TX queue from its (empty) ring
 * @adapter: the adapter
 * @ring: the ring
 */
void kpn_configure_tx_ring(struct kpn_adapter *adapter, struct kpn_ring *ring)
{
	struct kpn_hw *hw = &adapter->hw;
	u8 q = ring->reg_idx;

	kpn_disable_queue(hw, KPN_TXDCTL(q));
	kpn_wr32(hw, KPN_TDBAL(q), lower_32_bits(ring->dma));
	kpn_wr32(hw, KPN_TDBAH(q), upper_32_bits(ring->dma));
	kpn_wr32(hw, KPN_TDLEN(q), ring->count * sizeof(union kpn_tx_desc));
	kpn_wr32(hw, KPN_TDWBAL(q), 0);
	kpn_wr32(hw, KPN_TDH(q), 0);
	kpn_wr32(hw, KPN_TDT(q), 0);
	ring->tail = hw->hw_addr + KPN_TDT(q);
	memset(ring->desc, 0, ring->size);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	kpn_wr32(hw, KPN_TXDCTL(q), KPN_TXDCTL_DEFAULT | KPN_XDCTL_ENABLE);
}

/**
 * kpn_configure_rx_ring - program an RX queue and hand it every buffer
 * @adapter: the adapter
 * @ring: the ring; every slot holds a page (kpn_setup_rx_ring())
 *
 * The hardware gets count - 1 descriptors (RDT one behind RDH means
 * full); the slot at RDT holds a page too, see the comment at the top.
 */
void kpn_configure_rx_ring(struct kpn_adapter *adapter, struct kpn_ring *ring)
{
	struct kpn_hw *hw = &adapter->hw;
	u8 q = ring->reg_idx;
	u16 i;

	kpn_disable_queue(hw, KPN_RXDCTL(q));
	kpn_wr32(hw, KPN_RDBAL(q), lower_32_bits(ring->dma));
	kpn_wr32(hw, KPN_RDBAH(q), upper_32_bits(ring->dma));
	kpn_wr32(hw, KPN_RDLEN(q), ring->count * sizeof(union kpn_rx_desc));
	kpn_wr32(hw, KPN_RDH(q), 0);
	kpn_wr32(hw, KPN_RDT(q), 0);
	ring->tail = hw->hw_addr + KPN_RDT(q);
	kpn_wr32(hw, KPN_SRRCTL(q),
		 (KPN_RX_BUFSZ >> 10) |
		 (KPN_RX_HDRSZ << KPN_SRRCTL_BSIZEHDR_SHIFT) |
		 KPN_SRRCTL_DESCTYPE_ADV_ONEBUF);
	for (i = 0; i < ring->count; i++) {
		union kpn_rx_desc *desc = KPN_RX_DESC(ring, i);

		desc->read.pkt_addr = cpu_to_le64(ring->rx_buf[i].dma);
		desc->read.hdr_addr = 0;
	}
	if (!IS_ERR_OR_NULL(ring->rx_skb))
		dev_kfree_skb_any(ring->rx_skb);
	ring->rx_skb = NULL;
	ring->next_to_clean = 0;
	ring->next_to_use = ring->count - 1;
	kpn_wr32(hw, KPN_RXDCTL(q), KPN_RXDCTL_DEFAULT | KPN_XDCTL_ENABLE);
	/* descriptors are in memory before the device may fetch them */
	wmb();
	kpn_wr32(hw, KPN_RDT(q), ring->next_to_use);
}

/* ------------------------------------------------------------------ */
/* Transmit                                                            */

static int __kpn_maybe_stop_tx(struct kpn_ring *ring, u16 size)
{
	struct netdev_queue *txq = kpn_txq(ring);

	netif_tx_stop_queue(txq);
	/* pairs with the smp_mb() in kpn_clean_tx_irq() */
	smp_mb();
	if (kpn_desc_unused(ring) < size)
		return -EBUSY;
	netif_tx_wake_queue(txq);
	u64_stats_update_begin(&ring->stats.syncp);
	ring->stats.restart++;
	u64_stats_update_end(&ring->stats.syncp);
	return 0;
}

static int kpn_maybe_stop_tx(struct kpn_ring *ring, u16 size)
{
	if (likely(kpn_desc_unused(ring) >= size))
		return 0;
	return __kpn_maybe_stop_tx(ring, size);
}

/*
 * Checksum offload through a context descriptor.  MACLEN is 7 bits and
 * IPLEN 9 bits: kpn_features_check() (main.c) keeps longer headers in
 * software.  The model re-parses headers and ignores these fields; real
 * silicon does not.
 */
static bool kpn_tx_csum(struct kpn_ring *ring, struct kpn_tx_buffer *first)
{
	struct sk_buff *skb = first->skb;
	struct kpn_tx_ctx_desc *ctx;
	u32 type_tucmd = 0;
	u32 macip;
	u16 i;

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return false;
	switch (skb->csum_offset) {
	case offsetof(struct tcphdr, check):
		type_tucmd = KPN_TXD_TUCMD_L4T_TCP;
		break;
	case offsetof(struct udphdr, check):
		break;
	case offsetof(struct sctphdr, checksum):
		if (skb_csum_is_sctp(skb)) {
			type_tucmd = KPN_TXD_TUCMD_L4T_SCTP;
			break;
		}
		fallthrough;
	default:
		skb_checksum_help(skb);
		return false;
	}
	if (skb->protocol == htons(ETH_P_IP))
		type_tucmd |= KPN_TXD_TUCMD_IPV4;
	macip = skb_checksum_start_offset(skb) - skb_network_offset(skb);
	macip |= skb_network_offset(skb) << KPN_TXD_MACLEN_SHIFT;

	i = ring->next_to_use;
	ctx = (struct kpn_tx_ctx_desc *)KPN_TX_DESC(ring, i);
	ctx->vlan_macip_lens = cpu_to_le32(macip);
	ctx->seqnum_seed = 0;
	ctx->type_tucmd_mlhl = cpu_to_le32(type_tucmd | KPN_TXD_DCMD_DEXT |
					   KPN_TXD_DTYP_CTXT);
	ctx->mss_l4len_idx = 0;
	WRITE_ONCE(ring->next_to_use, (i + 1 < ring->count) ? i + 1 : 0);
	return true;
}

/*
 * TSO through a context descriptor (MSS, L4LEN, MACLEN, IPLEN; the model
 * re-parses the headers and ignores the lengths, silicon does not).  As
 * igb: the IPv4 header checksum is the hardware's, the TCP checksum is
 * seeded with the pseudo-header without length, the length fields are 0.
 * kpn_features_check() (main.c) keeps frames with FIN in software: the
 * model clears it (and PSH) in every segment.
 *
 * Return: 1 with the context written and *hdr_len set, 0 for a frame
 * that is not GSO, or a negative errno (the frame is dropped).
 */
static int kpn_tso(struct kpn_ring *ring, struct kpn_tx_buffer *first,
		   u8 *hdr_len)
{
	struct sk_buff *skb = first->skb;
	struct kpn_tx_ctx_desc *ctx;
	unsigned char *ip, *l4;
	u32 type_tucmd, paylen, l4_offset;
	int err;
	u16 i;

	if (skb->ip_summed != CHECKSUM_PARTIAL || !skb_is_gso(skb))
		return 0;
	err = skb_cow_head(skb, 0);
	if (err < 0)
		return err;

	ip = skb_network_header(skb);
	l4 = skb_checksum_start(skb);
	type_tucmd = KPN_TXD_TUCMD_L4T_TCP;
	if (((struct iphdr *)ip)->version == 4) {
		struct iphdr *iph = (struct iphdr *)ip;

		iph->tot_len = 0;
		iph->check = 0;
		type_tucmd |= KPN_TXD_TUCMD_IPV4;
	} else {
		((struct ipv6hdr *)ip)->payload_len = 0;
	}
	l4_offset = l4 - skb->data;
	*hdr_len = l4_offset + tcp_hdrlen(skb);
	/* the pseudo-header checksum without the length the segments get */
	paylen = skb->len - l4_offset;
	csum_replace_by_diff(&tcp_hdr(skb)->check, (__force __wsum)htonl(paylen));

	first->gso_segs = skb_shinfo(skb)->gso_segs;
	first->bytecount += (first->gso_segs - 1) * *hdr_len;

	i = ring->next_to_use;
	ctx = (struct kpn_tx_ctx_desc *)KPN_TX_DESC(ring, i);
	ctx->vlan_macip_lens = cpu_to_le32((l4 - ip) |
					   (ip - skb->data) << KPN_TXD_MACLEN_SHIFT);
	ctx->seqnum_seed = 0;
	ctx->type_tucmd_mlhl = cpu_to_le32(type_tucmd | KPN_TXD_DCMD_DEXT |
					   KPN_TXD_DTYP_CTXT);
	ctx->mss_l4len_idx = cpu_to_le32(tcp_hdrlen(skb) << KPN_TXD_L4LEN_SHIFT |
					 skb_shinfo(skb)->gso_size <<
					 KPN_TXD_MSS_SHIFT);
	WRITE_ONCE(ring->next_to_use, (i + 1 < ring->count) ? i + 1 : 0);
	return 1;
}

/*
 * Write TDT: the model transmits everything up to it inside the write (a
 * VM exit each).  With the debugfs tx_hang fault on, the write is skipped
 * so the stack's watchdog sees a stuck queue.
 *
 * Context: the ring's TX queue lock held, BH off.
 */
static void kpn_tx_write_tail(struct kpn_ring *ring)
{
	if (unlikely(test_bit(KPN_STATE_TX_HANG,
			      &ring->q_vector->adapter->state)))
		return;
	writel(ring->next_to_use, ring->tail);
	ring->db_last = local_clock();
	u64_stats_update_begin(&ring->stats.syncp);
	ring->stats.doorbells++;
	u64_stats_update_end(&ring->stats.syncp);
}

/**
 * kpn_tx_db_timer - the deferred doorbell is due
 * @timer: the ring's db_timer (softirq mode)
 *
 * Return: HRTIMER_NORESTART.
 */
enum hrtimer_restart kpn_tx_db_timer(struct hrtimer *timer)
{
	struct kpn_ring *ring = container_of(timer, struct kpn_ring, db_timer);
	struct netdev_queue *txq = kpn_txq(ring);

	/* softirq context: BH is off, as __netif_tx_lock() wants */
	__netif_tx_lock(txq, smp_processor_id());
	if (!test_bit(KPN_STATE_DOWN, &ring->q_vector->adapter->state))
		kpn_tx_write_tail(ring);
	__netif_tx_unlock(txq);
	return HRTIMER_NORESTART;
}

/**
 * kpn_tx_doorbell - ring the TX doorbell for the frames queued so far
 * @ring: the TX ring
 * @now: write TDT now (the queue is stopped: completions must come)
 *
 * With tx_doorbell_usecs = 0, TDT is written at once.  Otherwise, when
 * the last write was less than that long ago (frames are coming faster
 * than that: load), the write is left to db_timer, which fires that long
 * from now and covers every frame queued until then.  A frame after a
 * quiet spell goes out at once; under load a frame waits at most
 * tx_doorbell_usecs.  The timer's callback takes the queue lock, so it
 * either runs before this frame was queued (and this call, seeing the
 * timer gone, arms it again) or after (and writes this frame's tail).
 *
 * Context: the TX queue lock held (ndo_start_xmit), BH off.
 */
static void kpn_tx_doorbell(struct kpn_ring *ring, bool now)
{
	u64 delay = (u64)READ_ONCE(kpn_tx_doorbell_usecs) * NSEC_PER_USEC;

	if (!now && delay) {
		if (hrtimer_active(&ring->db_timer))
			return;
		/* (local_clock() of another CPU may be behind: no deferral) */
		if (local_clock() - ring->db_last < delay) {
			hrtimer_start(&ring->db_timer, ns_to_ktime(delay),
				      HRTIMER_MODE_REL_SOFT);
			return;
		}
	} else if (delay) {
		/* this write covers what a pending flush would */
		hrtimer_try_to_cancel(&ring->db_timer);
	}
	kpn_tx_write_tail(ring);
}

/*
 * The debugfs faults dma_fail_heads / dma_fail_frags: true if this
 * mapping (of an skb head, or of a fragment) is to fail.
 */
static bool kpn_fault_dma(struct kpn_ring *ring, bool head)
{
	struct kpn_adapter *adapter = ring->q_vector->adapter;
	atomic_t *left = head ? &adapter->dma_fail_heads :
				&adapter->dma_fail_frags;

	return unlikely(atomic_read(left) > 0) &&
	       atomic_dec_if_positive(left) >= 0;
}

/*
 * Map the head and the fragments and write the data descriptors.  `first`
 * is the buffer at the slot where this frame started (the context
 * descriptor's, if any): it owns the skb and the head's mapping, so the
 * cleanup walks from it to next_to_watch.
 */
static int kpn_tx_map(struct kpn_ring *ring, struct kpn_tx_buffer *first,
		      u32 cmd_type, u32 olinfo)
{
	struct sk_buff *skb = first->skb;
	unsigned int data_len = skb->data_len;
	unsigned int size = skb_headlen(skb);
	struct kpn_tx_buffer *buf = first;
	u16 i = ring->next_to_use;
	union kpn_tx_desc *desc = KPN_TX_DESC(ring, i);
	struct netdev_queue *txq = kpn_txq(ring);
	skb_frag_t *frag;
	dma_addr_t dma;

	dma = dma_map_single(ring->dev, skb->data, size, DMA_TO_DEVICE);
	for (frag = &skb_shinfo(skb)->frags[0];; frag++) {
		if (dma_mapping_error(ring->dev, dma))
			goto dma_error;
		dma_unmap_len_set(buf, len, size);
		dma_unmap_addr_set(buf, dma, dma);
		/* recorded above, so the error path unmaps it */
		if (kpn_fault_dma(ring, buf == first))
			goto dma_error;
		desc->read.buffer_addr = cpu_to_le64(dma);

		while (unlikely(size > KPN_TXD_MAX_DATA)) {
			desc->read.cmd_type_len =
				cpu_to_le32(cmd_type | KPN_TXD_MAX_DATA);
			desc->read.olinfo_status = cpu_to_le32(olinfo);
			olinfo = 0;
			if (++i == ring->count)
				i = 0;
			desc = KPN_TX_DESC(ring, i);
			dma += KPN_TXD_MAX_DATA;
			size -= KPN_TXD_MAX_DATA;
			desc->read.buffer_addr = cpu_to_le64(dma);
		}
		if (likely(!data_len))
			break;

		desc->read.cmd_type_len = cpu_to_le32(cmd_type | size);
		desc->read.olinfo_status = cpu_to_le32(olinfo);
		olinfo = 0;
		if (++i == ring->count)
			i = 0;
		desc = KPN_TX_DESC(ring, i);

		size = skb_frag_size(frag);
		data_len -= size;
		dma = skb_frag_dma_map(ring->dev, frag, 0, size,
				       DMA_TO_DEVICE);
		buf = &ring->tx_buf[i];
	}

	desc->read.cmd_type_len = cpu_to_le32(cmd_type | size |
					      KPN_TXD_DCMD_EOP |
					      KPN_TXD_DCMD_RS);
	desc->read.olinfo_status = cpu_to_le32(olinfo);

	netdev_tx_sent_queue(txq, first->bytecount);
	skb_tx_timestamp(skb);
	/* descriptors complete before next_to_watch lets cleanup see them */
	dma_wmb();
	first->next_to_watch = desc;
	if (++i == ring->count)
		i = 0;
	WRITE_ONCE(ring->next_to_use, i);

	kpn_maybe_stop_tx(ring, KPN_DESC_NEEDED);

	/* one doorbell per batch the stack hands over, at most */
	if (netif_xmit_stopped(txq))
		kpn_tx_doorbell(ring, true);
	else if (!netdev_xmit_more())
		kpn_tx_doorbell(ring, false);
	return 0;

dma_error:
	/* unmap the fragments mapped so far, then the head */
	for (;;) {
		buf = &ring->tx_buf[i];
		if (buf == first)
			break;
		if (dma_unmap_len(buf, len))
			dma_unmap_page(ring->dev, dma_unmap_addr(buf, dma),
				       dma_unmap_len(buf, len), DMA_TO_DEVICE);
		dma_unmap_len_set(buf, len, 0);
		i = i ? i - 1 : ring->count - 1;
	}
	if (dma_unmap_len(first, len))
		dma_unmap_single(ring->dev, dma_unmap_addr(first, dma),
				 dma_unmap_len(first, len), DMA_TO_DEVICE);
	dma_unmap_len_set(first, len, 0);
	dev_kfree_skb_any(first->skb);
	first->skb = NULL;
	WRITE_ONCE(ring->next_to_use, first - ring->tx_buf);
	u64_stats_update_begin(&ring->stats.syncp);
	ring->stats.dma_err++;
	u64_stats_update_end(&ring->stats.syncp);
	return -ENOMEM;
}

/**
 * kpn_xmit_frame - ndo_start_xmit
 * @skb: the frame
 * @netdev: the device
 *
 * Frames shorter than 60 bytes are padded here: the model does not pad
 * (TCTL.PSP is not emulated), and the peer would count each short frame
 * as a length error.
 *
 * Return: NETDEV_TX_OK, or NETDEV_TX_BUSY if the ring is full although
 * the queue was awake (a bug; counted as busy).
 */
netdev_tx_t kpn_xmit_frame(struct sk_buff *skb, struct net_device *netdev)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	struct kpn_ring *ring = adapter->tx_ring[skb_get_queue_mapping(skb)];
	struct kpn_tx_buffer *first;
	u32 cmd_type, olinfo = 0;
	u8 hdr_len = 0;
	u16 count;
	int f, tso;

	if (skb_put_padto(skb, ETH_ZLEN))
		return NETDEV_TX_OK;

	count = KPN_TXD_USE_COUNT(skb_headlen(skb));
	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++)
		count += KPN_TXD_USE_COUNT(skb_frag_size(&skb_shinfo(skb)->frags[f]));
	/* + 1 context descriptor, + 2 gap so tail never touches head */
	if (kpn_maybe_stop_tx(ring, count + 3)) {
		u64_stats_update_begin(&ring->stats.syncp);
		ring->stats.busy++;
		u64_stats_update_end(&ring->stats.syncp);
		return NETDEV_TX_BUSY;
	}

	first = &ring->tx_buf[ring->next_to_use];
	first->skb = skb;
	first->bytecount = skb->len;
	first->gso_segs = 1;

	cmd_type = KPN_TXD_DTYP_DATA | KPN_TXD_DCMD_DEXT | KPN_TXD_DCMD_IFCS;
	tso = kpn_tso(ring, first, &hdr_len);
	if (tso < 0) {
		first->skb = NULL;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (tso) {
		cmd_type |= KPN_TXD_DCMD_TSE;
		olinfo |= KPN_TXD_POPTS_TXSM;
		if (skb->protocol == htons(ETH_P_IP))
			olinfo |= KPN_TXD_POPTS_IXSM;
	} else if (kpn_tx_csum(ring, first)) {
		olinfo |= KPN_TXD_POPTS_TXSM;
	}
	olinfo |= (skb->len - hdr_len) << KPN_TXD_PAYLEN_SHIFT;

	kpn_tx_map(ring, first, cmd_type, olinfo);
	return NETDEV_TX_OK;
}

/*
 * Reclaim the descriptors of frames the hardware has sent (DD on the
 * frame's last descriptor).  Runs in NAPI only.
 *
 * Return: true if everything was cleaned within the budget.
 */
static bool kpn_clean_tx_irq(struct kpn_q_vector *q_vector, int napi_budget)
{
	struct kpn_ring *ring = q_vector->tx_ring;
	struct kpn_adapter *adapter = q_vector->adapter;
	unsigned int budget = KPN_TX_CLEAN_BUDGET;
	unsigned int bytes = 0, packets = 0;
	u16 i = ring->next_to_clean;
	struct kpn_tx_buffer *buf = &ring->tx_buf[i];
	union kpn_tx_desc *desc = KPN_TX_DESC(ring, i);

	if (test_bit(KPN_STATE_DOWN, &adapter->state))
		return true;

	do {
		union kpn_tx_desc *eop = READ_ONCE(buf->next_to_watch);

		if (!eop)
			break;
		/* read next_to_watch before the descriptor it points at */
		smp_rmb();
		if (!(eop->wb.status & cpu_to_le32(KPN_TXD_STAT_DD)))
			break;
		buf->next_to_watch = NULL;
		bytes += buf->bytecount;
		packets += buf->gso_segs;
		napi_consume_skb(buf->skb, napi_budget);
		buf->skb = NULL;
		dma_unmap_single(ring->dev, dma_unmap_addr(buf, dma),
				 dma_unmap_len(buf, len), DMA_TO_DEVICE);
		dma_unmap_len_set(buf, len, 0);

		while (desc != eop) {
			if (++i == ring->count) {
				i = 0;
				buf = ring->tx_buf;
				desc = KPN_TX_DESC(ring, 0);
			} else {
				buf++;
				desc++;
			}
			if (dma_unmap_len(buf, len)) {
				dma_unmap_page(ring->dev,
					       dma_unmap_addr(buf, dma),
					       dma_unmap_len(buf, len),
					       DMA_TO_DEVICE);
				dma_unmap_len_set(buf, len, 0);
			}
		}
		if (++i == ring->count) {
			i = 0;
			buf = ring->tx_buf;
			desc = KPN_TX_DESC(ring, 0);
		} else {
			buf++;
			desc++;
		}
		prefetch(desc);
	} while (--budget);

	WRITE_ONCE(ring->next_to_clean, i);
	if (!packets)
		return !!budget;

	u64_stats_update_begin(&ring->stats.syncp);
	ring->stats.packets += packets;
	ring->stats.bytes += bytes;
	u64_stats_update_end(&ring->stats.syncp);
	netdev_tx_completed_queue(kpn_txq(ring), packets, bytes);

	if (unlikely(netif_carrier_ok(ring->netdev) &&
		     kpn_desc_unused(ring) >= KPN_TX_WAKE_THRESH)) {
		/* pairs with the smp_mb() in __kpn_maybe_stop_tx() */
		smp_mb();
		if (netif_tx_queue_stopped(kpn_txq(ring)) &&
		    !test_bit(KPN_STATE_DOWN, &adapter->state)) {
			netif_tx_wake_queue(kpn_txq(ring));
			u64_stats_update_begin(&ring->stats.syncp);
			ring->stats.restart++;
			u64_stats_update_end(&ring->stats.syncp);
		}
	}
	return !!budget;
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */

/* Return: true if the hardware found a bad checksum (the stack checks). */
static bool kpn_rx_checksum(struct kpn_ring *ring, u32 staterr,
			    struct sk_buff *skb)
{
	skb_checksum_none_assert(skb);
	if (!(ring->netdev->features & NETIF_F_RXCSUM))
		return false;
	if (staterr & KPN_RXD_STAT_IXSM)
		return false;
	if (staterr & (KPN_RXD_ERR_TCPE | KPN_RXD_ERR_IPE))
		return true;
	if (staterr & (KPN_RXD_STAT_TCPCS | KPN_RXD_STAT_UDPCS))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	return false;
}

/* The RSS hash of the frame's last descriptor, for RPS/RFS and the stack's
 * flow hashing; L4 when the hardware hashed the ports.
 */
static void kpn_rx_hash(struct kpn_ring *ring, u32 hash, u16 type,
			struct sk_buff *skb)
{
	if (!(ring->netdev->features & NETIF_F_RXHASH) || !type)
		return;
	switch (type) {
	case KPN_RXD_RSS_TCPV4:
	case KPN_RXD_RSS_TCPV6:
	case KPN_RXD_RSS_UDPV4:
	case KPN_RXD_RSS_UDPV6:
		skb_set_hash(skb, hash, PKT_HASH_TYPE_L4);
		break;
	default:
		skb_set_hash(skb, hash, PKT_HASH_TYPE_L3);
	}
}

/*
 * Attach the page of one descriptor to the frame being built (its head
 * if it is the first).  On failure the page goes back to the pool and the
 * frame is dropped at its last descriptor: NULL if there was no head yet,
 * else ERR_PTR() (the partial frame is freed).
 */
static struct sk_buff *kpn_rx_add_page(struct kpn_ring *ring,
				       struct sk_buff *skb, struct page *page,
				       unsigned int size)
{
	if (!skb) {
		void *va = page_address(page);

		net_prefetch(va + KPN_RX_HEADROOM);
		skb = napi_build_skb(va, PAGE_SIZE);
		if (unlikely(!skb)) {
			page_pool_recycle_direct(ring->page_pool, page);
			return NULL;
		}
		skb_mark_for_recycle(skb);
		skb_reserve(skb, KPN_RX_HEADROOM);
		__skb_put(skb, size);
		return skb;
	}
	if (unlikely(skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)) {
		/* longer than any frame RLPML lets in: drop it */
		page_pool_recycle_direct(ring->page_pool, page);
		dev_kfree_skb_any(skb);
		return ERR_PTR(-E2BIG);
	}
	skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page,
			KPN_RX_HEADROOM, size, PAGE_SIZE);
	return skb;
}

/*
 * Receive up to @budget frames.  Runs in NAPI only.  A frame spanning
 * several descriptors is kept in ring->rx_skb between polls; ERR_PTR()
 * marks one that is being discarded up to its last descriptor.
 *
 * Return: frames passed to the stack or dropped (work done).
 */
static int kpn_clean_rx_irq(struct kpn_q_vector *q_vector, int budget)
{
	struct kpn_ring *ring = q_vector->rx_ring;
	struct sk_buff *skb = ring->rx_skb;
	unsigned int frames = 0, bytes = 0, refilled = 0, doorbells = 0;
	u64 drops = 0, alloc_failed = 0, csum_err = 0;
	u16 ntc = ring->next_to_clean;

	while (frames < budget) {
		union kpn_rx_desc *desc = KPN_RX_DESC(ring, ntc);
		struct kpn_rx_buffer *buf = &ring->rx_buf[ntc];
		struct page *page = buf->page;
		unsigned int size;
		u32 staterr;
		u32 hash;
		u16 type;

		staterr = le32_to_cpu(desc->wb.status_error);
		if (!(staterr & KPN_RXD_STAT_DD))
			break;
		/* no other descriptor field before DD is seen */
		dma_rmb();
		size = le16_to_cpu(desc->wb.length);
		/* read before the slot is rewritten below (PCSD: the hash) */
		hash = le32_to_cpu(desc->wb.rss);
		type = le16_to_cpu(desc->wb.pkt_info) & KPN_RXD_RSS_TYPE_MASK;
		dma_sync_single_range_for_cpu(ring->dev,
					      page_pool_get_dma_addr(page),
					      KPN_RX_HEADROOM, size,
					      DMA_FROM_DEVICE);

		if (unlikely(!kpn_rx_fill_slot(ring, ntc, GFP_ATOMIC))) {
			/* keep the page in the ring, lose the frame */
			alloc_failed++;
			dma_sync_single_range_for_device(ring->dev,
							 page_pool_get_dma_addr(page),
							 KPN_RX_HEADROOM, size,
							 DMA_FROM_DEVICE);
			if (!IS_ERR(skb))
				dev_kfree_skb_any(skb);
			skb = ERR_PTR(-ENOMEM);
		} else if (IS_ERR(skb) || !size) {
			page_pool_recycle_direct(ring->page_pool, page);
		} else {
			skb = kpn_rx_add_page(ring, skb, page, size);
			if (!skb)
				skb = ERR_PTR(-ENOMEM);
		}
		desc->read.pkt_addr = cpu_to_le64(buf->dma);
		desc->read.hdr_addr = 0;
		if (++ntc == ring->count)
			ntc = 0;
		refilled++;

		if (!(staterr & KPN_RXD_STAT_EOP))
			continue;

		frames++;
		if (IS_ERR_OR_NULL(skb) || (staterr & KPN_RX_FRAME_ERR) ||
		    skb->len < ETH_HLEN) {
			if (!IS_ERR_OR_NULL(skb))
				dev_kfree_skb_any(skb);
			skb = NULL;
			drops++;
			continue;
		}
		bytes += skb->len;
		csum_err += kpn_rx_checksum(ring, staterr, skb);
		kpn_rx_hash(ring, hash, type, skb);
		skb_record_rx_queue(skb, ring->queue_index);
		skb->protocol = eth_type_trans(skb, ring->netdev);
		napi_gro_receive(&q_vector->napi, skb);
		skb = NULL;
	}
	ring->rx_skb = skb;
	WRITE_ONCE(ring->next_to_clean, ntc);

	/* hand the refilled slots back: RDT one behind next_to_clean */
	if (refilled) {
		u16 tail = ntc ? ntc - 1 : ring->count - 1;
		u16 pending = (tail - ring->next_to_use + ring->count) %
			      ring->count;

		if (pending >= KPN_RX_REFILL_BATCH) {
			WRITE_ONCE(ring->next_to_use, tail);
			/* descriptors written before the device sees RDT */
			writel(tail, ring->tail);
			doorbells++;
		}
	}

	u64_stats_update_begin(&ring->stats.syncp);
	ring->stats.packets += frames - drops;
	ring->stats.bytes += bytes;
	ring->stats.drops += drops;
	ring->stats.alloc_failed += alloc_failed;
	ring->stats.csum_err += csum_err;
	ring->stats.doorbells += doorbells;
	u64_stats_update_end(&ring->stats.syncp);
	return frames;
}

/**
 * kpn_poll - NAPI poll of one queue vector: TX completions, then RX
 * @napi: the vector's NAPI context
 * @budget: RX frames allowed; 0 from netpoll (TX only)
 *
 * Return: work done; the vector's interrupt is enabled again only when
 * all work is done and napi_complete_done() agrees.
 */
int kpn_poll(struct napi_struct *napi, int budget)
{
	struct kpn_q_vector *q_vector = container_of(napi, struct kpn_q_vector,
						     napi);
	struct kpn_ring *tx_ring = q_vector->tx_ring;
	u16 tx_ntc = tx_ring ? tx_ring->next_to_clean : 0;
	bool clean_complete = true;
	int work = 0;

	if (tx_ring)
		clean_complete = kpn_clean_tx_irq(q_vector, budget);
	if (unlikely(budget <= 0))
		return budget;
	if (q_vector->rx_ring) {
		work = kpn_clean_rx_irq(q_vector, budget);
		if (work >= budget)
			clean_complete = false;
	}
	WRITE_ONCE(q_vector->polls, q_vector->polls + 1);
	/* the first poll after an interrupt tells whether it had a reason */
	if (READ_ONCE(q_vector->irq_poll)) {
		WRITE_ONCE(q_vector->irq_poll, false);
		if (!work && (!tx_ring || tx_ring->next_to_clean == tx_ntc))
			WRITE_ONCE(q_vector->spurious, q_vector->spurious + 1);
	}
	if (!clean_complete) {
		WRITE_ONCE(q_vector->polls_full, q_vector->polls_full + 1);
		return budget;
	}
	work = min(work, budget - 1);
	if (likely(napi_complete_done(napi, work)))
		kpn_irq_enable_queues(q_vector);
	return work;
}
