// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: interrupts.  MSI-X with vector 0 for "other" causes (link) and
 * one vector per queue vector; else one MSI; else INTx, shared.
 *
 * Flow (MSI-X): a queue cause sets its EICR bit; the device sends that
 * vector's message if the bit is newly set and enabled in EIMS, and then
 * clears the bit (EIAC).  The handler only schedules NAPI; the poll
 * cleans TX then RX, and once napi_complete_done() succeeds writes the
 * vector's EIMS bit.  Silicon masks the vector on the message (EIAM with
 * GPIE.EIAME); QEMU's model does not, so there the handler can run again
 * during a poll, which only marks NAPI as missed.  The "other" vector
 * reads ICR (GPIE.NSICR makes the read clear it: a cause left latched
 * would never interrupt again) and kicks the watchdog on a link change.
 *
 * MSI / INTx: every cause is in ICR; reading ICR clears it (and deasserts
 * INTx).  A read without INT_ASSERTED means the shared line was not ours.
 */
#include <linux/interrupt.h>

#include "kp_nic.h"

const char *kpn_int_mode_name(enum kpn_int_mode mode)
{
	switch (mode) {
	case KPN_INT_MSIX:
		return "MSI-X";
	case KPN_INT_MSI:
		return "MSI";
	default:
		return "INTx";
	}
}

static u32 kpn_queue_eims(struct kpn_adapter *adapter)
{
	u32 mask = 0;
	unsigned int i;

	for (i = 0; i < adapter->num_q_vectors; i++)
		mask |= adapter->q_vector[i]->eims_value;
	return mask;
}

/**
 * kpn_init_interrupts - choose the interrupt mode and allocate vectors
 * @adapter: the adapter, q_vectors allocated
 *
 * Tries the mode in adapter->int_mode (the int_mode module parameter)
 * and falls back: MSI-X, then MSI, then INTx.  MSI-X gets "other" plus
 * up to KPN_MAX_QUEUES queue vectors, at least one: max_q_vectors says
 * how many; MSI and INTx have one vector for everything.
 *
 * Return: 0 (INTx always works).
 */
int kpn_init_interrupts(struct kpn_adapter *adapter)
{
	struct pci_dev *pdev = adapter->pdev;
	unsigned int i;
	int nvec;

	if (adapter->int_mode == KPN_INT_MSIX) {
		nvec = pci_alloc_irq_vectors(pdev, 2, KPN_MAX_QUEUES + 1,
					     PCI_IRQ_MSIX);
		if (nvec >= 2) {
			adapter->max_q_vectors = nvec - 1;
			for (i = 0; i < adapter->max_q_vectors; i++) {
				adapter->q_vector[i]->v_idx = i + 1;
				adapter->q_vector[i]->eims_value = BIT(i + 1);
			}
			return 0;
		}
		dev_warn(&pdev->dev, "MSI-X unavailable, trying MSI\n");
		adapter->int_mode = KPN_INT_MSI;
	}
	adapter->max_q_vectors = 1;
	for (i = 0; i < KPN_MAX_QUEUES; i++) {
		adapter->q_vector[i]->v_idx = 0;
		adapter->q_vector[i]->eims_value = 0;
	}
	if (adapter->int_mode == KPN_INT_MSI) {
		if (pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI) == 1)
			return 0;
		dev_warn(&pdev->dev, "MSI unavailable, using INTx\n");
		adapter->int_mode = KPN_INT_INTX;
	}
	return 0;
}

/**
 * kpn_clear_interrupts - undo kpn_init_interrupts()
 * @adapter: the adapter, irqs freed
 */
void kpn_clear_interrupts(struct kpn_adapter *adapter)
{
	if (adapter->int_mode != KPN_INT_INTX)
		pci_free_irq_vectors(adapter->pdev);
}

/**
 * kpn_irq - the Linux interrupt number of a vector
 * @adapter: the adapter, vectors allocated (kpn_init_interrupts())
 * @vec: MSI-X entry; 0 in MSI and INTx mode
 *
 * Return: the interrupt number.
 */
unsigned int kpn_irq(struct kpn_adapter *adapter, unsigned int vec)
{
	if (adapter->int_mode == KPN_INT_INTX)
		return adapter->pdev->irq;
	return pci_irq_vector(adapter->pdev, vec);
}

static void kpn_link_event(struct kpn_adapter *adapter, u32 icr)
{
	if (!(icr & KPN_ICR_LSC))
		return;
	adapter->lsc_count++;
	if (!test_bit(KPN_STATE_DOWN, &adapter->state))
		schedule_work(&adapter->watchdog_task);
}

static irqreturn_t kpn_msix_other(int irq, void *data)
{
	struct kpn_adapter *adapter = data;
	struct kpn_hw *hw = &adapter->hw;
	u32 icr = kpn_rd32(hw, KPN_ICR);

	if (icr == ~0u)
		return IRQ_HANDLED;	/* device gone */
	adapter->other_irqs++;
	kpn_link_event(adapter, icr);
	if (!test_bit(KPN_STATE_DOWN, &adapter->state))
		kpn_wr32(hw, KPN_EIMS, BIT(KPN_OTHER_VECTOR));
	return IRQ_HANDLED;
}

static irqreturn_t kpn_msix_ring(int irq, void *data)
{
	struct kpn_q_vector *q_vector = data;

	WRITE_ONCE(q_vector->irqs, q_vector->irqs + 1);
	/* read by the poll this schedules (or by the running one) */
	WRITE_ONCE(q_vector->irq_poll, true);
	napi_schedule_irqoff(&q_vector->napi);
	return IRQ_HANDLED;
}

static irqreturn_t kpn_intr(int irq, void *data)
{
	struct kpn_adapter *adapter = data;
	struct kpn_q_vector *q_vector = adapter->q_vector[0];
	u32 icr = kpn_rd32(&adapter->hw, KPN_ICR);

	if (adapter->int_mode == KPN_INT_INTX &&
	    (icr == ~0u || !(icr & KPN_ICR_INT_ASSERTED)))
		return IRQ_NONE;	/* shared line, not ours */
	if (icr == ~0u)
		return IRQ_HANDLED;
	if (!(icr & ~KPN_ICR_INT_ASSERTED)) {
		adapter->spurious_irqs++;
		return IRQ_HANDLED;
	}
	if (icr & ~(KPN_ICR_INT_ASSERTED | KPN_ICR_TXDW | KPN_ICR_RXDW |
		    KPN_ICR_RXDMT0 | KPN_ICR_RXO))
		adapter->other_irqs++;
	kpn_link_event(adapter, icr);
	WRITE_ONCE(q_vector->irqs, q_vector->irqs + 1);
	/* a link change alone gives the poll nothing: not spurious */
	if (icr & (KPN_ICR_TXDW | KPN_ICR_RXDW | KPN_ICR_RXDMT0 | KPN_ICR_RXO))
		WRITE_ONCE(q_vector->irq_poll, true);
	napi_schedule_irqoff(&q_vector->napi);
	return IRQ_HANDLED;
}

static void kpn_free_queue_irq(struct kpn_adapter *adapter,
			       struct kpn_q_vector *q_vector)
{
	unsigned int irq = kpn_irq(adapter, q_vector->v_idx);

	irq_update_affinity_hint(irq, NULL);
	free_irq(irq, q_vector);
}

/**
 * kpn_request_irqs - request the vectors, named after the interface
 * @adapter: the adapter
 *
 * Return: 0 or the request_irq() error, with nothing requested.
 */
int kpn_request_irqs(struct kpn_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	unsigned int i;
	int err;

	if (adapter->int_mode != KPN_INT_MSIX) {
		struct kpn_q_vector *q_vector = adapter->q_vector[0];

		snprintf(q_vector->name, sizeof(q_vector->name), "%s",
			 netdev->name);
		return request_irq(kpn_irq(adapter, 0), kpn_intr,
				   adapter->int_mode == KPN_INT_INTX ?
				   IRQF_SHARED : 0, q_vector->name, adapter);
	}

	err = request_irq(kpn_irq(adapter, KPN_OTHER_VECTOR), kpn_msix_other,
			  0, netdev->name, adapter);
	if (err)
		return err;
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct kpn_q_vector *q_vector = adapter->q_vector[i];

		snprintf(q_vector->name, sizeof(q_vector->name), "%s-TxRx-%u",
			 netdev->name, i);
		err = request_irq(kpn_irq(adapter, q_vector->v_idx),
				  kpn_msix_ring, 0, q_vector->name, q_vector);
		if (err)
			goto err_unwind;
		/* vector i on CPU i, where XPS sends queue i's frames */
		irq_set_affinity_and_hint(kpn_irq(adapter, q_vector->v_idx),
					  cpumask_of(i % num_online_cpus()));
	}
	return 0;

err_unwind:
	while (i--)
		kpn_free_queue_irq(adapter, adapter->q_vector[i]);
	free_irq(kpn_irq(adapter, KPN_OTHER_VECTOR), adapter);
	return err;
}

/**
 * kpn_free_irqs - undo kpn_request_irqs()
 * @adapter: the adapter
 */
void kpn_free_irqs(struct kpn_adapter *adapter)
{
	unsigned int i;

	if (adapter->int_mode != KPN_INT_MSIX) {
		free_irq(kpn_irq(adapter, 0), adapter);
		return;
	}
	for (i = 0; i < adapter->num_q_vectors; i++)
		kpn_free_queue_irq(adapter, adapter->q_vector[i]);
	free_irq(kpn_irq(adapter, KPN_OTHER_VECTOR), adapter);
}

/**
 * kpn_configure_interrupts - program GPIE, IVAR and EITR for the mode
 * @adapter: the adapter, after a MAC reset
 *
 * IVAR is programmed in every mode: the model raises nothing for a TX
 * queue without a valid IVAR entry, MSI and INTx included.
 */
void kpn_configure_interrupts(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;

	if (adapter->int_mode != KPN_INT_MSIX) {
		kpn_wr32(hw, KPN_GPIE, 0);
		kpn_wr32(hw, KPN_IVAR(0), (KPN_IVAR_VALID << 8) | KPN_IVAR_VALID);
		kpn_write_eitr(adapter, adapter->q_vector[0]);
		return;
	}
	kpn_wr32(hw, KPN_GPIE, KPN_GPIE_NSICR | KPN_GPIE_MSIX_MODE |
		 KPN_GPIE_EIAME | KPN_GPIE_PBA);
	kpn_wr32(hw, KPN_IVAR_MISC, (KPN_OTHER_VECTOR | KPN_IVAR_VALID) << 8);
	kpn_wr32(hw, KPN_EITR(KPN_OTHER_VECTOR), 0);
	for (i = 0; i < adapter->num_q_vectors; i++) {
		struct kpn_q_vector *q_vector = adapter->q_vector[i];
		u32 entry = q_vector->v_idx | KPN_IVAR_VALID;

		/* byte 0: RX queue i, byte 1: TX queue i (i < 8) */
		kpn_wr32(hw, KPN_IVAR(i), entry | entry << 8);
		kpn_write_eitr(adapter, q_vector);
	}
}

/**
 * kpn_write_eitr - program a queue vector's moderation interval
 * @adapter: the adapter
 * @q_vector: the vector; its @eitr is the interval (0: none)
 *
 * CNT_IGNR leaves the running counter alone, so a change takes effect
 * from the next interrupt.  In MSI and INTx mode EITR0 moderates the one
 * interrupt (the silicon; QEMU's model moderates only MSI-X).
 */
void kpn_write_eitr(struct kpn_adapter *adapter, struct kpn_q_vector *q_vector)
{
	/* v_idx is 0 in MSI and INTx mode */
	kpn_wr32(&adapter->hw, KPN_EITR(q_vector->v_idx),
		 (q_vector->eitr & KPN_EITR_INTERVAL_MASK) | KPN_EITR_CNT_IGNR);
}

/**
 * kpn_irq_enable - unmask every cause the driver handles
 * @adapter: the adapter
 */
void kpn_irq_enable(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;

	if (adapter->int_mode == KPN_INT_MSIX) {
		u32 mask = kpn_queue_eims(adapter) | BIT(KPN_OTHER_VECTOR);

		/* auto-clear every vector's EICR bit, "other" included: a
		 * bit left set would keep its vector silent for good
		 */
		kpn_wr32(hw, KPN_EIAC, mask);
		kpn_wr32(hw, KPN_EIAM, mask);
		kpn_wr32(hw, KPN_EIMS, mask);
		kpn_wr32(hw, KPN_IMS, KPN_ICR_LSC);
	} else {
		kpn_wr32(hw, KPN_IMS, KPN_ICR_TXDW | KPN_ICR_RXDW |
			 KPN_ICR_RXDMT0 | KPN_ICR_RXO | KPN_ICR_LSC);
	}
	kpn_flush(hw);
}

/**
 * kpn_irq_disable - mask everything and wait for running handlers
 * @adapter: the adapter
 */
void kpn_irq_disable(struct kpn_adapter *adapter)
{
	struct kpn_hw *hw = &adapter->hw;
	unsigned int i;

	if (adapter->int_mode == KPN_INT_MSIX) {
		kpn_wr32(hw, KPN_EIMC, ~0u);
		kpn_wr32(hw, KPN_EIAC, 0);
	}
	kpn_wr32(hw, KPN_IMC, ~0u);
	kpn_flush(hw);

	if (adapter->int_mode == KPN_INT_MSIX) {
		synchronize_irq(kpn_irq(adapter, KPN_OTHER_VECTOR));
		for (i = 0; i < adapter->num_q_vectors; i++)
			synchronize_irq(kpn_irq(adapter,
						adapter->q_vector[i]->v_idx));
	} else {
		synchronize_irq(kpn_irq(adapter, 0));
	}
}

/**
 * kpn_irq_enable_queues - re-enable a queue vector after its poll
 * @q_vector: the vector
 *
 * MSI-X only: in MSI/INTx mode nothing was masked (the ICR read in the
 * handler acknowledged the causes).
 */
void kpn_irq_enable_queues(struct kpn_q_vector *q_vector)
{
	struct kpn_adapter *adapter = q_vector->adapter;

	if (adapter->int_mode == KPN_INT_MSIX &&
	    !test_bit(KPN_STATE_DOWN, &adapter->state))
		kpn_wr32(&adapter->hw, KPN_EIMS, q_vector->eims_value);
}
