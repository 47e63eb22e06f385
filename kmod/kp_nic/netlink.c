// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: the "kp_nic" generic netlink family, read-only.
 *
 * DEV_GET (do/dump) reports the kp_nic devices of the caller's netns:
 * identity and interrupt mode, and while a device is up one RING nest per
 * ring and one VECTOR nest per interrupt vector, with the ring registers
 * read from the hardware.  Like ethtool -S and /proc/interrupts it needs
 * no privilege: the registers read (RDH, RDT, TDH, TDT) have no side
 * effect, and a request costs what ip link show does (RTNL, a few reads).
 * Documented in Documentation/netlink/specs/kp_nic.yaml and
 * Documentation/kp_nic.rst.
 */
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <uapi/linux/kp_nic.h>

#include "kp_nic.h"

/* attributes in a RING / VECTOR nest, at most (for kpn_nl_dev_size()) */
#define KPN_NL_RING_U32		11
#define KPN_NL_RING_U64		6
#define KPN_NL_VECTOR_U32	3
#define KPN_NL_VECTOR_U64	4

static const struct nla_policy kpn_nl_dev_get_policy[KP_NIC_A_DEV_IFNAME + 1] = {
	[KP_NIC_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[KP_NIC_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static struct genl_family kpn_genl_family;

/* A reply's payload for @adapter, at most (every optional attribute). */
static size_t kpn_nl_dev_size(const struct kpn_adapter *adapter)
{
	size_t ring = nla_total_size(0) +
		      KPN_NL_RING_U32 * nla_total_size(sizeof(u32)) +
		      KPN_NL_RING_U64 * nla_total_size_64bit(sizeof(u64));
	size_t vector = nla_total_size(0) +
			KPN_NL_VECTOR_U32 * nla_total_size(sizeof(u32)) +
			nla_total_size(sizeof_field(struct kpn_q_vector, name)) +
			KPN_NL_VECTOR_U64 * nla_total_size_64bit(sizeof(u64));

	return nla_total_size(sizeof(u32)) +			/* IFINDEX */
	       nla_total_size(IFNAMSIZ) +			/* IFNAME */
	       nla_total_size(strlen(pci_name(adapter->pdev)) + 1) +
	       2 * nla_total_size(sizeof(u32)) +		/* IRQ_MODE, QUEUE_PAIRS */
	       nla_total_size(sizeof(u8)) +			/* RUNNING */
	       2 * adapter->num_q_vectors * ring +
	       (adapter->num_q_vectors + 1) * vector +
	       nla_total_size(0) +				/* RSS */
	       nla_total_size(KPN_RSS_KEY_SIZE) +
	       nla_total_size(KPN_RETA_SIZE) +
	       2 * nla_total_size(sizeof(u8));			/* UDP4/6 */
}

/* The RSS nest: the adapter's key, table and UDP choice (RTNL). */
static int kpn_nl_put_rss(struct sk_buff *skb, struct kpn_adapter *adapter)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KP_NIC_A_DEV_RSS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, KP_NIC_A_RSS_KEY, KPN_RSS_KEY_SIZE, adapter->rss_key) ||
	    nla_put(skb, KP_NIC_A_RSS_TABLE, KPN_RETA_SIZE,
		    adapter->rss_indir) ||
	    nla_put_u8(skb, KP_NIC_A_RSS_UDP4_PORTS,
		       !!(adapter->rss_udp & KPN_MRQC_RSS_FIELD_IPV4_UDP)) ||
	    nla_put_u8(skb, KP_NIC_A_RSS_UDP6_PORTS,
		       !!(adapter->rss_udp & KPN_MRQC_RSS_FIELD_IPV6_UDP))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * kpn_nl_put_ring - one RING nest
 * @skb: the reply
 * @adapter: the ring's adapter
 * @ring: a TX or RX ring of a running device
 * @tx: @ring is a TX ring
 * @regs: read the head and tail registers (the device is still there)
 *
 * Context: RTNL held and the device up (kpn_nl_fill()).  RTNL keeps the
 * ring as it is: ndo_open sets it up (count, reg_idx, q_vector, the
 * descriptor memory), ndo_stop and the reset work tear it down, all under
 * RTNL.  next_to_use and next_to_clean are written by the datapath (xmit
 * under the TX queue lock, NAPI) with WRITE_ONCE(): read once each, they
 * are a snapshot, not consistent with each other nor with the registers.
 * The counters are read under their u64_stats sequence, BQL's state with
 * READ_ONCE() (written under the TX queue lock and in NAPI).  A register
 * that reads all ones (the device is gone: kpn_rd32() notices) is left
 * out.
 *
 * Return: 0, or -EMSGSIZE with nothing added.
 */
static int kpn_nl_put_ring(struct sk_buff *skb, struct kpn_adapter *adapter,
			   struct kpn_ring *ring, bool tx, bool regs)
{
	u8 q = ring->reg_idx;
	u32 count = ring->count;
	struct kpn_ring_stats st;
	struct nlattr *nest;
	u32 ntu, ntc, head, tail;

	ntu = READ_ONCE(ring->next_to_use);
	ntc = READ_ONCE(ring->next_to_clean);
	kpn_ring_stats_read(ring, &st);

	nest = nla_nest_start(skb, KP_NIC_A_DEV_RING);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KP_NIC_A_RING_INDEX, ring->queue_index) ||
	    nla_put_u32(skb, KP_NIC_A_RING_TYPE,
			tx ? KP_NIC_RING_TYPE_TX : KP_NIC_RING_TYPE_RX) ||
	    nla_put_u32(skb, KP_NIC_A_RING_VECTOR, ring->q_vector->v_idx) ||
	    nla_put_u32(skb, KP_NIC_A_RING_SIZE, count) ||
	    nla_put_u32(skb, KP_NIC_A_RING_NEXT_TO_USE, ntu) ||
	    nla_put_u32(skb, KP_NIC_A_RING_NEXT_TO_CLEAN, ntc) ||
	    nla_put_u32(skb, KP_NIC_A_RING_IN_FLIGHT,
			(ntu + count - ntc) % count))
		goto cancel;

	if (regs) {
		head = kpn_rd32(&adapter->hw, tx ? KPN_TDH(q) : KPN_RDH(q));
		tail = kpn_rd32(&adapter->hw, tx ? KPN_TDT(q) : KPN_RDT(q));
		if (head != ~0u &&
		    nla_put_u32(skb, KP_NIC_A_RING_HEAD, head))
			goto cancel;
		if (tail != ~0u &&
		    nla_put_u32(skb, KP_NIC_A_RING_TAIL, tail))
			goto cancel;
	}

#ifdef CONFIG_BQL
	if (tx) {
		struct dql *dql = &netdev_get_tx_queue(ring->netdev,
						       ring->queue_index)->dql;

		if (nla_put_u32(skb, KP_NIC_A_RING_BQL_LIMIT,
				READ_ONCE(dql->limit)) ||
		    nla_put_u32(skb, KP_NIC_A_RING_BQL_INFLIGHT,
				READ_ONCE(dql->num_queued) -
				READ_ONCE(dql->num_completed)))
			goto cancel;
	}
#endif

	if (nla_put_u64_64bit(skb, KP_NIC_A_RING_DOORBELLS, st.doorbells,
			      KP_NIC_A_RING_PAD) ||
	    nla_put_u64_64bit(skb, KP_NIC_A_RING_PACKETS, st.packets,
			      KP_NIC_A_RING_PAD) ||
	    nla_put_u64_64bit(skb, KP_NIC_A_RING_BYTES, st.bytes,
			      KP_NIC_A_RING_PAD))
		goto cancel;
	if (tx) {
		if (nla_put_u64_64bit(skb, KP_NIC_A_RING_RESTARTS, st.restart,
				      KP_NIC_A_RING_PAD) ||
		    nla_put_u64_64bit(skb, KP_NIC_A_RING_BUSY, st.busy,
				      KP_NIC_A_RING_PAD) ||
		    nla_put_u64_64bit(skb, KP_NIC_A_RING_DMA_ERRORS, st.dma_err,
				      KP_NIC_A_RING_PAD))
			goto cancel;
	} else {
		if (nla_put_u64_64bit(skb, KP_NIC_A_RING_ALLOC_FAILED,
				      st.alloc_failed, KP_NIC_A_RING_PAD) ||
		    nla_put_u64_64bit(skb, KP_NIC_A_RING_CSUM_ERRORS,
				      st.csum_err, KP_NIC_A_RING_PAD) ||
		    nla_put_u64_64bit(skb, KP_NIC_A_RING_DROPS, st.drops,
				      KP_NIC_A_RING_PAD))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* What one VECTOR nest reports; @napi: it polls rings (POLLS and on). */
struct kpn_nl_vector {
	u32 index;
	u32 type;
	const char *name;
	u64 interrupts;
	u64 polls;
	u64 polls_full;
	u64 spurious;
	bool napi;
};

static int kpn_nl_put_vector(struct sk_buff *skb, struct kpn_adapter *adapter,
			     const struct kpn_nl_vector *v)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KP_NIC_A_DEV_VECTOR);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KP_NIC_A_VECTOR_INDEX, v->index) ||
	    nla_put_u32(skb, KP_NIC_A_VECTOR_TYPE, v->type) ||
	    nla_put_string(skb, KP_NIC_A_VECTOR_NAME, v->name) ||
	    nla_put_u32(skb, KP_NIC_A_VECTOR_IRQ, kpn_irq(adapter, v->index)) ||
	    nla_put_u64_64bit(skb, KP_NIC_A_VECTOR_INTERRUPTS, v->interrupts,
			      KP_NIC_A_VECTOR_PAD))
		goto cancel;
	if (v->napi &&
	    (nla_put_u64_64bit(skb, KP_NIC_A_VECTOR_POLLS, v->polls,
			       KP_NIC_A_VECTOR_PAD) ||
	     nla_put_u64_64bit(skb, KP_NIC_A_VECTOR_POLLS_FULL, v->polls_full,
			       KP_NIC_A_VECTOR_PAD) ||
	     nla_put_u64_64bit(skb, KP_NIC_A_VECTOR_SPURIOUS, v->spurious,
			       KP_NIC_A_VECTOR_PAD)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/**
 * kpn_nl_put_vectors - the VECTOR nests: MSI-X "other" first, then one
 *	per queue vector
 * @skb: the reply
 * @adapter: the adapter of a running device
 *
 * Context: RTNL held and the device up: the interrupts are requested
 * (ndo_open, under RTNL), so the vectors and their names are set.  Each
 * counter has one writer (its vector's handler or NAPI poll) storing with
 * WRITE_ONCE(); it is read with READ_ONCE().  In MSI and INTx mode the
 * interrupts that showed no cause at all are counted per adapter
 * (spurious_irqs, as ethtool -S shows them): the one vector reports them
 * in its interrupts and spurious.
 *
 * Return: 0 or -EMSGSIZE.
 */
static int kpn_nl_put_vectors(struct sk_buff *skb, struct kpn_adapter *adapter)
{
	bool msix = adapter->int_mode == KPN_INT_MSIX;
	struct kpn_nl_vector v;
	unsigned int i;

	if (msix) {
		v = (struct kpn_nl_vector){
			.index = KPN_OTHER_VECTOR,
			.type = KP_NIC_VECTOR_TYPE_OTHER,
			.name = adapter->netdev->name,	/* as requested */
			.interrupts = READ_ONCE(adapter->other_irqs),
		};
		if (kpn_nl_put_vector(skb, adapter, &v))
			return -EMSGSIZE;
	}
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct kpn_q_vector *q_vector = adapter->q_vector[i];

		v = (struct kpn_nl_vector){
			.index = q_vector->v_idx,
			.type = msix ? KP_NIC_VECTOR_TYPE_QUEUE :
				       KP_NIC_VECTOR_TYPE_ALL,
			.name = q_vector->name,
			.interrupts = READ_ONCE(q_vector->irqs),
			.polls = READ_ONCE(q_vector->polls),
			.polls_full = READ_ONCE(q_vector->polls_full),
			.spurious = READ_ONCE(q_vector->spurious),
			.napi = true,
		};
		if (!msix) {
			u64 none = READ_ONCE(adapter->spurious_irqs);

			v.interrupts += none;
			v.spurious += none;
		}
		if (kpn_nl_put_vector(skb, adapter, &v))
			return -EMSGSIZE;
	}
	return 0;
}

static u32 kpn_nl_irq_mode(enum kpn_int_mode mode)
{
	switch (mode) {
	case KPN_INT_MSIX:
		return KP_NIC_IRQ_MODE_MSIX;
	case KPN_INT_MSI:
		return KP_NIC_IRQ_MODE_MSI;
	default:
		return KP_NIC_IRQ_MODE_INTX;
	}
}

/**
 * kpn_nl_fill - one DEV_GET message describing @netdev
 * @skb: the message
 * @netdev: a kp_nic device
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @flags: NLM_F_MULTI in a dump
 * @cb: the dump this message belongs to, or NULL
 *
 * Context: RTNL held: it serializes this with ndo_open/ndo_stop and the
 * reset work, so "running" (netif_running() and not KPN_STATE_DOWN) stays
 * true or false while the rings are read.  The registers are read only
 * while the device has not been found gone (KPN_STATE_REMOVED) and its
 * PCI channel is online.
 *
 * Return: 0, or -EMSGSIZE with nothing added.
 */
static int kpn_nl_fill(struct sk_buff *skb, struct net_device *netdev,
		       u32 portid, u32 seq, int flags,
		       struct netlink_callback *cb)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	bool running, regs;
	unsigned int i;
	void *hdr;

	ASSERT_RTNL();

	hdr = genlmsg_put(skb, portid, seq, &kpn_genl_family, flags,
			  KP_NIC_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	running = netif_running(netdev) &&
		  !test_bit(KPN_STATE_DOWN, &adapter->state);
	if (nla_put_u32(skb, KP_NIC_A_DEV_IFINDEX, netdev->ifindex) ||
	    nla_put_string(skb, KP_NIC_A_DEV_IFNAME, netdev->name) ||
	    nla_put_string(skb, KP_NIC_A_DEV_PCI_ADDR,
			   pci_name(adapter->pdev)) ||
	    nla_put_u32(skb, KP_NIC_A_DEV_IRQ_MODE,
			kpn_nl_irq_mode(adapter->int_mode)) ||
	    nla_put_u32(skb, KP_NIC_A_DEV_QUEUE_PAIRS,
			adapter->num_q_vectors) ||
	    nla_put_u8(skb, KP_NIC_A_DEV_RUNNING, running))
		goto cancel;

	if (running) {
		regs = !test_bit(KPN_STATE_REMOVED, &adapter->state) &&
		       !pci_channel_offline(adapter->pdev);
		for (i = 0; i < adapter->num_q_vectors; i++) {
			if (kpn_nl_put_ring(skb, adapter, adapter->tx_ring[i],
					    true, regs) ||
			    kpn_nl_put_ring(skb, adapter, adapter->rx_ring[i],
					    false, regs))
				goto cancel;
		}
		if (kpn_nl_put_vectors(skb, adapter))
			goto cancel;
	}
	if (kpn_nl_put_rss(skb, adapter))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The kp_nic device named by DEV_IFINDEX or DEV_IFNAME in the caller's
 * netns; when both are given they must name the same device.  Caller
 * holds RTNL, which keeps the device registered; no reference is taken.
 */
static struct net_device *kpn_nl_dev(struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *netdev;
	struct nlattr *attr;

	if (attrs[KP_NIC_A_DEV_IFINDEX]) {
		attr = attrs[KP_NIC_A_DEV_IFINDEX];
		netdev = __dev_get_by_index(net, nla_get_u32(attr));
	} else if (attrs[KP_NIC_A_DEV_IFNAME]) {
		attr = attrs[KP_NIC_A_DEV_IFNAME];
		netdev = __dev_get_by_name(net, nla_data(attr));
	} else {
		NL_SET_ERR_MSG(extack, "device ifindex or ifname required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, KP_NIC_A_DEV_IFINDEX);
		return ERR_PTR(-EINVAL);
	}

	if (!netdev) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (attrs[KP_NIC_A_DEV_IFINDEX] && attrs[KP_NIC_A_DEV_IFNAME] &&
	    nla_strcmp(attrs[KP_NIC_A_DEV_IFNAME], netdev->name)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[KP_NIC_A_DEV_IFNAME],
				    "ifname does not match the device of ifindex");
		return ERR_PTR(-EINVAL);
	}
	if (!kpn_is_kp_nic(netdev)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not a kp_nic device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev;
}

static int kpn_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *netdev;
	struct sk_buff *msg;
	int err;

	rtnl_lock();
	netdev = kpn_nl_dev(info);
	if (IS_ERR(netdev)) {
		err = PTR_ERR(netdev);
		goto err_unlock;
	}
	msg = genlmsg_new(kpn_nl_dev_size(netdev_priv(netdev)), GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto err_unlock;
	}
	err = kpn_nl_fill(msg, netdev, info->snd_portid, info->snd_seq, 0,
			  NULL);
	if (err) {
		nlmsg_free(msg);
		goto err_unlock;
	}
	rtnl_unlock();

	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	return err;
}

/* The kp_nic device of @net with the lowest ifindex above @after. */
static struct net_device *kpn_nl_next_dev(struct net *net, int after)
{
	struct net_device *netdev, *next = NULL;

	for_each_netdev(net, netdev) {
		if (kpn_is_kp_nic(netdev) && netdev->ifindex > after &&
		    (!next || netdev->ifindex < next->ifindex))
			next = netdev;
	}
	return next;
}

/*
 * Devices in ifindex order, one message each; cb->args[0] is the ifindex
 * of the last one sent, so a dump resumes after it whatever came or went
 * in between.  A change to the netns' device list between the parts sets
 * NLM_F_DUMP_INTR (dev_base_seq).  Each part runs under RTNL, as a do.
 */
static int kpn_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	int last = cb->args[0];
	struct net_device *netdev;
	int err = 0;

	/* A dump takes no filter: one device is asked for with a do. */
	if (!last && nlmsg_attrlen(cb->nlh, GENL_HDRLEN) > 0) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes no filter: get one device with a do request");
		return -EINVAL;
	}

	rtnl_lock();
	cb->seq = READ_ONCE(net->dev_base_seq);
	while ((netdev = kpn_nl_next_dev(net, last))) {
		err = kpn_nl_fill(skb, netdev, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			break;
		last = netdev->ifindex;
	}
	rtnl_unlock();

	cb->args[0] = last;
	/* A full skb ends this part of the dump; anything else is an error. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_ops kpn_genl_ops[] = {
	{
		.cmd		= KP_NIC_CMD_DEV_GET,
		.doit		= kpn_nl_dev_get_doit,
		.dumpit		= kpn_nl_dev_get_dumpit,
		.policy		= kpn_nl_dev_get_policy,
		.maxattr	= ARRAY_SIZE(kpn_nl_dev_get_policy) - 1,
		/* read-only, as kp_loop's dev-get: no permission flag */
	},
};

static struct genl_family kpn_genl_family __ro_after_init = {
	.name		= KP_NIC_FAMILY_NAME,
	.version	= KP_NIC_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= kpn_genl_ops,
	.n_ops		= ARRAY_SIZE(kpn_genl_ops),
	/* resv_start_op 0: every command strictly validated, its reserved
	 * header byte checked, as for any new family
	 */
};

/**
 * kpn_nl_init - register the family
 *
 * Return: 0 or the genl_register_family() error.
 */
int kpn_nl_init(void)
{
	return genl_register_family(&kpn_genl_family);
}

/**
 * kpn_nl_exit - unregister the family; waits for running requests
 */
void kpn_nl_exit(void)
{
	genl_unregister_family(&kpn_genl_family);
}
