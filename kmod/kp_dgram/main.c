// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dgram: a UDP-like datagram transport over IPv4 and IPv6.
 *
 * See Documentation/kp_dgram.rst.
 *
 * Registration order: the socket table, the per-netns state and the genl
 * family come first, then the protocol handlers and socket types of each
 * family; module exit undoes it in reverse.  Every socket holds a
 * reference on the module (proto.owner and proto_ops.owner), so exit
 * runs with no socket left; unregistering a handler waits for the ones
 * running (synchronize_net() in inet_del_protocol() and
 * inet6_del_protocol()).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "kp_dgram.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

u8 kp_dgram_proto __read_mostly = KP_DGRAM_PROTO_DEFAULT;

static int kp_dgram_param_set_proto(const char *val,
				    const struct kernel_param *kp)
{
	u8 proto;

	/* Anything but 253 or 254, out of a u8's range too, is EINVAL. */
	if (kstrtou8(val, 0, &proto) ||
	    (proto != KP_DGRAM_PROTO_DEFAULT && proto != KP_DGRAM_PROTO_ALT))
		return -EINVAL;
	*(u8 *)kp->arg = proto;
	return 0;
}

static const struct kernel_param_ops kp_dgram_param_proto_ops = {
	.set = kp_dgram_param_set_proto,
	.get = param_get_byte,
};

module_param_cb(proto, &kp_dgram_param_proto_ops, &kp_dgram_proto, 0444);
MODULE_PARM_DESC(proto, "IP protocol number: 253 (default) or 254 (RFC 3692)");

static unsigned int kp_dgram_net_id __read_mostly;

struct kp_dgram_net *kp_dgram_pernet(const struct net *net)
{
	return net_generic(net, kp_dgram_net_id);
}

/**
 * kp_dgram_stats_sum - add up one family's counters over the CPUs
 * @net: the namespace
 * @af: the family
 * @sum: the sums, in enum kp_dgram_mib_item order
 */
void kp_dgram_stats_sum(const struct net *net, enum kp_dgram_af af,
			u64 sum[KP_DGRAM_MIB_MAX])
{
	struct kp_dgram_net *kn = kp_dgram_pernet(net);
	int cpu, i;

	memset(sum, 0, sizeof(u64) * KP_DGRAM_MIB_MAX);
	for_each_possible_cpu(cpu) {
		const struct kp_dgram_mib *mib = per_cpu_ptr(kn->mib, cpu);

		for (i = 0; i < KP_DGRAM_MIB_MAX; i++)
			sum[i] += READ_ONCE(mib->ctr[af][i]);
	}
}

static int __net_init kp_dgram_net_init(struct net *net)
{
	struct kp_dgram_net *kn = kp_dgram_pernet(net);
	int err;

	kn->mib = alloc_percpu(struct kp_dgram_mib);
	if (!kn->mib)
		return -ENOMEM;
	kn->port_unreach = 1;

	err = kp_dgram_proc_init_net(net);
	if (err)
		free_percpu(kn->mib);
	return err;
}

static void __net_exit kp_dgram_net_exit(struct net *net)
{
	struct kp_dgram_net *kn = kp_dgram_pernet(net);

	kp_dgram_proc_exit_net(net);
	free_percpu(kn->mib);
}

static struct pernet_operations kp_dgram_net_ops = {
	.init	= kp_dgram_net_init,
	.exit	= kp_dgram_net_exit,
	.id	= &kp_dgram_net_id,
	.size	= sizeof(struct kp_dgram_net),
};

static int __init kp_dgram_init(void)
{
	int err;

	err = kp_dgram_table_init();
	if (err)
		return err;
	err = register_pernet_subsys(&kp_dgram_net_ops);
	if (err)
		goto err_table;
	err = kp_dgram_nl_init();
	if (err)
		goto err_pernet;
	err = kp_dgram4_init();
	if (err)
		goto err_nl;
	err = kp_dgram6_init();
	if (err)
		goto err_4;

	pr_info("protocol %u registered for IPv4 and IPv6\n", kp_dgram_proto);
	return 0;

err_4:
	kp_dgram4_exit();
err_nl:
	kp_dgram_nl_exit();
err_pernet:
	unregister_pernet_subsys(&kp_dgram_net_ops);
err_table:
	kp_dgram_table_exit();
	return err;
}

static void __exit kp_dgram_exit(void)
{
	kp_dgram6_exit();
	kp_dgram4_exit();
	kp_dgram_nl_exit();
	unregister_pernet_subsys(&kp_dgram_net_ops);
	kp_dgram_table_exit();
}

module_init(kp_dgram_init);
module_exit(kp_dgram_exit);

MODULE_AUTHOR("kpath developers");
MODULE_DESCRIPTION("UDP-like datagram transport for IPv4 and IPv6 (IP protocol 253)");
MODULE_LICENSE("GPL");
/*
 * socket(AF_INET{,6}, SOCK_DGRAM, 253) loads the module, as for l2tp_ip;
 * 2 is SOCK_DGRAM, an enum the preprocessor cannot turn into a number.
 */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, 253, 2);
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET6, 253, 2);
MODULE_ALIAS_GENL_FAMILY(KP_DGRAM_FAMILY_NAME);
