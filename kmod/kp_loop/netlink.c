// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: the "kp_loop" generic netlink family.
 *
 * DEV_GET (do/dump) reports devices of the caller's netns with their
 * configuration and counters; DEV_SET changes fault injection and the
 * administrative carrier (CAP_NET_ADMIN over the netns, so root in a
 * container may); DEV_*_NTF go to the "events" multicast group of the
 * device's netns.  Documented in
 * Documentation/netlink/specs/kp_loop.yaml.
 */
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <net/sock.h>

#include "kp_loop.h"

enum kp_loop_nl_groups {
	KP_LOOP_NLGRP_EVENTS,
};

static struct netlink_range_validation kp_loop_ppm_range = {
	.max = KP_LOOP_PPM_MAX,
};

static const struct nla_policy kp_loop_dev_get_policy[KP_LOOP_A_DEV_IFNAME + 1] = {
	[KP_LOOP_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[KP_LOOP_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

#define KP_LOOP_RO(what) \
	{ .type = NLA_REJECT, .reject_message = what " cannot be changed" }

static const struct nla_policy kp_loop_dev_set_policy[KP_LOOP_A_DEV_MAX + 1] = {
	[KP_LOOP_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[KP_LOOP_A_DEV_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[KP_LOOP_A_DEV_MODE] = KP_LOOP_RO("the mode"),
	[KP_LOOP_A_DEV_PEER_IFINDEX] = KP_LOOP_RO("the peer"),
	[KP_LOOP_A_DEV_PEER_NETNSID] = KP_LOOP_RO("the peer"),
	[KP_LOOP_A_DEV_CARRIER] = NLA_POLICY_MAX(NLA_U8, 1),
	[KP_LOOP_A_DEV_DROP_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_CORRUPT_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_DUP_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_STATS] = KP_LOOP_RO("statistics"),
	[KP_LOOP_A_DEV_MTU] = KP_LOOP_RO("the MTU (use rtnetlink)"),
	[KP_LOOP_A_DEV_SEED] = { .type = NLA_U64 },
	[KP_LOOP_A_DEV_GE_P_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_GE_R_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_GE_BAD_DROP_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_GE_GOOD_DROP_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &kp_loop_ppm_range),
	[KP_LOOP_A_DEV_PAD] = { .type = NLA_REJECT },
};

static struct genl_family kp_loop_genl_family;

static int kp_loop_nl_put_stats(struct sk_buff *skb, struct net_device *dev)
{
	struct kp_loop_stats_snap snap;
	struct nlattr *nest;
	unsigned int i;

	kp_loop_stats_sum(dev, &snap);

	nest = nla_nest_start(skb, KP_LOOP_A_DEV_STATS);
	if (!nest)
		return -EMSGSIZE;
	/* enum kp_loop_stat follows the order of KP_LOOP_A_STATS_* */
	BUILD_BUG_ON(KP_LOOP_A_STATS_TX_PACKETS + KP_LOOP_N_STATS - 1 !=
		     KP_LOOP_A_STATS_MAX);
	for (i = 0; i < KP_LOOP_N_STATS; i++) {
		if (nla_put_u64_64bit(skb, KP_LOOP_A_STATS_TX_PACKETS + i,
				      snap.ctr[i], KP_LOOP_A_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One message describing @dev; @cb is the dump it is part of, or NULL.
 * Caller holds RTNL: the configuration is written under it.
 */
static int kp_loop_nl_fill(struct sk_buff *skb, struct net_device *dev,
			   u32 portid, u32 seq, int flags, u8 cmd,
			   struct netlink_callback *cb)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	void *hdr;

	ASSERT_RTNL();

	hdr = genlmsg_put(skb, portid, seq, &kp_loop_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, KP_LOOP_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, KP_LOOP_A_DEV_IFNAME, dev->name) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_MODE, priv->mode) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_MTU, READ_ONCE(dev->mtu)) ||
	    nla_put_u8(skb, KP_LOOP_A_DEV_CARRIER, priv->admin_carrier) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_DROP_PPM, READ_ONCE(priv->drop_ppm)) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_CORRUPT_PPM,
			READ_ONCE(priv->corrupt_ppm)) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_DUP_PPM, READ_ONCE(priv->dup_ppm)) ||
	    nla_put_u64_64bit(skb, KP_LOOP_A_DEV_SEED, priv->fault.seed,
			      KP_LOOP_A_DEV_PAD) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_GE_P_PPM, priv->ge_p_ppm) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_GE_R_PPM, priv->ge_r_ppm) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_GE_BAD_DROP_PPM,
			priv->ge_bad_drop_ppm) ||
	    nla_put_u32(skb, KP_LOOP_A_DEV_GE_GOOD_DROP_PPM,
			priv->ge_good_drop_ppm))
		goto nla_put_failure;

	peer = rtnl_dereference(priv->peer);
	if (peer) {
		if (nla_put_u32(skb, KP_LOOP_A_DEV_PEER_IFINDEX, peer->ifindex))
			goto nla_put_failure;
		if (!net_eq(dev_net(dev), dev_net(peer))) {
			/* No id for a netns being dismantled. */
			int id = peernet2id_alloc(dev_net(dev), dev_net(peer),
						  GFP_KERNEL);

			if (id >= 0 &&
			    nla_put_s32(skb, KP_LOOP_A_DEV_PEER_NETNSID, id))
				goto nla_put_failure;
		}
	}

	if (kp_loop_nl_put_stats(skb, dev))
		goto nla_put_failure;

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Find the kp_loop device named by DEV_IFINDEX or DEV_IFNAME in the
 * caller's netns; when both are given they must name the same device.
 * Caller holds RTNL; no reference is taken.
 */
static struct net_device *kp_loop_nl_dev(struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;
	struct nlattr *attr;

	if (attrs[KP_LOOP_A_DEV_IFINDEX]) {
		attr = attrs[KP_LOOP_A_DEV_IFINDEX];
		dev = __dev_get_by_index(net, nla_get_u32(attr));
	} else if (attrs[KP_LOOP_A_DEV_IFNAME]) {
		attr = attrs[KP_LOOP_A_DEV_IFNAME];
		dev = __dev_get_by_name(net, nla_data(attr));
	} else {
		NL_SET_ERR_MSG(extack, "device ifindex or ifname required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, KP_LOOP_A_DEV_IFINDEX);
		return ERR_PTR(-EINVAL);
	}

	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (attrs[KP_LOOP_A_DEV_IFINDEX] && attrs[KP_LOOP_A_DEV_IFNAME] &&
	    nla_strcmp(attrs[KP_LOOP_A_DEV_IFNAME], dev->name)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[KP_LOOP_A_DEV_IFNAME],
				    "ifname does not match the device of ifindex");
		return ERR_PTR(-EINVAL);
	}
	if (!kp_loop_is_kp_loop(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not a kp_loop device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int kp_loop_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	dev = kp_loop_nl_dev(info);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_unlock;
	}
	err = kp_loop_nl_fill(msg, dev, info->snd_portid, info->snd_seq, 0,
			      KP_LOOP_CMD_DEV_GET, NULL);
	if (err)
		goto err_unlock;
	rtnl_unlock();

	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

/* The kp_loop device of @net with the lowest ifindex above @after. */
static struct net_device *kp_loop_nl_next_dev(struct net *net, int after)
{
	struct net_device *dev, *next = NULL;

	for_each_netdev(net, dev) {
		if (kp_loop_is_kp_loop(dev) && dev->ifindex > after &&
		    (!next || dev->ifindex < next->ifindex))
			next = dev;
	}
	return next;
}

/*
 * Devices in ifindex order; cb->args[0] is the ifindex of the last one
 * sent, so a dump resumes after it whatever was added or removed in
 * between (a device is never sent twice, and one that lived through the
 * whole dump is never missed).  Any change to the netns' device list
 * between the parts sets NLM_F_DUMP_INTR (dev_base_seq).  Under RTNL, the
 * lock the configuration is written under; the list walk is O(n) per
 * device, fine for the tens or hundreds of devices a test bed holds.
 */
static int kp_loop_nl_dev_get_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	int last = cb->args[0];
	struct net_device *dev;
	int err = 0;

	/* A dump takes no filter: one device is asked for with a do. */
	if (!last && nlmsg_attrlen(cb->nlh, GENL_HDRLEN) > 0) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes no filter: get one device with a do request");
		return -EINVAL;
	}

	rtnl_lock();
	cb->seq = READ_ONCE(net->dev_base_seq);
	while ((dev = kp_loop_nl_next_dev(net, last))) {
		err = kp_loop_nl_fill(skb, dev, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      KP_LOOP_CMD_DEV_GET, cb);
		if (err)
			break;
		last = dev->ifindex;
	}
	rtnl_unlock();

	cb->args[0] = last;
	/* A full skb ends this part of the dump; anything else is an error. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const int kp_loop_settable[] = {
	KP_LOOP_A_DEV_CARRIER, KP_LOOP_A_DEV_DROP_PPM,
	KP_LOOP_A_DEV_CORRUPT_PPM, KP_LOOP_A_DEV_DUP_PPM, KP_LOOP_A_DEV_SEED,
	KP_LOOP_A_DEV_GE_P_PPM, KP_LOOP_A_DEV_GE_R_PPM,
	KP_LOOP_A_DEV_GE_BAD_DROP_PPM, KP_LOOP_A_DEV_GE_GOOD_DROP_PPM,
};

/* Store @attr's u32 in *@val; true if that changed it. */
static bool kp_loop_nl_set_u32(u32 *val, const struct nlattr *attr)
{
	u32 new;

	if (!attr)
		return false;
	new = nla_get_u32(attr);
	if (new == *val)
		return false;
	WRITE_ONCE(*val, new);
	return true;
}

static int kp_loop_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct kp_loop_priv *priv;
	struct net_device *dev;
	bool changed = false;
	unsigned int i;
	bool carrier;

	for (i = 0; i < ARRAY_SIZE(kp_loop_settable); i++)
		if (attrs[kp_loop_settable[i]])
			break;
	if (i == ARRAY_SIZE(kp_loop_settable)) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to change: give carrier or a fault rate");
		return -EINVAL;
	}

	rtnl_lock();
	dev = kp_loop_nl_dev(info);
	if (IS_ERR(dev)) {
		rtnl_unlock();
		return PTR_ERR(dev);
	}
	priv = netdev_priv(dev);

	/* The policy validated every value: nothing below can fail. */
	changed |= kp_loop_nl_set_u32(&priv->drop_ppm,
				      attrs[KP_LOOP_A_DEV_DROP_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->corrupt_ppm,
				      attrs[KP_LOOP_A_DEV_CORRUPT_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->dup_ppm,
				      attrs[KP_LOOP_A_DEV_DUP_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->ge_p_ppm,
				      attrs[KP_LOOP_A_DEV_GE_P_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->ge_r_ppm,
				      attrs[KP_LOOP_A_DEV_GE_R_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->ge_bad_drop_ppm,
				      attrs[KP_LOOP_A_DEV_GE_BAD_DROP_PPM]);
	changed |= kp_loop_nl_set_u32(&priv->ge_good_drop_ppm,
				      attrs[KP_LOOP_A_DEV_GE_GOOD_DROP_PPM]);
	if (attrs[KP_LOOP_A_DEV_SEED] &&
	    nla_get_u64(attrs[KP_LOOP_A_DEV_SEED]) != priv->fault.seed)
		changed = true;
	/* Any fault setting restarts the decisions: a configuration set
	 * with a seed replays exactly, from its first frame.
	 */
	if (changed || attrs[KP_LOOP_A_DEV_SEED])
		kp_loop_fault_reset(priv, attrs[KP_LOOP_A_DEV_SEED] ?
				    nla_get_u64(attrs[KP_LOOP_A_DEV_SEED]) :
				    priv->fault.seed);
	kp_loop_faults_update(dev, kp_loop_faults_active(priv));
	if (attrs[KP_LOOP_A_DEV_CARRIER]) {
		carrier = nla_get_u8(attrs[KP_LOOP_A_DEV_CARRIER]);
		if (carrier != priv->admin_carrier) {
			priv->admin_carrier = carrier;
			kp_loop_update_carrier(dev);
			changed = true;
		}
	}

	if (changed)
		kp_loop_nl_notify(dev, KP_LOOP_CMD_DEV_CHANGE_NTF);
	rtnl_unlock();
	return 0;
}

/**
 * kp_loop_nl_notify - send a DEV_*_NTF event for @dev
 * @dev: a kp_loop device
 * @cmd: KP_LOOP_CMD_DEV_ADD_NTF, _DEL_NTF or _CHANGE_NTF
 *
 * Sent to the "events" group of the device's netns.  Caller holds RTNL.
 */
void kp_loop_nl_notify(struct net_device *dev, u8 cmd)
{
	struct net *net = dev_net(dev);
	struct sk_buff *msg;

	ASSERT_RTNL();

	if (!genl_has_listeners(&kp_loop_genl_family, net, KP_LOOP_NLGRP_EVENTS))
		return;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (kp_loop_nl_fill(msg, dev, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&kp_loop_genl_family, net, msg, 0,
				KP_LOOP_NLGRP_EVENTS, GFP_KERNEL);
}

static const struct genl_ops kp_loop_genl_ops[] = {
	{
		.cmd		= KP_LOOP_CMD_DEV_GET,
		.doit		= kp_loop_nl_dev_get_doit,
		.dumpit		= kp_loop_nl_dev_get_dumpit,
		.policy		= kp_loop_dev_get_policy,
		.maxattr	= ARRAY_SIZE(kp_loop_dev_get_policy) - 1,
	},
	{
		.cmd		= KP_LOOP_CMD_DEV_SET,
		.doit		= kp_loop_nl_dev_set_doit,
		.policy		= kp_loop_dev_set_policy,
		.maxattr	= ARRAY_SIZE(kp_loop_dev_set_policy) - 1,
		/* CAP_NET_ADMIN over the netns: root of a container too. */
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kp_loop_mcgrps[] = {
	[KP_LOOP_NLGRP_EVENTS] = { .name = KP_LOOP_MCGRP_EVENTS },
};

static struct genl_family kp_loop_genl_family __ro_after_init = {
	.name		= KP_LOOP_FAMILY_NAME,
	.version	= KP_LOOP_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= kp_loop_genl_ops,
	.n_ops		= ARRAY_SIZE(kp_loop_genl_ops),
	/* resv_start_op 0: every command has a policy, strict validation,
	 * and the reserved header byte checked, as for any new family.
	 */
	.mcgrps		= kp_loop_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kp_loop_mcgrps),
};

/**
 * kp_loop_nl_announce - send DEV_ADD_NTF for a device just created
 * @dev: a kp_loop device, registered and linked to its peer
 *
 * From then on the netdevice notifier reports the device leaving a netns
 * (DEV_DEL_NTF there: deletion or a move) and arriving in one (DEV_ADD_NTF
 * there, after a move).  Caller holds RTNL.
 */
void kp_loop_nl_announce(struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	priv->announced = true;
	kp_loop_nl_notify(dev, KP_LOOP_CMD_DEV_ADD_NTF);
}

/*
 * Exactly one DEV_DEL_NTF per device and netns it leaves, whatever the
 * path (ip link del of either end of a pair, netns teardown, rmmod, a
 * move): NETDEV_UNREGISTER is sent once per device in each case, while
 * dellink can be called twice for the same device (rmmod walks every
 * device, and a pair's first end already queued its peer).
 */
static int kp_loop_nl_netdev_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct kp_loop_priv *priv;

	if (!kp_loop_is_kp_loop(dev))
		return NOTIFY_DONE;
	priv = netdev_priv(dev);
	if (!priv->announced)	/* still being created */
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_REGISTER:	/* moved into dev_net(dev) */
		kp_loop_nl_notify(dev, KP_LOOP_CMD_DEV_ADD_NTF);
		break;
	case NETDEV_UNREGISTER:	/* leaving dev_net(dev) */
		kp_loop_nl_notify(dev, KP_LOOP_CMD_DEV_DEL_NTF);
		if (dev->reg_state == NETREG_UNREGISTERING)
			priv->announced = false;
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block kp_loop_nl_netdev_nb = {
	.notifier_call = kp_loop_nl_netdev_event,
};

int kp_loop_nl_init(void)
{
	int err;

	err = genl_register_family(&kp_loop_genl_family);
	if (err)
		return err;
	err = register_netdevice_notifier(&kp_loop_nl_netdev_nb);
	if (err)
		genl_unregister_family(&kp_loop_genl_family);
	return err;
}

/* After rtnl_link_unregister(): the deletions it made are reported. */
void kp_loop_nl_exit(void)
{
	unregister_netdevice_notifier(&kp_loop_nl_netdev_nb);
	genl_unregister_family(&kp_loop_genl_family);
}
