// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_leak: 16 planted leaks, which kmemleak must report.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init kpt_leak_init(void)
{
	int i;

	/* The bug: allocations whose only reference is dropped. */
	for (i = 0; i < 16; i++) {
		void *p = kmalloc(256, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		memset(p, 0x5a, 256);
	}
	pr_info("kpt_leak: leaked 16 objects\n");
	return 0;
}

static void __exit kpt_leak_exit(void)
{
}

module_init(kpt_leak_init);
module_exit(kpt_leak_exit);
MODULE_DESCRIPTION("kpath test bed: planted memory leaks");
MODULE_LICENSE("GPL");
