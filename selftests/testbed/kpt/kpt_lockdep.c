// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_lockdep: a planted lock-order inversion (A then B, later B then A),
 * which lockdep must report although it never deadlocks here.
 */
#include <linux/module.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(kpt_a);
static DEFINE_MUTEX(kpt_b);

static int __init kpt_lockdep_init(void)
{
	mutex_lock(&kpt_a);
	mutex_lock(&kpt_b);
	mutex_unlock(&kpt_b);
	mutex_unlock(&kpt_a);

	/* The bug: the opposite order. */
	mutex_lock(&kpt_b);
	mutex_lock(&kpt_a);
	mutex_unlock(&kpt_a);
	mutex_unlock(&kpt_b);
	pr_info("kpt_lockdep: took A->B and B->A\n");
	return 0;
}

static void __exit kpt_lockdep_exit(void)
{
}

module_init(kpt_lockdep_init);
module_exit(kpt_lockdep_exit);
MODULE_DESCRIPTION("kpath test bed: a planted lock-order inversion");
MODULE_LICENSE("GPL");
