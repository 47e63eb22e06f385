/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * kp_nic: an igb-style driver for the Intel 82576 (QEMU's -device igb).
 *
 * Generic netlink family KP_NIC_FAMILY_NAME: the driver's rings and
 * interrupt vectors as they are, read-only.  DEV_GET (do by ifindex or
 * ifname, or dump) reports each kp_nic device of the caller's network
 * namespace with one KP_NIC_A_DEV_RING nest per ring and one
 * KP_NIC_A_DEV_VECTOR nest per interrupt vector (repeated attributes, in
 * queue / vector order), present only while the device is up, and one
 * KP_NIC_A_DEV_RSS nest with the receive-side scaling set-up.
 * Documentation/netlink/specs/kp_nic.yaml is its YNL spec and
 * Documentation/kp_nic.rst says what each value means.
 */
#ifndef _UAPI_LINUX_KP_NIC_H
#define _UAPI_LINUX_KP_NIC_H

#define KP_NIC_FAMILY_NAME	"kp_nic"
#define KP_NIC_FAMILY_VERSION	1

enum kp_nic_irq_mode {
	KP_NIC_IRQ_MODE_INTX,
	KP_NIC_IRQ_MODE_MSI,
	KP_NIC_IRQ_MODE_MSIX,
};

enum kp_nic_ring_type {
	KP_NIC_RING_TYPE_RX,
	KP_NIC_RING_TYPE_TX,
};

enum kp_nic_vector_type {
	KP_NIC_VECTOR_TYPE_QUEUE,	/* MSI-X: its queue pair's rings (NAPI) */
	KP_NIC_VECTOR_TYPE_OTHER,	/* MSI-X: link and other causes */
	KP_NIC_VECTOR_TYPE_ALL,		/* MSI, INTx: every cause */
};

enum {
	KP_NIC_A_DEV_UNSPEC,
	KP_NIC_A_DEV_IFINDEX,		/* u32 */
	KP_NIC_A_DEV_IFNAME,		/* string */
	KP_NIC_A_DEV_PCI_ADDR,		/* string, "0000:00:0a.0" */
	KP_NIC_A_DEV_IRQ_MODE,		/* u32, enum kp_nic_irq_mode */
	KP_NIC_A_DEV_QUEUE_PAIRS,	/* u32 */
	KP_NIC_A_DEV_RUNNING,		/* u8: up, RING and VECTOR follow */
	KP_NIC_A_DEV_RING,		/* nest, repeated: KP_NIC_A_RING_* */
	KP_NIC_A_DEV_VECTOR,		/* nest, repeated: KP_NIC_A_VECTOR_* */
	KP_NIC_A_DEV_RSS,		/* nest: KP_NIC_A_RSS_* */

	__KP_NIC_A_DEV_MAX
};

#define KP_NIC_A_DEV_MAX (__KP_NIC_A_DEV_MAX - 1)

/*
 * One ring.  HEAD and TAIL are the hardware's registers (RDH/RDT or
 * TDH/TDT), left out when the read failed (device gone).  NEXT_TO_USE,
 * NEXT_TO_CLEAN and the counters are the driver's, read without stopping
 * the datapath: a snapshot, not consistent with the registers.
 */
enum {
	KP_NIC_A_RING_UNSPEC,
	KP_NIC_A_RING_PAD,
	KP_NIC_A_RING_INDEX,		/* u32, the stack's queue */
	KP_NIC_A_RING_TYPE,		/* u32, enum kp_nic_ring_type */
	KP_NIC_A_RING_VECTOR,		/* u32, KP_NIC_A_VECTOR_INDEX serving it */
	KP_NIC_A_RING_SIZE,		/* u32, descriptors */
	KP_NIC_A_RING_HEAD,		/* u32, hardware head */
	KP_NIC_A_RING_TAIL,		/* u32, hardware tail */
	KP_NIC_A_RING_NEXT_TO_USE,	/* u32 */
	KP_NIC_A_RING_NEXT_TO_CLEAN,	/* u32 */
	KP_NIC_A_RING_IN_FLIGHT,	/* u32, next_to_use - next_to_clean */
	KP_NIC_A_RING_BQL_LIMIT,	/* u32, TX: bytes BQL lets in flight */
	KP_NIC_A_RING_BQL_INFLIGHT,	/* u32, TX: bytes BQL counts in flight */
	KP_NIC_A_RING_DOORBELLS,	/* u64, tail writes */
	KP_NIC_A_RING_PACKETS,		/* u64 */
	KP_NIC_A_RING_BYTES,		/* u64 */
	KP_NIC_A_RING_RESTARTS,		/* u64, TX: queue woken */
	KP_NIC_A_RING_BUSY,		/* u64, TX: NETDEV_TX_BUSY returned */
	KP_NIC_A_RING_DMA_ERRORS,	/* u64, TX: mapping failed, dropped */
	KP_NIC_A_RING_ALLOC_FAILED,	/* u64, RX: no page for a refill */
	KP_NIC_A_RING_CSUM_ERRORS,	/* u64, RX: bad checksum reported */
	KP_NIC_A_RING_DROPS,		/* u64, RX: dropped by the driver */

	__KP_NIC_A_RING_MAX
};

#define KP_NIC_A_RING_MAX (__KP_NIC_A_RING_MAX - 1)

/* One interrupt vector; NAPI counters for vectors that poll rings only. */
enum {
	KP_NIC_A_VECTOR_UNSPEC,
	KP_NIC_A_VECTOR_PAD,
	KP_NIC_A_VECTOR_INDEX,		/* u32, MSI-X entry (0 for MSI, INTx) */
	KP_NIC_A_VECTOR_TYPE,		/* u32, enum kp_nic_vector_type */
	KP_NIC_A_VECTOR_NAME,		/* string, as in /proc/interrupts */
	KP_NIC_A_VECTOR_IRQ,		/* u32, Linux interrupt number */
	KP_NIC_A_VECTOR_INTERRUPTS,	/* u64, handled */
	KP_NIC_A_VECTOR_POLLS,		/* u64, NAPI polls */
	KP_NIC_A_VECTOR_POLLS_FULL,	/* u64, polls that used the budget */
	KP_NIC_A_VECTOR_SPURIOUS,	/* u64, interrupts that found nothing */

	__KP_NIC_A_VECTOR_MAX
};

#define KP_NIC_A_VECTOR_MAX (__KP_NIC_A_VECTOR_MAX - 1)

/*
 * Receive-side scaling, as programmed on every up (and live by ethtool -X
 * and -N).  The hardware hashes only with more than one queue pair.
 */
enum {
	KP_NIC_A_RSS_UNSPEC,
	KP_NIC_A_RSS_KEY,		/* binary, 40 bytes (RSSRK) */
	KP_NIC_A_RSS_TABLE,		/* binary, 128 bytes: a queue each (RETA) */
	KP_NIC_A_RSS_UDP4_PORTS,	/* u8: UDP over IPv4 hashes ports too */
	KP_NIC_A_RSS_UDP6_PORTS,	/* u8: UDP over IPv6 hashes ports too */

	__KP_NIC_A_RSS_MAX
};

#define KP_NIC_A_RSS_MAX (__KP_NIC_A_RSS_MAX - 1)

enum {
	KP_NIC_CMD_UNSPEC,
	KP_NIC_CMD_DEV_GET,		/* do (by ifindex or ifname) / dump */

	__KP_NIC_CMD_MAX
};

#define KP_NIC_CMD_MAX (__KP_NIC_CMD_MAX - 1)

#endif /* _UAPI_LINUX_KP_NIC_H */
