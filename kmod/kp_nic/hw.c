// SPDX-License-Identifier: GPL-2.0
/*
 * kp_nic: 82576 MAC, NVM and PHY helpers (the part of igb's e1000_82575.c,
 * e1000_mac.c, e1000_nvm.c and e1000_phy.c that one 82576 with a copper
 * PHY needs).  Nothing here knows about net_devices.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/iopoll.h>

#include "hw.h"

/**
 * kpn_check_removed - called when a register read returned all ones
 * @hw: the hardware
 * @reg: the register that was read
 *
 * A register that legitimately reads all ones is possible in principle,
 * so confirm with CTRL (bit 3 and others always read 0): if that reads all
 * ones as well the device is gone (surprise removal, link down on the
 * bus).  Then hw_addr becomes NULL, so every later access is a no-op, and
 * the owner is told once.
 */
void kpn_check_removed(struct kpn_hw *hw, u32 reg)
{
	u8 __iomem *addr = READ_ONCE(hw->hw_addr);

	if (!addr)
		return;
	if (reg != KPN_CTRL && readl(addr + KPN_CTRL) != ~0u)
		return;
	if (cmpxchg(&hw->hw_addr, addr, NULL) != addr)
		return;
	if (hw->removed_cb)
		hw->removed_cb(hw->priv);
}

/**
 * kpn_hw_reset - global MAC reset, as the 82576 datasheet's 4.2.1 wants it
 * @hw: the hardware
 *
 * Masks every interrupt, stops RX and TX, sets CTRL.RST and waits for the
 * bit to clear (the model clears it at once; silicon within 1 ms), then
 * waits for the NVM auto-read (EECD.AUTO_RD: the model never sets it,
 * which igb also only logs), masks interrupts again and clears any
 * latched cause.  The link goes down: kpn_phy_init() brings it back.
 *
 * Return: 0, or -ETIMEDOUT / -ENODEV.
 */
int kpn_hw_reset(struct kpn_hw *hw)
{
	u32 ctrl;
	int err;

	kpn_wr32(hw, KPN_IMC, ~0u);
	kpn_wr32(hw, KPN_EIMC, ~0u);
	kpn_wr32(hw, KPN_RCTL, 0);
	kpn_wr32(hw, KPN_TCTL, KPN_TCTL_PSP);
	kpn_flush(hw);
	usleep_range(10000, 11000);

	ctrl = kpn_rd32(hw, KPN_CTRL);
	kpn_wr32(hw, KPN_CTRL, ctrl | KPN_CTRL_RST);
	err = read_poll_timeout(kpn_rd32, ctrl, !(ctrl & KPN_CTRL_RST),
				100, 20000, false, hw, KPN_CTRL);
	if (kpn_removed(hw))
		return -ENODEV;
	if (err)
		return err;
	/* The NVM auto-read; not modelled by QEMU, hence only a wait. */
	read_poll_timeout(kpn_rd32, ctrl, ctrl & KPN_EECD_AUTO_RD,
			  100, 10000, false, hw, KPN_EECD);

	kpn_wr32(hw, KPN_IMC, ~0u);
	kpn_wr32(hw, KPN_EIMC, ~0u);
	kpn_rd32(hw, KPN_ICR);
	kpn_rd32(hw, KPN_EICR);
	return kpn_removed(hw) ? -ENODEV : 0;
}

/**
 * kpn_nvm_read - read one 16-bit NVM word through EERD
 * @hw: the hardware
 * @word: word address, below KPN_NVM_WORDS
 * @data: the word read
 *
 * Return: 0, -EINVAL for an address beyond the NVM, -ETIMEDOUT if DONE
 * never came (100 ms).
 */
int kpn_nvm_read(struct kpn_hw *hw, u16 word, u16 *data)
{
	u32 eerd;
	int err;

	if (word >= KPN_NVM_WORDS)
		return -EINVAL;
	kpn_wr32(hw, KPN_EERD, (word << KPN_EERD_ADDR_SHIFT) | KPN_EERD_START);
	err = read_poll_timeout(kpn_rd32, eerd, eerd & KPN_EERD_DONE,
				5, 100000, false, hw, KPN_EERD);
	if (kpn_removed(hw))
		return -ENODEV;
	if (err)
		return err;
	*data = eerd >> KPN_EERD_DATA_SHIFT;
	return 0;
}

/**
 * kpn_nvm_validate - check the NVM checksum: words 0..0x3F sum to 0xBABA
 * @hw: the hardware
 *
 * Return: 0, -EIO on a bad checksum, or a read error.
 */
int kpn_nvm_validate(struct kpn_hw *hw)
{
	u16 sum = 0, word, i;
	int err;

	for (i = 0; i <= KPN_NVM_CHECKSUM_WORD; i++) {
		err = kpn_nvm_read(hw, i, &word);
		if (err)
			return err;
		sum += word;
	}
	return sum == KPN_NVM_SUM ? 0 : -EIO;
}

/**
 * kpn_nvm_read_mac - the permanent MAC address, NVM words 0-2
 * @hw: the hardware
 * @mac: ETH_ALEN bytes
 *
 * Return: 0, -EADDRNOTAVAIL if the address is not a valid unicast one, or
 * a read error.
 */
int kpn_nvm_read_mac(struct kpn_hw *hw, u8 *mac)
{
	u16 word;
	int err, i;

	for (i = 0; i < 3; i++) {
		err = kpn_nvm_read(hw, KPN_NVM_MAC_WORD + i, &word);
		if (err)
			return err;
		mac[2 * i] = word & 0xff;
		mac[2 * i + 1] = word >> 8;
	}
	return is_valid_ether_addr(mac) ? 0 : -EADDRNOTAVAIL;
}

static int kpn_mdic(struct kpn_hw *hw, u32 cmd, u16 *data)
{
	u32 mdic;
	int err;

	kpn_wr32(hw, KPN_MDIC, cmd);
	err = read_poll_timeout(kpn_rd32, mdic, mdic & KPN_MDIC_READY,
				50, 100000, false, hw, KPN_MDIC);
	if (kpn_removed(hw))
		return -ENODEV;
	if (err)
		return err;
	if (mdic & KPN_MDIC_ERROR)
		return -EIO;
	if (data)
		*data = mdic & KPN_MDIC_DATA_MASK;
	return 0;
}

/**
 * kpn_phy_read - read a PHY register over MDIC
 * @hw: the hardware
 * @reg: PHY register, 0..31
 * @data: the value
 *
 * MDIC is a single shared window: callers serialize (probe, or under
 * RTNL / the adapter's PHY mutex).
 *
 * Return: 0, -EIO if the PHY refused (MDIC.ERROR), -ETIMEDOUT, -ENODEV.
 */
int kpn_phy_read(struct kpn_hw *hw, u32 reg, u16 *data)
{
	return kpn_mdic(hw, KPN_MDIC_OP_READ | (reg << KPN_MDIC_REG_SHIFT) |
			(KPN_PHY_ADDR << KPN_MDIC_PHY_SHIFT), data);
}

/**
 * kpn_phy_write - write a PHY register over MDIC
 * @hw: the hardware
 * @reg: PHY register, 0..31
 * @data: the value
 *
 * Return: as kpn_phy_read().
 */
int kpn_phy_write(struct kpn_hw *hw, u32 reg, u16 data)
{
	return kpn_mdic(hw, KPN_MDIC_OP_WRITE | (reg << KPN_MDIC_REG_SHIFT) |
			(KPN_PHY_ADDR << KPN_MDIC_PHY_SHIFT) | data, NULL);
}

/**
 * kpn_phy_restart_aneg - advertise 1000/full and restart autonegotiation
 * @hw: the hardware
 *
 * After any reset the link stays down until this is done (CTRL.SLU is not
 * enough on the model); STATUS.LU and ICR.LSC follow once autonegotiation
 * completes (500 ms on the model).
 *
 * Return: as kpn_phy_write().
 */
int kpn_phy_restart_aneg(struct kpn_hw *hw)
{
	return kpn_phy_write(hw, KPN_PHY_BMCR,
			     KPN_BMCR_ANENABLE | KPN_BMCR_ANRESTART |
			     KPN_BMCR_FULLDPLX | KPN_BMCR_SPEED1000);
}

/**
 * kpn_phy_init - identify the PHY and start autonegotiation
 * @hw: the hardware
 *
 * Return: 0 or a PHY access error.
 */
int kpn_phy_init(struct kpn_hw *hw)
{
	u16 id1, id2;
	int err;

	err = kpn_phy_read(hw, KPN_PHY_ID1, &id1);
	if (!err)
		err = kpn_phy_read(hw, KPN_PHY_ID2, &id2);
	if (err)
		return err;
	hw->phy_id = (u32)id1 << 16 | id2;
	return kpn_phy_restart_aneg(hw);
}

/**
 * kpn_link_up - read the link state from STATUS
 * @hw: the hardware
 * @speed: Mb/s when up (may be NULL)
 * @full_duplex: duplex when up (may be NULL)
 *
 * Return: true if the link is up.
 */
bool kpn_link_up(struct kpn_hw *hw, u32 *speed, bool *full_duplex)
{
	u32 status = kpn_rd32(hw, KPN_STATUS);

	if (status == ~0u || !(status & KPN_STATUS_LU))
		return false;
	if (speed) {
		if (status & KPN_STATUS_SPEED_1000)
			*speed = 1000;
		else if (status & KPN_STATUS_SPEED_100)
			*speed = 100;
		else
			*speed = 10;
	}
	if (full_duplex)
		*full_duplex = status & KPN_STATUS_FD;
	return true;
}

/**
 * kpn_set_rar - program receive address register @index with @addr
 * @hw: the hardware
 * @index: 0 is the device address; 1..15 extra unicast addresses
 * @addr: the address
 *
 * RAL first, then RAH with Address Valid, as the datasheet requires.
 */
void kpn_set_rar(struct kpn_hw *hw, unsigned int index, const u8 *addr)
{
	u32 ral = addr[0] | addr[1] << 8 | addr[2] << 16 | (u32)addr[3] << 24;
	u32 rah = addr[4] | addr[5] << 8 | KPN_RAH_AV;

	kpn_wr32(hw, KPN_RAL(index), ral);
	kpn_flush(hw);
	kpn_wr32(hw, KPN_RAH(index), rah);
	kpn_flush(hw);
}

/**
 * kpn_clear_rar - invalidate receive address register @index
 * @hw: the hardware
 * @index: the entry
 */
void kpn_clear_rar(struct kpn_hw *hw, unsigned int index)
{
	kpn_wr32(hw, KPN_RAH(index), 0);
	kpn_wr32(hw, KPN_RAL(index), 0);
	kpn_flush(hw);
}

/**
 * kpn_mta_hash - the multicast table bit of @addr with RCTL.MO = 0
 * @addr: a multicast address
 *
 * Return: the bit index 0..4095: register = hash >> 5, bit = hash & 31.
 */
u32 kpn_mta_hash(const u8 *addr)
{
	return ((addr[4] >> 4) | ((u16)addr[5] << 4)) & 0xFFF;
}
