// SPDX-License-Identifier: GPL-2.0
/*
 * kp_loop: a loopback-style net_device, in loop or veth-like pair mode.
 *
 * See Documentation/kp_loop.rst.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "kp_loop.h"

static int __init kp_loop_init(void)
{
	int err;

	/* The family first: creating a link sends an event on it. */
	err = kp_loop_nl_init();
	if (err)
		return err;

	err = rtnl_link_register(&kp_loop_link_ops);
	if (err)
		goto err_nl_exit;
	return 0;

err_nl_exit:
	kp_loop_nl_exit();
	return err;
}

/* Deletes every kp_loop device in every netns, then the family. */
static void __exit kp_loop_exit(void)
{
	rtnl_link_unregister(&kp_loop_link_ops);
	kp_loop_nl_exit();
}

module_init(kp_loop_init);
module_exit(kp_loop_exit);

MODULE_AUTHOR("kpath developers");
MODULE_DESCRIPTION("Loopback-style net_device in loop or veth-like pair mode");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RTNL_LINK(KP_LOOP_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(KP_LOOP_FAMILY_NAME);
