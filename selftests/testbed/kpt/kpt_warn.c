// SPDX-License-Identifier: GPL-2.0
/*
 * kpt_warn: a planted WARN, which every kernel lane must report.
 */
#include <linux/module.h>

static int __init kpt_warn_init(void)
{
	WARN(1, "kpt_warn: planted warning\n");
	return 0;
}

static void __exit kpt_warn_exit(void)
{
}

module_init(kpt_warn_init);
module_exit(kpt_warn_exit);
MODULE_DESCRIPTION("kpath test bed: a planted WARN");
MODULE_LICENSE("GPL");
