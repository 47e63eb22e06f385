/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_nic: an igb-style driver for the Intel 82576 (QEMU's -device igb).
 *
 * Objects, as in igb: one adapter per PCI function, owning the net_device;
 * q_vectors (one interrupt vector + one NAPI context each) owning one TX
 * and one RX ring; rings of advanced descriptors in coherent DMA memory
 * with a software buffer array beside them.
 *
 * Descriptor ownership (see Documentation/kp_nic.rst for the picture):
 * TX: the driver owns [next_to_clean, next_to_use) until it writes TDT;
 *     descriptors between next_to_clean and TDT belong to the hardware
 *     until DD is set on a packet's last (EOP/RS) descriptor.  Only
 *     ndo_start_xmit writes next_to_use (under the TX queue lock); only
 *     NAPI writes next_to_clean.
 * RX: every descriptor but one always holds a buffer; the hardware owns
 *     [RDH, RDT); the driver owns the rest, cleans from next_to_clean
 *     while DD is set, refills each slot as it cleans it and moves RDT once
 *     per poll.  Only NAPI touches the RX ring while the device is up.
 */
#ifndef _KP_NIC_H
#define _KP_NIC_H

#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "hw.h"

#define KPN_DRV_NAME		"kp_nic"

/* queue pairs: the model's 10 MSI-X vectors leave 9 after "other"; igb
 * offers 8 combined channels on it
 */
#define KPN_MAX_QUEUES		8
#define KPN_RSS_KEY_SIZE	40	/* RSSRK: 10 registers */
#define KPN_RETA_SIZE		128	/* RETA: 32 registers of 4 entries */

#define KPN_DEFAULT_RING	256
#define KPN_MIN_RING		64
#define KPN_MAX_RING		4096
#define KPN_RING_ALIGN		8	/* descriptors: RDLEN/TDLEN in 128 B */

#define KPN_RX_BUFSZ		2048	/* SRRCTL.BSIZEPKT, 1 KiB units */
#define KPN_RX_HDRSZ		256
#define KPN_RX_HEADROOM		(NET_SKB_PAD + NET_IP_ALIGN)
#define KPN_RX_PAGE_USE		(KPN_RX_HEADROOM + KPN_RX_BUFSZ + \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))
#define KPN_MAX_MTU		9000
#define KPN_MAX_FRAME		(KPN_MAX_MTU + ETH_HLEN + ETH_FCS_LEN + \
				 2 * VLAN_HLEN)
/* worst case per packet: context + head + frags, plus slack */
#define KPN_DESC_NEEDED		(MAX_SKB_FRAGS + 4)
#define KPN_TX_WAKE_THRESH	(2 * KPN_DESC_NEEDED)

/* EITR for the queue vectors: 196 is igb's "20k ints/s"; the model's unit
 * makes it about 200 us between messages (QEMU-IGB-82576.md, section 4).
 */
#define KPN_DEFAULT_EITR	196
/* ethtool rx-usecs: EITR bits 14:2 */
#define KPN_MAX_ITR_USECS	(KPN_EITR_INTERVAL_MASK >> 2)

/* tx_doorbell_usecs module parameter: upper bound */
#define KPN_MAX_DB_USECS	10000

#define KPN_WATCHDOG_PERIOD	(2 * HZ)
#define KPN_TX_TIMEOUT		(5 * HZ)

/* MSI-X: the vector of link and other causes; queue vectors follow */
#define KPN_OTHER_VECTOR	0

enum kpn_int_mode {
	KPN_INT_INTX,
	KPN_INT_MSI,
	KPN_INT_MSIX,
};

struct kpn_tx_buffer {
	union kpn_tx_desc *next_to_watch;	/* EOP descriptor, first only */
	struct sk_buff *skb;			/* first buffer only */
	unsigned int bytecount;
	unsigned short gso_segs;
	DEFINE_DMA_UNMAP_ADDR(dma);
	DEFINE_DMA_UNMAP_LEN(len);
};

struct kpn_rx_buffer {
	struct page *page;
	dma_addr_t dma;				/* of the data area */
};

/**
 * struct kpn_ring_stats - per-ring software counters
 * @packets: frames sent / received (an RX frame counts once, whatever its
 *	number of descriptors)
 * @bytes: bytes in them (Ethernet header included, FCS excluded)
 * @restart: TX: queue woken after being stopped for lack of descriptors
 * @busy: TX: ndo_start_xmit returned NETDEV_TX_BUSY (should never happen)
 * @dma_err: TX: DMA mapping failed, frame dropped
 * @doorbells: TDT / RDT writes
 * @alloc_failed: RX: no page for a refill; the frame is dropped and its
 *	buffer stays in the ring
 * @csum_err: RX: the hardware reported a bad L3/L4 checksum
 * @drops: RX: frames dropped by the driver (alloc_failed, frame errors,
 *	oversize chains)
 * @syncp: u64 consistency on 32-bit
 */
struct kpn_ring_stats {
	u64 packets;
	u64 bytes;
	u64 restart;
	u64 busy;
	u64 dma_err;
	u64 doorbells;
	u64 alloc_failed;
	u64 csum_err;
	u64 drops;
	struct u64_stats_sync syncp;
};

struct ethtool_test;
struct kpn_q_vector;

#define KPN_TX_DESC(r, i)	(&((union kpn_tx_desc *)(r)->desc)[i])
#define KPN_RX_DESC(r, i)	(&((union kpn_rx_desc *)(r)->desc)[i])

struct kpn_ring {
	struct kpn_q_vector *q_vector;
	struct net_device *netdev;
	struct device *dev;			/* for DMA */
	void *desc;				/* coherent descriptor memory */
	union {
		struct kpn_tx_buffer *tx_buf;
		struct kpn_rx_buffer *rx_buf;
	};
	struct page_pool *page_pool;		/* RX */
	struct sk_buff *rx_skb;			/* RX: frame being assembled */
	dma_addr_t dma;
	unsigned int size;			/* bytes of descriptors */
	u16 count;				/* descriptors */
	u8 reg_idx;				/* hardware queue */
	u8 queue_index;				/* stack's queue */
	u8 __iomem *tail;			/* TDT or RDT */
	/* written by the datapath with WRITE_ONCE() where the netlink
	 * family may read them (READ_ONCE(), a snapshot)
	 */
	u16 next_to_use;
	u16 next_to_clean;
	struct kpn_ring_stats stats;
	/* TX, deferred doorbells (kpn_tx_doorbell()); under the queue lock */
	struct hrtimer db_timer;
	u64 db_last;				/* local_clock() of last TDT */
};

/**
 * struct kpn_q_vector - one interrupt vector and its NAPI context
 * @adapter: owner
 * @napi: polls @tx_ring then @rx_ring
 * @eims_value: this vector's EIMS/EICR bit (MSI-X), else 0
 * @v_idx: MSI-X vector number (0 is the "other" vector in MSI-X mode)
 * @eitr: EITR value programmed on up
 * @irqs: interrupts taken
 * @polls: NAPI polls run
 * @polls_full: polls that used the whole budget
 * @spurious: interrupts whose poll found nothing to do (no TX descriptor
 *	reclaimed, no RX frame): the model's trailing EITR message, the
 *	watchdog's kick on an idle ring
 * @irq_poll: set by the handler when it scheduled NAPI for a queue
 *	cause; the next poll clears it and counts @spurious if it did no work
 * @name: interrupt name in /proc/interrupts
 *
 * The counters have one writer each (the vector's handler, or its NAPI
 * poll), which stores with WRITE_ONCE(); readers use READ_ONCE().
 */
struct kpn_q_vector {
	struct kpn_adapter *adapter;
	struct napi_struct napi;
	struct kpn_ring *tx_ring;
	struct kpn_ring *rx_ring;
	u32 eims_value;
	u16 v_idx;
	u16 eitr;
	u64 irqs;
	u64 polls;
	u64 polls_full;
	u64 spurious;
	bool irq_poll;
	char name[IFNAMSIZ + 16];
};

/* Hardware statistics, accumulated from the clear-on-read registers. */
struct kpn_hw_stats {
	u64 crcerrs, algnerrc, symerrs, rxerrc, mpc, scc, ecol, mcc, latecol;
	u64 colc, dc, tncrs, rlec, xonrxc, xontxc, xoffrxc, xofftxc;
	u64 prc64, prc127, prc255, prc511, prc1023, prc1522;
	u64 gprc, bprc, mprc, gptc, gorc, gotc, rnbc, ruc, rfc, roc, rjc;
	u64 tor, tot, tpr, tpt;
	u64 ptc64, ptc127, ptc255, ptc511, ptc1023, ptc1522;
	u64 mptc, bptc, tsctc, iac;
};

enum kpn_state {
	KPN_STATE_DOWN,		/* rings torn down or being torn down */
	KPN_STATE_RESETTING,	/* reset work owns the device */
	KPN_STATE_REMOVED,	/* registers read all ones: device gone */
	KPN_STATE_TX_HANG,	/* debugfs fault: TDT writes suppressed */
	KPN_STATE_TEST_CLOSED,	/* self-test could not reopen: ndo_stop
				 * has nothing left to do
				 */
};

/**
 * struct kpn_adapter - one 82576 function
 * @state: KPN_STATE_* bits
 * @stats_lock: serializes reads of the clear-on-read registers into
 *	@hw_stats (watchdog, ndo_get_stats64, ethtool -S)
 * @link_speed: Mb/s while the carrier is on, else 0
 * @int_mode: the interrupt mode in use
 * @num_q_vectors: queue pairs (and vectors) in use, 1..@max_q_vectors;
 *	changed under RTNL with the device closed (ethtool -L)
 * @max_q_vectors: queue vectors the interrupt mode allows (MSI-X: the
 *	vectors allocated minus "other"; MSI and INTx: 1).  All
 *	KPN_MAX_QUEUES q_vectors and rings exist from probe to remove, so
 *	lockless readers (ndo_get_stats64) never see one go away.
 * @xps_queues: the queue count kpn_set_xps() last mapped (0: none yet)
 * @rss_key: RSSRK contents
 * @rss_indir: RETA contents, one queue number per entry
 * @rss_udp: hash UDP ports too (ethtool -N rx-flow-hash udp4/udp6):
 *	KPN_MRQC_RSS_FIELD_IPV4_UDP / _IPV6_UDP bits
 * @tx_ring_count / @rx_ring_count: descriptors per ring, applied on up
 * @tx_timeout_count: ndo_tx_timeout calls
 * @reset_count: resets done by the reset work
 * @lsc_count: link status change interrupts
 * @other_irqs: interrupts on the MSI-X other vector, or non-queue causes
 * @spurious_irqs: INTx/MSI interrupts with no cause of ours
 * @dma_fail_heads / @dma_fail_frags: debugfs faults: that many TX
 *	mappings of skb heads / of fragments fail as if dma_map_*() had
 * @test_icr: the self-test's interrupt handler's ICR reads
 */
struct kpn_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	struct kpn_hw hw;
	u8 __iomem *io_addr;		/* BAR0 mapping, for pci_iounmap() */
	unsigned long state;

	enum kpn_int_mode int_mode;
	unsigned int num_q_vectors;
	unsigned int max_q_vectors;
	struct kpn_q_vector *q_vector[KPN_MAX_QUEUES];
	struct kpn_ring *tx_ring[KPN_MAX_QUEUES];
	struct kpn_ring *rx_ring[KPN_MAX_QUEUES];
	unsigned int xps_queues;
	u8 rss_key[KPN_RSS_KEY_SIZE];
	u8 rss_indir[KPN_RETA_SIZE];
	u32 rss_udp;
	u16 tx_ring_count;
	u16 rx_ring_count;
	u32 rx_buf_len;
	u32 max_frame;

	struct timer_list watchdog_timer;
	struct work_struct watchdog_task;
	struct work_struct reset_task;
	u32 link_speed;
	bool link_full_duplex;

	spinlock_t stats_lock;		/* see @stats_lock above */
	struct kpn_hw_stats hw_stats;
	u64 tx_timeout_count;
	u64 reset_count;
	u64 lsc_count;
	u64 other_irqs;
	u64 spurious_irqs;

	atomic_t dma_fail_heads;
	atomic_t dma_fail_frags;
	struct dentry *debugfs;
	u32 test_icr;
};

extern char kpn_driver_name[];
extern unsigned int kpn_tx_doorbell_usecs;

/* main.c */
void kpn_configure(struct kpn_adapter *adapter);
int kpn_open(struct net_device *netdev);
int kpn_close(struct net_device *netdev);
int kpn_up(struct kpn_adapter *adapter);
void kpn_down(struct kpn_adapter *adapter);
void kpn_reinit_locked(struct kpn_adapter *adapter);
int kpn_resize_rings(struct kpn_adapter *adapter, u16 tx_count, u16 rx_count);
int kpn_set_queues(struct kpn_adapter *adapter, unsigned int count);
void kpn_update_stats(struct kpn_adapter *adapter);
bool kpn_is_kp_nic(const struct net_device *netdev);

/* txrx.c */
int kpn_setup_tx_ring(struct kpn_ring *ring);
int kpn_setup_rx_ring(struct kpn_ring *ring);
void kpn_free_tx_ring(struct kpn_ring *ring);
enum hrtimer_restart kpn_tx_db_timer(struct hrtimer *timer);
void kpn_free_rx_ring(struct kpn_ring *ring);
void kpn_configure_tx_ring(struct kpn_adapter *adapter, struct kpn_ring *ring);
void kpn_configure_rx_ring(struct kpn_adapter *adapter, struct kpn_ring *ring);
void kpn_clean_tx_ring(struct kpn_ring *ring);
void kpn_clean_rx_ring(struct kpn_ring *ring);
netdev_tx_t kpn_xmit_frame(struct sk_buff *skb, struct net_device *netdev);
int kpn_poll(struct napi_struct *napi, int budget);
void kpn_ring_stats_read(struct kpn_ring *ring, struct kpn_ring_stats *out);
struct kpn_ring *kpn_alloc_spare_ring(const struct kpn_ring *ring, u16 count,
				      bool tx);
void kpn_free_spare_ring(struct kpn_ring *spare, bool tx);
void kpn_ring_take(struct kpn_ring *ring, struct kpn_ring *spare);

/* irq.c */
int kpn_init_interrupts(struct kpn_adapter *adapter);
void kpn_clear_interrupts(struct kpn_adapter *adapter);
int kpn_request_irqs(struct kpn_adapter *adapter);
void kpn_free_irqs(struct kpn_adapter *adapter);
void kpn_configure_interrupts(struct kpn_adapter *adapter);
void kpn_irq_enable(struct kpn_adapter *adapter);
void kpn_irq_disable(struct kpn_adapter *adapter);
void kpn_irq_enable_queues(struct kpn_q_vector *q_vector);
void kpn_write_eitr(struct kpn_adapter *adapter, struct kpn_q_vector *q_vector);
const char *kpn_int_mode_name(enum kpn_int_mode mode);
unsigned int kpn_irq(struct kpn_adapter *adapter, unsigned int vec);

/* ethtool.c */
void kpn_set_ethtool_ops(struct net_device *netdev);

/* rss.c */
void kpn_rss_init(struct kpn_adapter *adapter);
void kpn_rss_default_table(struct kpn_adapter *adapter);
void kpn_rss_write_table(struct kpn_adapter *adapter);
void kpn_rss_write_mrqc(struct kpn_adapter *adapter);
void kpn_configure_rss(struct kpn_adapter *adapter);

/* selftest.c */
int kpn_test_count(void);
void kpn_test_strings(u8 *data);
void kpn_self_test(struct net_device *netdev, struct ethtool_test *test,
		   u64 *data);

/* netlink.c */
int kpn_nl_init(void);
void kpn_nl_exit(void);

/* debugfs.c */
void kpn_debugfs_init(void);
void kpn_debugfs_exit(void);
void kpn_debugfs_add(struct kpn_adapter *adapter);
void kpn_debugfs_del(struct kpn_adapter *adapter);

#endif /* _KP_NIC_H */
