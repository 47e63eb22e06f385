// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: PCI probe/remove, net_device operations, link watchdog, reset.
 *
 * Probe follows igb: enable the function, 64-bit DMA (32-bit fallback),
 * map BAR0, reset the MAC, validate the NVM, read the MAC address from it
 * (random if invalid), start autonegotiation over MDIC, set up interrupt
 * vectors, register the net_device.  The link comes up through LSC, with
 * a watchdog every 2 s as backstop.
 *
 * Locking: open/stop/MTU/reset run under RTNL; the reset work takes RTNL
 * and checks KPN_STATE_DOWN.  stats_lock guards the accumulation of the
 * clear-on-read statistics registers.  The datapath is per-ring: xmit
 * under the TX queue lock, cleanup in NAPI.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/tcp.h>
#include <net/genetlink.h>
#include <uapi/linux/kp_nic.h>

#include "kp_nic.h"

char kpn_driver_name[] = KPN_DRV_NAME;

static unsigned int int_mode = KPN_INT_MSIX;

static int kpn_int_mode_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mode;
	int err;

	err = kstrtouint(val, 0, &mode);
	if (err)
		return err;
	if (mode > KPN_INT_MSIX) {
		pr_err("int_mode=%u: must be 0 (INTx), 1 (MSI) or 2 (MSI-X)\n",
		       mode);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = mode;
	return 0;
}

static const struct kernel_param_ops kpn_int_mode_ops = {
	.set = kpn_int_mode_set,
	.get = param_get_uint,
};

module_param_cb(int_mode, &kpn_int_mode_ops, &int_mode, 0444);
MODULE_PARM_DESC(int_mode,
		 "Interrupt mode: 0 = INTx, 1 = MSI, 2 = MSI-X (default); falls back to the next lower mode");

unsigned int kpn_tx_doorbell_usecs;

static int kpn_db_usecs_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, KPN_MAX_DB_USECS);
}

static const struct kernel_param_ops kpn_db_usecs_ops = {
	.set = kpn_db_usecs_set,
	.get = param_get_uint,
};

module_param_cb(tx_doorbell_usecs, &kpn_db_usecs_ops, &kpn_tx_doorbell_usecs,
		0644);
MODULE_PARM_DESC(tx_doorbell_usecs,
		 "Under load, defer a TX doorbell (TDT write) by up to this many microseconds so that it covers more frames: 0 = off (default), at most 10000");

static const struct pci_device_id kpn_pci_tbl[] = {
	{ PCI_VDEVICE(INTEL, KPN_DEV_ID_82576) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kpn_pci_tbl);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

static void kpn_acc(struct kpn_hw *hw, u64 *acc, u32 reg)
{
	*acc += kpn_rd32(hw, reg);
}

/* low half first: reading the high half clears both */
static void kpn_acc64(struct kpn_hw *hw, u64 *acc, u32 lo, u32 hi)
{
	u64 l = kpn_rd32(hw, lo);

	*acc += l | (u64)kpn_rd32(hw, hi) << 32;
}

/**
 * kpn_update_stats - fold the clear-on-read counters into hw_stats
 * @adapter: the adapter
 *
 * Context: any but hard IRQ; takes stats_lock (BH).
 */
void kpn_update_stats(struct kpn_adapter *adapter)
{
	struct kpn_hw_stats *s = &adapter->hw_stats;
	struct kpn_hw *hw = &adapter->hw;

	if (pci_channel_offline(adapter->pdev))
		return;
	spin_lock_bh(&adapter->stats_lock);
	if (kpn_removed(hw))
		goto out;
	kpn_acc(hw, &s->crcerrs, KPN_CRCERRS);
	kpn_acc(hw, &s->algnerrc, KPN_ALGNERRC);
	kpn_acc(hw, &s->symerrs, KPN_SYMERRS);
	kpn_acc(hw, &s->rxerrc, KPN_RXERRC);
	kpn_acc(hw, &s->mpc, KPN_MPC);
	kpn_acc(hw, &s->scc, KPN_SCC);
	kpn_acc(hw, &s->ecol, KPN_ECOL);
	kpn_acc(hw, &s->mcc, KPN_MCC);
	kpn_acc(hw, &s->latecol, KPN_LATECOL);
	kpn_acc(hw, &s->colc, KPN_COLC);
	kpn_acc(hw, &s->dc, KPN_DC);
	kpn_acc(hw, &s->tncrs, KPN_TNCRS);
	kpn_acc(hw, &s->rlec, KPN_RLEC);
	kpn_acc(hw, &s->xonrxc, KPN_XONRXC);
	kpn_acc(hw, &s->xontxc, KPN_XONTXC);
	kpn_acc(hw, &s->xoffrxc, KPN_XOFFRXC);
	kpn_acc(hw, &s->xofftxc, KPN_XOFFTXC);
	kpn_acc(hw, &s->prc64, KPN_PRC64);
	kpn_acc(hw, &s->prc127, KPN_PRC127);
	kpn_acc(hw, &s->prc255, KPN_PRC255);
	kpn_acc(hw, &s->prc511, KPN_PRC511);
	kpn_acc(hw, &s->prc1023, KPN_PRC1023);
	kpn_acc(hw, &s->prc1522, KPN_PRC1522);
	kpn_acc(hw, &s->gprc, KPN_GPRC);
	kpn_acc(hw, &s->bprc, KPN_BPRC);
	kpn_acc(hw, &s->mprc, KPN_MPRC);
	kpn_acc(hw, &s->gptc, KPN_GPTC);
	kpn_acc64(hw, &s->gorc, KPN_GORCL, KPN_GORCH);
	kpn_acc64(hw, &s->gotc, KPN_GOTCL, KPN_GOTCH);
	kpn_acc(hw, &s->rnbc, KPN_RNBC);
	kpn_acc(hw, &s->ruc, KPN_RUC);
	kpn_acc(hw, &s->rfc, KPN_RFC);
	kpn_acc(hw, &s->roc, KPN_ROC);
	kpn_acc(hw, &s->rjc, KPN_RJC);
	kpn_acc64(hw, &s->tor, KPN_TORL, KPN_TORH);
	kpn_acc64(hw, &s->tot, KPN_TOTL, KPN_TOTH);
	kpn_acc(hw, &s->tpr, KPN_TPR);
	kpn_acc(hw, &s->tpt, KPN_TPT);
	kpn_acc(hw, &s->ptc64, KPN_PTC64);
	kpn_acc(hw, &s->ptc127, KPN_PTC127);
	kpn_acc(hw, &s->ptc255, KPN_PTC255);
	kpn_acc(hw, &s->ptc511, KPN_PTC511);
	kpn_acc(hw, &s->ptc1023, KPN_PTC1023);
	kpn_acc(hw, &s->ptc1522, KPN_PTC1522);
	kpn_acc(hw, &s->mptc, KPN_MPTC);
	kpn_acc(hw, &s->bptc, KPN_BPTC);
	kpn_acc(hw, &s->tsctc, KPN_TSCTC);
	kpn_acc(hw, &s->iac, KPN_IAC);
	/* a removal during the reads leaves ~0 sums: keep what came before */
out:
	spin_unlock_bh(&adapter->stats_lock);
}

static void kpn_get_stats64(struct net_device *netdev,
			    struct rtnl_link_stats64 *stats)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	struct kpn_hw_stats *hs = &adapter->hw_stats;
	struct kpn_ring_stats rs;
	unsigned int i;

	/* every ring, used or not: a channel change never takes counts back
	 * (the rings live from probe to remove)
	 */
	for (i = 0; i < KPN_MAX_QUEUES; i++) {
		kpn_ring_stats_read(adapter->rx_ring[i], &rs);
		stats->rx_packets += rs.packets;
		stats->rx_bytes += rs.bytes;
		stats->rx_dropped += rs.drops;
		kpn_ring_stats_read(adapter->tx_ring[i], &rs);
		stats->tx_packets += rs.packets;
		stats->tx_bytes += rs.bytes;
		stats->tx_dropped += rs.dma_err;
	}

	kpn_update_stats(adapter);
	spin_lock_bh(&adapter->stats_lock);
	stats->multicast = hs->mprc;
	stats->collisions = hs->colc;
	stats->rx_length_errors = hs->ruc + hs->roc;
	stats->rx_crc_errors = hs->crcerrs;
	stats->rx_frame_errors = hs->algnerrc;
	stats->rx_missed_errors = hs->mpc;
	stats->rx_errors = hs->rxerrc + hs->crcerrs + hs->algnerrc +
			   hs->ruc + hs->roc;
	stats->tx_aborted_errors = hs->ecol;
	stats->tx_window_errors = hs->latecol;
	stats->tx_carrier_errors = hs->tncrs;
	stats->tx_errors = hs->ecol + hs->latecol;
	spin_unlock_bh(&adapter->stats_lock);
}

/* ------------------------------------------------------------------ */
/* Link watchdog                                                       */

static void kpn_watchdog(struct timer_list *t)
{
	struct kpn_adapter *adapter = from_timer(adapter, t, watchdog_timer);

	schedule_work(&adapter->watchdog_task);
}

static void kpn_watchdog_task(struct work_struct *work)
{
	struct kpn_adapter *adapter = container_of(work, struct kpn_adapter,
						   watchdog_task);
	struct net_device *netdev = adapter->netdev;
	struct kpn_hw *hw = &adapter->hw;
	bool full_duplex = false;
	u32 speed = 0;
	bool up;

	if (test_bit(KPN_STATE_DOWN, &adapter->state) || kpn_removed(hw))
		return;
	up = kpn_link_up(hw, &speed, &full_duplex);
	if (up && !netif_carrier_ok(netdev)) {
		adapter->link_speed = speed;
		adapter->link_full_duplex = full_duplex;
		netdev_info(netdev, "NIC Link is Up %u Mbps %s Duplex\n",
			    speed, full_duplex ? "Full" : "Half");
		netif_carrier_on(netdev);
	} else if (!up && netif_carrier_ok(netdev)) {
		adapter->link_speed = 0;
		netdev_info(netdev, "NIC Link is Down\n");
		netif_carrier_off(netdev);
	}
	kpn_update_stats(adapter);

	/* Backstop for a lost interrupt: fire every queue vector. */
	if (adapter->int_mode == KPN_INT_MSIX) {
		u32 eics = 0;
		unsigned int i;

		for (i = 0; i < adapter->num_q_vectors; i++)
			eics |= adapter->q_vector[i]->eims_value;
		kpn_wr32(hw, KPN_EICS, eics);
	} else {
		kpn_wr32(hw, KPN_ICS, KPN_ICR_RXDMT0);
	}

	if (!test_bit(KPN_STATE_DOWN, &adapter->state))
		mod_timer(&adapter->watchdog_timer,
			  round_jiffies(jiffies + KPN_WATCHDOG_PERIOD));
}

/* ------------------------------------------------------------------ */
/* Receive filters                                                     */

static void kpn_set_rx_mode(struct net_device *netdev)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	struct kpn_hw *hw = &adapter->hw;
	u32 mta[KPN_MTA_REGS] = { };
	struct netdev_hw_addr *ha;
	unsigned int i, rar = 1;
	u32 rctl;

	rctl = kpn_rd32(hw, KPN_RCTL) & ~(KPN_RCTL_UPE | KPN_RCTL_MPE);
	if (netdev->flags & IFF_PROMISC) {
		rctl |= KPN_RCTL_UPE | KPN_RCTL_MPE;
	} else {
		if (netdev->flags & IFF_ALLMULTI)
			rctl |= KPN_RCTL_MPE;
		/* extra unicast addresses in RAR 1..15, else promiscuous */
		if (netdev_uc_count(netdev) > KPN_RAR_ENTRIES - 1) {
			rctl |= KPN_RCTL_UPE;
		} else {
			netdev_for_each_uc_addr(ha, netdev)
				kpn_set_rar(hw, rar++, ha->addr);
		}
	}
	for (; rar < KPN_RAR_ENTRIES; rar++)
		kpn_clear_rar(hw, rar);

	netdev_for_each_mc_addr(ha, netdev) {
		u32 hash = kpn_mta_hash(ha->addr);

		mta[hash >> 5] |= BIT(hash & 31);
	}
	for (i = 0; i < KPN_MTA_REGS; i++)
		kpn_wr32(hw, KPN_MTA(i), mta[i]);
	kpn_wr32(hw, KPN_RCTL, rctl);
}

/* ------------------------------------------------------------------ */
/* Bring-up and teardown                                               */

/**
 * kpn_configure - program MAC, rings, filters and interrupt routing for up
 * @adapter: the adapter, after a MAC reset; rings allocated
 *
 * Interrupts stay masked (kpn_up() unmasks them; the self-test polls).
 */
void kpn_configure(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;
	u32 rctl;

	kpn_set_rar(hw, 0, adapter->netdev->dev_addr);
	kpn_wr32(hw, KPN_CTRL_EXT,
		 kpn_rd32(hw, KPN_CTRL_EXT) | KPN_CTRL_EXT_DRV_LOAD);

	/* TX: pad short frames (silicon; the model ignores PSP), retransmit
	 * on late collision, collision threshold 15, distance 63.
	 */
	kpn_wr32(hw, KPN_TIPG, KPN_TIPG_DEFAULT);
	for (i = 0; i < adapter->num_q_vectors; i++)
		kpn_configure_tx_ring(adapter, adapter->tx_ring[i]);
	kpn_wr32(hw, KPN_TCTL, KPN_TCTL_EN | KPN_TCTL_PSP | KPN_TCTL_RTLC |
		 (15 << KPN_TCTL_CT_SHIFT) | (63 << KPN_TCTL_COLD_SHIFT));

	/* RX: IP and L4 checksum status; RSS over the queues in use; long
	 * frames up to the MTU; strip the FCS; broadcast.
	 */
	kpn_configure_rss(adapter);
	adapter->max_frame = adapter->netdev->mtu + ETH_HLEN + ETH_FCS_LEN +
			     VLAN_HLEN;
	kpn_wr32(hw, KPN_RLPML, adapter->max_frame);
	for (i = 0; i < adapter->num_q_vectors; i++)
		kpn_configure_rx_ring(adapter, adapter->rx_ring[i]);
	rctl = KPN_RCTL_EN | KPN_RCTL_BAM | KPN_RCTL_SECRC | KPN_RCTL_LPE |
	       KPN_RCTL_RDMTS_HALF;
	kpn_wr32(hw, KPN_RCTL, rctl);
	kpn_set_rx_mode(adapter->netdev);

	kpn_configure_interrupts(adapter);
}

/**
 * kpn_up - program the hardware from the rings and start the datapath
 * @adapter: the adapter; rings allocated, interrupts requested
 *
 * Context: RTNL.
 *
 * Return: 0 (the link follows through LSC / the watchdog).
 */
int kpn_up(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;

	kpn_configure(adapter);
	/* every reset drops the link: renegotiate (the model needs it) */
	if (kpn_phy_restart_aneg(hw))
		netdev_warn(adapter->netdev, "cannot restart autonegotiation\n");

	clear_bit(KPN_STATE_DOWN, &adapter->state);
	for (i = 0; i < adapter->num_q_vectors; i++)
		napi_enable(&adapter->q_vector[i]->napi);
	kpn_irq_enable(adapter);
	netif_tx_start_all_queues(adapter->netdev);
	mod_timer(&adapter->watchdog_timer, jiffies + 1);
	return 0;
}

/**
 * kpn_down - stop the datapath and reset the MAC
 * @adapter: the adapter
 *
 * Stops RX and TX, masks interrupts and waits for handlers, disables
 * NAPI, stops the watchdog, resets the MAC (which ends all DMA), then
 * frees what the TX ring still held.  RX buffers stay in their slots for
 * the next kpn_up().
 *
 * Context: RTNL.
 */
void kpn_down(struct kpn_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;

	set_bit(KPN_STATE_DOWN, &adapter->state);
	kpn_wr32(hw, KPN_RCTL, kpn_rd32(hw, KPN_RCTL) & ~KPN_RCTL_EN);
	/* with the queue locks: no ndo_start_xmit runs after this */
	netif_tx_disable(netdev);
	kpn_wr32(hw, KPN_TCTL, kpn_rd32(hw, KPN_TCTL) & ~KPN_TCTL_EN);
	kpn_flush(hw);

	kpn_irq_disable(adapter);
	for (i = 0; i < adapter->num_q_vectors; i++) {
		napi_disable(&adapter->q_vector[i]->napi);
		hrtimer_cancel(&adapter->tx_ring[i]->db_timer);
	}

	del_timer_sync(&adapter->watchdog_timer);
	cancel_work_sync(&adapter->watchdog_task);
	del_timer_sync(&adapter->watchdog_timer);

	netif_carrier_off(netdev);
	adapter->link_speed = 0;
	kpn_update_stats(adapter);

	if (!kpn_removed(hw) && kpn_hw_reset(hw))
		netdev_err(netdev, "MAC reset failed\n");
	for (i = 0; i < adapter->num_q_vectors; i++)
		kpn_clean_tx_ring(adapter->tx_ring[i]);
}

/**
 * kpn_reinit_locked - down and up again (reset, MTU change)
 * @adapter: the adapter
 *
 * Context: RTNL; the device is running.
 */
void kpn_reinit_locked(struct kpn_adapter *adapter)
{
	ASSERT_RTNL();
	kpn_down(adapter);
	adapter->reset_count++;
	kpn_up(adapter);
}

/**
 * kpn_resize_rings - give a running device rings of new sizes (ethtool -G)
 * @adapter: the adapter
 * @tx_count: TX descriptors
 * @rx_count: RX descriptors
 *
 * Memory for each ring that changes is allocated first, while traffic
 * still runs: when that fails the device keeps its rings and nothing
 * stops.  Then down, free the old memory, take the new, up.  What the TX
 * ring held is dropped (TCP retransmits it); the rings' counters stay.
 *
 * Context: RTNL; the device is running.
 *
 * Return: 0, or -ENOMEM with the device as it was.
 */
int kpn_resize_rings(struct kpn_adapter *adapter, u16 tx_count, u16 rx_count)
{
	struct kpn_ring *new_tx[KPN_MAX_QUEUES] = { };
	struct kpn_ring *new_rx[KPN_MAX_QUEUES] = { };
	unsigned int i, n = adapter->num_q_vectors;
	int err = 0;

	ASSERT_RTNL();
	for (i = 0; i < n && !err; i++) {
		if (tx_count != adapter->tx_ring[i]->count) {
			new_tx[i] = kpn_alloc_spare_ring(adapter->tx_ring[i],
							 tx_count, true);
			err = PTR_ERR_OR_ZERO(new_tx[i]);
			if (err)
				new_tx[i] = NULL;
		}
		if (!err && rx_count != adapter->rx_ring[i]->count) {
			new_rx[i] = kpn_alloc_spare_ring(adapter->rx_ring[i],
							 rx_count, false);
			err = PTR_ERR_OR_ZERO(new_rx[i]);
			if (err)
				new_rx[i] = NULL;
		}
	}
	if (err) {
		for (i = 0; i < n; i++) {
			kpn_free_spare_ring(new_tx[i], true);
			kpn_free_spare_ring(new_rx[i], false);
		}
		return err;
	}

	kpn_down(adapter);
	for (i = 0; i < n; i++) {
		if (new_tx[i]) {
			kpn_free_tx_ring(adapter->tx_ring[i]);
			kpn_ring_take(adapter->tx_ring[i], new_tx[i]);
		}
		if (new_rx[i]) {
			kpn_free_rx_ring(adapter->rx_ring[i]);
			kpn_ring_take(adapter->rx_ring[i], new_rx[i]);
		}
	}
	adapter->tx_ring_count = tx_count;
	adapter->rx_ring_count = rx_count;
	return kpn_up(adapter);
}

/**
 * kpn_set_queues - change the number of queue pairs (ethtool -L)
 * @adapter: the adapter
 * @count: queue pairs, 1..max_q_vectors
 *
 * A running device is closed (ndo_stop) and opened again with @count
 * pairs, its vectors and rings; the stack sees it running throughout,
 * its queues stopped meanwhile.  If it cannot be opened with @count, it
 * is opened with what it had; if that fails too, it is closed in the
 * stack as well.  An RSS table the user did not set is spread over the
 * new queues.
 *
 * Context: RTNL.
 *
 * Return: 0 or the error of the open with @count.
 */
int kpn_set_queues(struct kpn_adapter *adapter, unsigned int count)
{
	struct net_device *netdev = adapter->netdev;
	unsigned int old = adapter->num_q_vectors;
	bool running = netif_running(netdev) &&
		       !test_bit(KPN_STATE_TEST_CLOSED, &adapter->state);
	int err = 0;

	ASSERT_RTNL();
	if (running)
		kpn_close(netdev);
	adapter->num_q_vectors = count;
	if (!netif_is_rxfh_configured(netdev))
		kpn_rss_default_table(adapter);
	if (!running)
		return 0;
	err = kpn_open(netdev);
	if (!err)
		return 0;
	adapter->num_q_vectors = old;
	if (!netif_is_rxfh_configured(netdev))
		kpn_rss_default_table(adapter);
	if (kpn_open(netdev)) {
		set_bit(KPN_STATE_TEST_CLOSED, &adapter->state);
		dev_close(netdev);
	}
	return err;
}

static void kpn_free_rings(struct kpn_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		kpn_free_tx_ring(adapter->tx_ring[i]);
		kpn_free_rx_ring(adapter->rx_ring[i]);
	}
}

/* Ring memory for the queues in use; nothing stays allocated on error. */
static int kpn_setup_rings(struct kpn_adapter *adapter)
{
	unsigned int i;
	int err;

	for (i = 0; i < adapter->num_q_vectors; i++) {
		adapter->tx_ring[i]->count = adapter->tx_ring_count;
		adapter->rx_ring[i]->count = adapter->rx_ring_count;
		err = kpn_setup_tx_ring(adapter->tx_ring[i]);
		if (err)
			goto err;
		err = kpn_setup_rx_ring(adapter->rx_ring[i]);
		if (err) {
			kpn_free_tx_ring(adapter->tx_ring[i]);
			goto err;
		}
	}
	return 0;

err:
	while (i--) {
		kpn_free_tx_ring(adapter->tx_ring[i]);
		kpn_free_rx_ring(adapter->rx_ring[i]);
	}
	return err;
}

/*
 * XPS, set when the queue count changes (a user's own map survives down
 * and up): with n queues and c CPUs, TX queue i serves CPU i % c and the
 * CPUs j with j % n == i.  Every CPU has a queue, every queue a CPU, and a
 * queue's CPU is the one its vector's affinity hint names
 * (kpn_request_irqs()), so completions are cleaned where the frames were
 * sent.  A CPU with several queues spreads its flows over them by hash.
 */
static void kpn_set_xps(struct kpn_adapter *adapter)
{
	unsigned int n = adapter->num_q_vectors, c = num_online_cpus();
	unsigned int cpu, i;
	cpumask_var_t mask;

	if (adapter->xps_queues == n || !zalloc_cpumask_var(&mask, GFP_KERNEL))
		return;
	for (i = 0; i < n; i++) {
		cpumask_clear(mask);
		for_each_online_cpu(cpu)
			if (cpu % n == i || cpu == i % c)
				cpumask_set_cpu(cpu, mask);
		netif_set_xps_queue(adapter->netdev, mask, i);
	}
	free_cpumask_var(mask);
	adapter->xps_queues = n;
}

int kpn_open(struct net_device *netdev)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	int err;

	if (test_bit(KPN_STATE_REMOVED, &adapter->state))
		return -ENODEV;
	netif_carrier_off(netdev);

	err = kpn_setup_rings(adapter);
	if (err)
		goto err_rings;
	/* every cause is masked since the last MAC reset */
	err = kpn_request_irqs(adapter);
	if (err)
		goto err_irq;
	err = netif_set_real_num_tx_queues(netdev, adapter->num_q_vectors);
	if (!err)
		err = netif_set_real_num_rx_queues(netdev,
						   adapter->num_q_vectors);
	if (err)
		goto err_queues;
	kpn_set_xps(adapter);
	return kpn_up(adapter);

err_queues:
	kpn_free_irqs(adapter);
err_irq:
	kpn_hw_reset(&adapter->hw);
	kpn_free_rings(adapter);
err_rings:
	netdev_err(netdev, "open failed: %pe\n", ERR_PTR(err));
	return err;
}

int kpn_close(struct net_device *netdev)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	/* the self-test closed it and could not open it again */
	if (test_and_clear_bit(KPN_STATE_TEST_CLOSED, &adapter->state))
		return 0;

	kpn_down(adapter);
	kpn_free_irqs(adapter);
	kpn_free_rings(adapter);
	return 0;
}

static int kpn_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);

	netdev_dbg(netdev, "MTU %u -> %d\n", netdev->mtu, new_mtu);
	WRITE_ONCE(netdev->mtu, new_mtu);
	/*
	 * RX buffers are 2 KiB whatever the MTU (a longer frame spans
	 * several), so only the long-packet limit changes: live, without a
	 * reset or a link renegotiation.
	 */
	adapter->max_frame = new_mtu + ETH_HLEN + ETH_FCS_LEN + VLAN_HLEN;
	if (netif_running(netdev))
		kpn_wr32(&adapter->hw, KPN_RLPML, adapter->max_frame);
	return 0;
}

static int kpn_set_mac(struct net_device *netdev, void *p)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	struct sockaddr *addr = p;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;
	eth_hw_addr_set(netdev, addr->sa_data);
	kpn_set_rar(&adapter->hw, 0, netdev->dev_addr);
	return 0;
}

static void kpn_tx_timeout(struct net_device *netdev, unsigned int txqueue)
{
	struct kpn_adapter *adapter = netdev_priv(netdev);
	struct kpn_ring *ring = adapter->tx_ring[txqueue];

	adapter->tx_timeout_count++;
	netdev_err(netdev,
		   "TX queue %u timed out: TDH %u TDT %u next_to_use %u next_to_clean %u; resetting\n",
		   txqueue, kpn_rd32(&adapter->hw, KPN_TDH(ring->reg_idx)),
		   kpn_rd32(&adapter->hw, KPN_TDT(ring->reg_idx)),
		   ring->next_to_use, ring->next_to_clean);
	schedule_work(&adapter->reset_task);
}

static void kpn_reset_task(struct work_struct *work)
{
	struct kpn_adapter *adapter = container_of(work, struct kpn_adapter,
						   reset_task);

	rtnl_lock();
	if (netif_running(adapter->netdev) &&
	    !test_bit(KPN_STATE_REMOVED, &adapter->state)) {
		/* a test fault stops here: the reset is the recovery */
		clear_bit(KPN_STATE_TX_HANG, &adapter->state);
		kpn_reinit_locked(adapter);
	}
	rtnl_unlock();
}

/*
 * MACLEN (7 bits) and IPLEN (9 bits) of the context descriptor bound what
 * checksum offload can describe; longer headers go to software.
 */
static netdev_features_t kpn_features_check(struct sk_buff *skb,
					    struct net_device *dev,
					    netdev_features_t features)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return features;
	if (skb_network_offset(skb) > KPN_TXD_MAX_MACLEN ||
	    skb_checksum_start_offset(skb) - skb_network_offset(skb) >
	    KPN_TXD_MAX_IPLEN)
		return features & ~(NETIF_F_CSUM_MASK | NETIF_F_SCTP_CRC |
				    NETIF_F_GSO_MASK);
	/* QEMU's model clears FIN (and PSH) in every segment it cuts: the
	 * peer would see the end of the stream only after a retransmit, so
	 * a frame with FIN is segmented by the stack.  PSH is left to the
	 * model: TCP sets it on the last frame of every write, so most TSO
	 * frames carry it, and a Linux receiver only flushes GRO on it
	 * (Documentation/kp_nic.rst).
	 */
	if (skb_is_gso(skb) && (skb_shinfo(skb)->gso_type &
				(SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) &&
	    tcp_hdr(skb)->fin)
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

static const struct net_device_ops kpn_netdev_ops = {
	.ndo_open		= kpn_open,
	.ndo_stop		= kpn_close,
	.ndo_start_xmit		= kpn_xmit_frame,
	.ndo_get_stats64	= kpn_get_stats64,
	.ndo_set_rx_mode	= kpn_set_rx_mode,
	.ndo_set_mac_address	= kpn_set_mac,
	.ndo_change_mtu		= kpn_change_mtu,
	.ndo_tx_timeout		= kpn_tx_timeout,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_features_check	= kpn_features_check,
};

/**
 * kpn_is_kp_nic - whether a net_device is one of ours
 * @netdev: any net_device
 *
 * Return: true for a kp_nic device.
 */
bool kpn_is_kp_nic(const struct net_device *netdev)
{
	return netdev->netdev_ops == &kpn_netdev_ops;
}

/* ------------------------------------------------------------------ */
/* PCI                                                                 */

static void kpn_removed_cb(void *priv)
{
	struct kpn_adapter *adapter = priv;

	set_bit(KPN_STATE_REMOVED, &adapter->state);
	netdev_err(adapter->netdev, "PCIe link lost, device now detached\n");
	netif_device_detach(adapter->netdev);
}

static void kpn_free_q_vectors(struct kpn_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < KPN_MAX_QUEUES; i++) {
		struct kpn_q_vector *q_vector = adapter->q_vector[i];

		if (!q_vector)
			continue;
		netif_napi_del(&q_vector->napi);
		hrtimer_cancel(&q_vector->tx_ring->db_timer);
		kfree(q_vector->tx_ring);
		kfree(q_vector->rx_ring);
		kfree(q_vector);
		adapter->q_vector[i] = NULL;
		adapter->tx_ring[i] = NULL;
		adapter->rx_ring[i] = NULL;
	}
}

static int kpn_alloc_q_vectors(struct kpn_adapter *adapter)
{
	unsigned int i;

	for (i = 0; i < KPN_MAX_QUEUES; i++) {
		struct kpn_q_vector *q_vector;
		struct kpn_ring *tx, *rx;

		q_vector = kzalloc(sizeof(*q_vector), GFP_KERNEL);
		tx = kzalloc(sizeof(*tx), GFP_KERNEL);
		rx = kzalloc(sizeof(*rx), GFP_KERNEL);
		if (!q_vector || !tx || !rx) {
			kfree(q_vector);
			kfree(tx);
			kfree(rx);
			kpn_free_q_vectors(adapter);
			return -ENOMEM;
		}
		q_vector->adapter = adapter;
		q_vector->eitr = KPN_DEFAULT_EITR;
		netif_napi_add(adapter->netdev, &q_vector->napi, kpn_poll);
		tx->q_vector = q_vector;
		rx->q_vector = q_vector;
		tx->netdev = adapter->netdev;
		rx->netdev = adapter->netdev;
		tx->dev = &adapter->pdev->dev;
		rx->dev = &adapter->pdev->dev;
		tx->reg_idx = i;
		rx->reg_idx = i;
		tx->queue_index = i;
		rx->queue_index = i;
		hrtimer_init(&tx->db_timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_SOFT);
		tx->db_timer.function = kpn_tx_db_timer;
		u64_stats_init(&tx->stats.syncp);
		u64_stats_init(&rx->stats.syncp);
		q_vector->tx_ring = tx;
		q_vector->rx_ring = rx;
		adapter->q_vector[i] = q_vector;
		adapter->tx_ring[i] = tx;
		adapter->rx_ring[i] = rx;
	}
	return 0;
}

static int kpn_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct kpn_adapter *adapter;
	struct net_device *netdev;
	struct kpn_hw *hw;
	u8 mac[ETH_ALEN];
	int err;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (err) {
		dev_err(&pdev->dev, "no usable DMA configuration\n");
		goto err_dma;
	}
	err = pci_request_mem_regions(pdev, kpn_driver_name);
	if (err)
		goto err_dma;
	pci_set_master(pdev);

	netdev = alloc_etherdev_mq(sizeof(*adapter), KPN_MAX_QUEUES);
	if (!netdev) {
		err = -ENOMEM;
		goto err_alloc;
	}
	SET_NETDEV_DEV(netdev, &pdev->dev);
	pci_set_drvdata(pdev, netdev);
	adapter = netdev_priv(netdev);
	adapter->netdev = netdev;
	adapter->pdev = pdev;
	adapter->state = BIT(KPN_STATE_DOWN);
	adapter->int_mode = int_mode;
	adapter->tx_ring_count = KPN_DEFAULT_RING;
	adapter->rx_ring_count = KPN_DEFAULT_RING;
	spin_lock_init(&adapter->stats_lock);
	timer_setup(&adapter->watchdog_timer, kpn_watchdog, 0);
	INIT_WORK(&adapter->watchdog_task, kpn_watchdog_task);
	INIT_WORK(&adapter->reset_task, kpn_reset_task);

	hw = &adapter->hw;
	hw->removed_cb = kpn_removed_cb;
	hw->priv = adapter;
	adapter->io_addr = pci_iomap(pdev, 0, 0);
	hw->hw_addr = adapter->io_addr;
	if (!hw->hw_addr) {
		err = -EIO;
		goto err_ioremap;
	}

	netdev->netdev_ops = &kpn_netdev_ops;
	kpn_set_ethtool_ops(netdev);
	netdev->watchdog_timeo = KPN_TX_TIMEOUT;
	netdev->min_mtu = ETH_MIN_MTU;
	netdev->max_mtu = KPN_MAX_MTU;
	netdev->features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			   NETIF_F_SCTP_CRC | NETIF_F_TSO | NETIF_F_TSO6 |
			   NETIF_F_RXCSUM | NETIF_F_RXHASH | NETIF_F_HIGHDMA;
	netdev->hw_features = netdev->features;
	netdev->vlan_features = netdev->features;
	netdev->priv_flags |= IFF_UNICAST_FLT;

	err = kpn_hw_reset(hw);
	if (err) {
		dev_err(&pdev->dev, "MAC reset failed: %pe\n", ERR_PTR(err));
		goto err_hw;
	}
	err = kpn_nvm_validate(hw);
	if (err) {
		dev_err(&pdev->dev, "the NVM checksum is not valid: %pe\n",
			ERR_PTR(err));
		goto err_hw;
	}
	err = kpn_nvm_read_mac(hw, mac);
	if (err == -EADDRNOTAVAIL) {
		eth_hw_addr_random(netdev);
		dev_warn(&pdev->dev, "invalid MAC address %pM in the NVM, using random %pM\n",
			 mac, netdev->dev_addr);
	} else if (err) {
		dev_err(&pdev->dev, "cannot read the NVM: %pe\n", ERR_PTR(err));
		goto err_hw;
	} else {
		eth_hw_addr_set(netdev, mac);
	}
	ether_addr_copy(hw->mac, netdev->dev_addr);

	err = kpn_phy_init(hw);
	if (err) {
		dev_err(&pdev->dev, "PHY init failed: %pe\n", ERR_PTR(err));
		goto err_hw;
	}

	err = kpn_alloc_q_vectors(adapter);
	if (err)
		goto err_hw;
	err = kpn_init_interrupts(adapter);
	if (err)
		goto err_irq;
	/* igb's default: a queue pair per CPU, as many as the vectors allow */
	adapter->num_q_vectors = min(num_online_cpus(), adapter->max_q_vectors);
	kpn_rss_init(adapter);

	strscpy(netdev->name, "eth%d", sizeof(netdev->name));
	err = register_netdev(netdev);
	if (err)
		goto err_register;
	netif_carrier_off(netdev);
	kpn_debugfs_add(adapter);

	netdev_info(netdev, "Intel 82576 at %s: %pM, PHY %08x, %s interrupts, %u queue pair(s)\n",
		    pci_name(pdev), netdev->dev_addr, hw->phy_id,
		    kpn_int_mode_name(adapter->int_mode),
		    adapter->num_q_vectors);
	return 0;

err_register:
	kpn_clear_interrupts(adapter);
err_irq:
	kpn_free_q_vectors(adapter);
err_hw:
	pci_iounmap(pdev, adapter->io_addr);
err_ioremap:
	free_netdev(netdev);
err_alloc:
	pci_release_mem_regions(pdev);
err_dma:
	pci_disable_device(pdev);
	return err;
}

static void kpn_remove(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);
	struct kpn_adapter *adapter = netdev_priv(netdev);

	kpn_debugfs_del(adapter);
	unregister_netdev(netdev);
	/* closed: no timer, no interrupt; the works may still be queued */
	cancel_work_sync(&adapter->reset_task);
	cancel_work_sync(&adapter->watchdog_task);
	del_timer_sync(&adapter->watchdog_timer);

	kpn_wr32(&adapter->hw, KPN_CTRL_EXT,
		 kpn_rd32(&adapter->hw, KPN_CTRL_EXT) & ~KPN_CTRL_EXT_DRV_LOAD);
	kpn_clear_interrupts(adapter);
	kpn_free_q_vectors(adapter);
	WRITE_ONCE(adapter->hw.hw_addr, NULL);
	pci_iounmap(pdev, adapter->io_addr);
	free_netdev(netdev);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

static void kpn_shutdown(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);

	rtnl_lock();
	netif_device_detach(netdev);
	if (netif_running(netdev))
		kpn_close(netdev);
	rtnl_unlock();
	pci_disable_device(pdev);
}

static struct pci_driver kpn_driver = {
	.name		= KPN_DRV_NAME,
	.id_table	= kpn_pci_tbl,
	.probe		= kpn_probe,
	.remove		= kpn_remove,
	.shutdown	= kpn_shutdown,
};

static int __init kpn_init(void)
{
	int err;

	kpn_debugfs_init();
	/* the family first: it finds devices through the netdev lists, so
	 * it is ready (and finds none) before the first probe
	 */
	err = kpn_nl_init();
	if (err)
		goto err_nl;
	err = pci_register_driver(&kpn_driver);
	if (err)
		goto err_pci;
	return 0;

err_pci:
	kpn_nl_exit();
err_nl:
	kpn_debugfs_exit();
	return err;
}

/*
 * Devices first, then the family.  A request looks at a device only under
 * RTNL, which unregister_netdev() takes, and genl_unregister_family()
 * waits for the requests still running.
 */
static void __exit kpn_exit(void)
{
	pci_unregister_driver(&kpn_driver);
	kpn_nl_exit();
	kpn_debugfs_exit();
}

module_init(kpn_init);
module_exit(kpn_exit);

MODULE_DESCRIPTION("kpath: igb-style driver for the Intel 82576 (QEMU -device igb)");
MODULE_AUTHOR("kpath developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(KP_NIC_FAMILY_NAME);
