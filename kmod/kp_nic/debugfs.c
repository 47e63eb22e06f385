// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: debugfs, for tests: /sys/kernel/debug/kp_nic/<pci name>/
 *
 *   tx_hang	write 1: stop writing TDT, so frames stay on the ring, the
 *		stack's TX watchdog fires ndo_tx_timeout and the reset work
 *		recovers (and clears the fault); read: 1 while active.
 *   dma_fail_heads, dma_fail_frags
 *		write N: the next N TX mappings of skb heads (of page
 *		fragments) fail as if dma_map_single() (skb_frag_dma_map())
 *		had, so the unwinding is exercised: the frame is dropped and
 *		counted in tx_queue_0_dma_errors and tx_dropped; read: how
 *		many are left.
 */
#include <linux/debugfs.h>

#include "kp_nic.h"

static struct dentry *kpn_debugfs_root;

static int kpn_tx_hang_get(void *data, u64 *val)
{
	struct kpn_adapter *adapter = data;

	*val = test_bit(KPN_STATE_TX_HANG, &adapter->state);
	return 0;
}

static int kpn_tx_hang_set(void *data, u64 val)
{
	struct kpn_adapter *adapter = data;

	if (val > 1)
		return -EINVAL;
	if (val)
		set_bit(KPN_STATE_TX_HANG, &adapter->state);
	else
		clear_bit(KPN_STATE_TX_HANG, &adapter->state);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(kpn_tx_hang_fops, kpn_tx_hang_get, kpn_tx_hang_set,
			 "%llu\n");

void kpn_debugfs_add(struct kpn_adapter *adapter)
{
	adapter->debugfs = debugfs_create_dir(pci_name(adapter->pdev),
					      kpn_debugfs_root);
	debugfs_create_file_unsafe("tx_hang", 0600, adapter->debugfs, adapter,
				   &kpn_tx_hang_fops);
	debugfs_create_atomic_t("dma_fail_heads", 0600, adapter->debugfs,
				&adapter->dma_fail_heads);
	debugfs_create_atomic_t("dma_fail_frags", 0600, adapter->debugfs,
				&adapter->dma_fail_frags);
}

void kpn_debugfs_del(struct kpn_adapter *adapter)
{
	debugfs_remove_recursive(adapter->debugfs);
	adapter->debugfs = NULL;
}

void kpn_debugfs_init(void)
{
	kpn_debugfs_root = debugfs_create_dir(KPN_DRV_NAME, NULL);
}

void kpn_debugfs_exit(void)
{
	debugfs_remove_recursive(kpn_debugfs_root);
}
