// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_netref: a planted leak of a net_device reference.  Unloading it
 * hangs in unregister_netdev() ("unregister_netdevice: waiting for
 * kptref0 to become free"), which scripts/vm-run must report.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>

static struct net_device *kpt_dev;

static netdev_tx_t kpt_netref_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops kpt_netref_ops = {
	.ndo_start_xmit = kpt_netref_xmit,
};

static void kpt_netref_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &kpt_netref_ops;
	eth_hw_addr_random(dev);
}

static int __init kpt_netref_init(void)
{
	int err;

	kpt_dev = alloc_netdev(0, "kptref%d", NET_NAME_ENUM, kpt_netref_setup);
	if (!kpt_dev)
		return -ENOMEM;
	err = register_netdev(kpt_dev);
	if (err) {
		free_netdev(kpt_dev);
		return err;
	}
	/* The bug: a reference that is never put. */
	dev_hold(kpt_dev);
	return 0;
}

static void __exit kpt_netref_exit(void)
{
	unregister_netdev(kpt_dev);
	free_netdev(kpt_dev);
}

module_init(kpt_netref_init);
module_exit(kpt_netref_exit);
MODULE_DESCRIPTION("kpath test bed: a planted net_device reference leak");
MODULE_LICENSE("GPL");
