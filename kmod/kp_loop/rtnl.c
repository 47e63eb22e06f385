// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: rtnetlink link kind "kploop".
 *
 * `ip link add NAME type kploop` creates a loop-mode device.  A pair is
 * created with one RTM_NEWLINK whose IFLA_INFO_DATA nests IFLA_KPLOOP_PEER:
 * a struct ifinfomsg and the peer's IFLA_* attributes (name, netns, ...),
 * the way veth does it.  Deleting either end of a pair deletes both.
 * Either end may move to another netns (`ip link set DEV netns NS`).
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "kp_loop.h"

#define KP_LOOP_REJECT(msg) { .type = NLA_REJECT, .reject_message = msg }
#define KP_LOOP_FAULT_RO "fault injection is set over genetlink family kp_loop"

static const struct nla_policy kp_loop_policy[IFLA_KPLOOP_MAX + 1] = {
	[IFLA_KPLOOP_PEER] = { .len = sizeof(struct ifinfomsg) },
	[IFLA_KPLOOP_MODE] = KP_LOOP_REJECT("the mode follows from IFLA_KPLOOP_PEER"),
	[IFLA_KPLOOP_PEER_IFINDEX] = KP_LOOP_REJECT("attribute is read-only"),
	[IFLA_KPLOOP_CARRIER] = KP_LOOP_REJECT("carrier is set with IFLA_CARRIER"),
	[IFLA_KPLOOP_DROP_PPM] = KP_LOOP_REJECT(KP_LOOP_FAULT_RO),
	[IFLA_KPLOOP_CORRUPT_PPM] = KP_LOOP_REJECT(KP_LOOP_FAULT_RO),
	[IFLA_KPLOOP_DUP_PPM] = KP_LOOP_REJECT(KP_LOOP_FAULT_RO),
};

static int kp_loop_validate(struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "invalid link address length");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "invalid link address");
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

static void kp_loop_init_mode(struct net_device *dev, enum kp_loop_mode mode)
{
	struct kp_loop_priv *priv = netdev_priv(dev);

	priv->mode = mode;
	if (mode == KP_LOOP_MODE_LOOP)
		dev->features |= NETIF_F_LOOPBACK;
}

/* Create and register the peer described by IFLA_KPLOOP_PEER. */
static struct net_device *kp_loop_new_peer(struct net *src_net,
					   struct net_device *dev,
					   struct nlattr *nla_peer,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1];
	unsigned char name_assign_type;
	char ifname[IFNAMSIZ];
	struct ifinfomsg *ifmp;
	struct net_device *peer;
	struct net *net;
	int err;

	ifmp = nla_data(nla_peer);
	err = rtnl_nla_parse_ifinfomsg(peer_tb, nla_peer, extack);
	if (err < 0)
		return ERR_PTR(err);

	err = kp_loop_validate(peer_tb, NULL, extack);
	if (err < 0)
		return ERR_PTR(err);

	if (peer_tb[IFLA_IFNAME]) {
		nla_strscpy(ifname, peer_tb[IFLA_IFNAME], IFNAMSIZ);
		name_assign_type = NET_NAME_USER;
	} else {
		snprintf(ifname, IFNAMSIZ, "kploop%%d");
		name_assign_type = NET_NAME_ENUM;
	}

	net = rtnl_link_get_net(src_net, peer_tb);
	if (IS_ERR(net))
		return ERR_CAST(net);

	/* Creating a device in another netns needs the right to do so there. */
	if (!net_eq(net, src_net) && !ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack, "no CAP_NET_ADMIN in the peer's netns");
		put_net(net);
		return ERR_PTR(-EPERM);
	}

	peer = rtnl_create_link(net, ifname, name_assign_type,
				&kp_loop_link_ops, peer_tb, extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return peer;
	}

	if (!peer_tb[IFLA_ADDRESS])
		eth_hw_addr_random(peer);
	if (ifmp->ifi_index && dev->ifindex)
		peer->ifindex = ifmp->ifi_index;
	kp_loop_init_mode(peer, KP_LOOP_MODE_PAIR);

	/* The netns reference keeps @net alive until @peer is listed in it. */
	err = register_netdevice(peer);
	put_net(net);
	if (err < 0) {
		free_netdev(peer);
		return ERR_PTR(err);
	}
	netif_carrier_off(peer);

	err = rtnl_configure_link(peer, ifmp, 0, NULL);
	if (err < 0) {
		unregister_netdevice(peer);
		return ERR_PTR(err);
	}
	return peer;
}

static int kp_loop_newlink(struct net *src_net, struct net_device *dev,
			   struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct net_device *peer = NULL;
	struct kp_loop_priv *priv;
	int err;

	if (data && data[IFLA_KPLOOP_PEER]) {
		peer = kp_loop_new_peer(src_net, dev, data[IFLA_KPLOOP_PEER],
					extack);
		if (IS_ERR(peer))
			return PTR_ERR(peer);
	}

	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	kp_loop_init_mode(dev, peer ? KP_LOOP_MODE_PAIR : KP_LOOP_MODE_LOOP);

	err = register_netdevice(dev);
	if (err < 0)
		goto err_unregister_peer;
	netif_carrier_off(dev);

	if (peer) {
		priv = netdev_priv(dev);
		rcu_assign_pointer(priv->peer, peer);
		priv = netdev_priv(peer);
		rcu_assign_pointer(priv->peer, dev);
	}

	kp_loop_nl_announce(dev);
	if (peer)
		kp_loop_nl_announce(peer);
	return 0;

err_unregister_peer:
	if (peer)
		unregister_netdevice(peer);
	return err;
}

/*
 * Called from `ip link del`, netns teardown (default_device_exit_batch)
 * and rtnl_link_unregister() on module unload; always with RTNL held.
 * The latter two call it for both ends of a pair (queuing a device twice
 * is harmless).  Both ends always go in the same batch; the peer links
 * are cut in kp_loop_dev_uninit(), after the NETDEV_UNREGISTER notifier
 * has reported the device (DEV_DEL_NTF, netlink.c) with its peer.
 */
static void kp_loop_dellink(struct net_device *dev, struct list_head *head)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	unregister_netdevice_queue(dev, head);
	if (peer)
		unregister_netdevice_queue(peer, head);
}

static size_t kp_loop_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* IFLA_KPLOOP_MODE */
	       nla_total_size(sizeof(u32)) +	/* IFLA_KPLOOP_PEER_IFINDEX */
	       nla_total_size(sizeof(u8)) +	/* IFLA_KPLOOP_CARRIER */
	       nla_total_size(sizeof(u32)) +	/* IFLA_KPLOOP_DROP_PPM */
	       nla_total_size(sizeof(u32)) +	/* IFLA_KPLOOP_CORRUPT_PPM */
	       nla_total_size(sizeof(u32));	/* IFLA_KPLOOP_DUP_PPM */
}

static int kp_loop_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	if (nla_put_u32(skb, IFLA_KPLOOP_MODE, priv->mode) ||
	    (peer && nla_put_u32(skb, IFLA_KPLOOP_PEER_IFINDEX, peer->ifindex)) ||
	    nla_put_u8(skb, IFLA_KPLOOP_CARRIER, priv->admin_carrier) ||
	    nla_put_u32(skb, IFLA_KPLOOP_DROP_PPM, READ_ONCE(priv->drop_ppm)) ||
	    nla_put_u32(skb, IFLA_KPLOOP_CORRUPT_PPM,
			READ_ONCE(priv->corrupt_ppm)) ||
	    nla_put_u32(skb, IFLA_KPLOOP_DUP_PPM, READ_ONCE(priv->dup_ppm)))
		return -EMSGSIZE;
	return 0;
}

/* The netns of the peer, reported by the core as IFLA_LINK_NETNSID. */
static struct net *kp_loop_get_link_net(const struct net_device *dev)
{
	struct kp_loop_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

struct rtnl_link_ops kp_loop_link_ops = {
	.kind		= KP_LOOP_LINK_KIND,
	.priv_size	= sizeof(struct kp_loop_priv),
	.setup		= kp_loop_setup,
	.validate	= kp_loop_validate,
	.newlink	= kp_loop_newlink,
	.dellink	= kp_loop_dellink,
	.policy		= kp_loop_policy,
	.maxtype	= IFLA_KPLOOP_MAX,
	.get_size	= kp_loop_get_size,
	.fill_info	= kp_loop_fill_info,
	.get_link_net	= kp_loop_get_link_net,
};
