// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_uaf: a planted use-after-free, which KASAN must report.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init kpt_uaf_init(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	kfree(p);
	/* The bug: a read of freed memory. */
	pr_info("kpt_uaf: read %d after free\n", READ_ONCE(p[8]));
	return 0;
}

static void __exit kpt_uaf_exit(void)
{
}

module_init(kpt_uaf_init);
module_exit(kpt_uaf_exit);
MODULE_DESCRIPTION("kpath test bed: a planted use-after-free");
MODULE_LICENSE("GPL");
