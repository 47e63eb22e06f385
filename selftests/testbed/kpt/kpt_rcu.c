// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_rcu: a planted rcu_dereference() outside any RCU read-side critical
 * section, which PROVE_RCU must report ("suspicious RCU usage").
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

struct kpt_obj {
	int val;
};

static struct kpt_obj __rcu *kpt_ptr;

static int __init kpt_rcu_init(void)
{
	struct kpt_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	rcu_assign_pointer(kpt_ptr, o);
	/* The bug: no rcu_read_lock() around the dereference. */
	pr_info("kpt_rcu: val %d\n", rcu_dereference(kpt_ptr)->val);
	return 0;
}

static void __exit kpt_rcu_exit(void)
{
	struct kpt_obj *o = rcu_replace_pointer(kpt_ptr, NULL, true);

	synchronize_rcu();
	kfree(o);
}

module_init(kpt_rcu_init);
module_exit(kpt_rcu_exit);
MODULE_DESCRIPTION("kpath test bed: a planted RCU misuse");
MODULE_LICENSE("GPL");
