// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_clean: the control case of the test bed's self-test.  It allocates,
 * locks and frees correctly, so a run that loads it must pass on every
 * kernel, the debug kernel included.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static DEFINE_MUTEX(kpt_a);
static DEFINE_MUTEX(kpt_b);
static void *kpt_buf;

static int __init kpt_clean_init(void)
{
	kpt_buf = kzalloc(128, GFP_KERNEL);
	if (!kpt_buf)
		return -ENOMEM;
	mutex_lock(&kpt_a);
	mutex_lock(&kpt_b);
	mutex_unlock(&kpt_b);
	mutex_unlock(&kpt_a);
	pr_info("kpt_clean: loaded\n");
	return 0;
}

static void __exit kpt_clean_exit(void)
{
	kfree(kpt_buf);
}

module_init(kpt_clean_init);
module_exit(kpt_clean_exit);
MODULE_DESCRIPTION("kpath test bed: a clean module");
MODULE_LICENSE("GPL");
