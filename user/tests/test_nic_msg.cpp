// SPDX-License-Identifier: GPL-2.0
// kp_nic messages: what the library builds (parsed back with plain libnl)
// and what it makes of synthetic DEV_GET replies (built with plain libnl,
// laid out as kmod/kp_nic/netlink.c sends them: repeated RING and VECTOR
// nests, u64 counters aligned with PAD).
#include <gtest/gtest.h>

#include <linux/genetlink.h>
#include <netlink/genl/genl.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kpath/error.hpp"
#include "kpath/nic.hpp"

namespace nic = kpath::nic;
using kpath::NlMsg;

namespace {

constexpr int kFamily = 0x1c; // any genl family id: messages are only built/parsed

std::vector<int> genl_types(nlmsghdr *nlh) {
    auto *g = static_cast<genlmsghdr *>(nlmsg_data(nlh));
    std::vector<int> types;
    nlattr *nla;
    int rem;
    nla_for_each_attr(nla, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem)
            types.push_back(nla_type(nla));
    EXPECT_EQ(rem, 0) << "trailing bytes after the attributes";
    return types;
}

// As nla_put_u64_64bit() on x86-64: a PAD attribute first when the value
// would be misaligned (never on x86-64, but the parser must skip one).
void put_u64(nl_msg *m, int type, uint64_t v, int pad) {
    nla_put_u32(m, pad, 0);
    nla_put_u64(m, type, v);
}

void put_ring(nl_msg *m, uint32_t index, bool tx, bool regs) {
    nlattr *n = nla_nest_start(m, KP_NIC_A_DEV_RING);
    nla_put_u32(m, KP_NIC_A_RING_INDEX, index);
    nla_put_u32(m, KP_NIC_A_RING_TYPE, tx ? KP_NIC_RING_TYPE_TX : KP_NIC_RING_TYPE_RX);
    nla_put_u32(m, KP_NIC_A_RING_VECTOR, index + 1);
    nla_put_u32(m, KP_NIC_A_RING_SIZE, 256);
    nla_put_u32(m, KP_NIC_A_RING_NEXT_TO_USE, tx ? 17 : 254);
    nla_put_u32(m, KP_NIC_A_RING_NEXT_TO_CLEAN, tx ? 15 : 0);
    nla_put_u32(m, KP_NIC_A_RING_IN_FLIGHT, tx ? 2 : 254);
    if (regs) {
        nla_put_u32(m, KP_NIC_A_RING_HEAD, tx ? 17 : 3);
        nla_put_u32(m, KP_NIC_A_RING_TAIL, tx ? 17 : 254);
    }
    if (tx) {
        nla_put_u32(m, KP_NIC_A_RING_BQL_LIMIT, 3028);
        nla_put_u32(m, KP_NIC_A_RING_BQL_INFLIGHT, 120);
    }
    const uint64_t big = 0x100000000ull; // needs all 64 bits
    put_u64(m, KP_NIC_A_RING_DOORBELLS, big + 1, KP_NIC_A_RING_PAD);
    put_u64(m, KP_NIC_A_RING_PACKETS, big + 2, KP_NIC_A_RING_PAD);
    put_u64(m, KP_NIC_A_RING_BYTES, big + 3, KP_NIC_A_RING_PAD);
    if (tx) {
        put_u64(m, KP_NIC_A_RING_RESTARTS, 4, KP_NIC_A_RING_PAD);
        put_u64(m, KP_NIC_A_RING_BUSY, 0, KP_NIC_A_RING_PAD);
        put_u64(m, KP_NIC_A_RING_DMA_ERRORS, 5, KP_NIC_A_RING_PAD);
    } else {
        put_u64(m, KP_NIC_A_RING_ALLOC_FAILED, 6, KP_NIC_A_RING_PAD);
        put_u64(m, KP_NIC_A_RING_CSUM_ERRORS, 7, KP_NIC_A_RING_PAD);
        put_u64(m, KP_NIC_A_RING_DROPS, 8, KP_NIC_A_RING_PAD);
    }
    nla_nest_end(m, n);
}

void put_vector(nl_msg *m, uint32_t index, uint32_t type, const char *name, bool napi) {
    nlattr *n = nla_nest_start(m, KP_NIC_A_DEV_VECTOR);
    nla_put_u32(m, KP_NIC_A_VECTOR_INDEX, index);
    nla_put_u32(m, KP_NIC_A_VECTOR_TYPE, type);
    nla_put_string(m, KP_NIC_A_VECTOR_NAME, name);
    nla_put_u32(m, KP_NIC_A_VECTOR_IRQ, 40 + index);
    put_u64(m, KP_NIC_A_VECTOR_INTERRUPTS, 100 + index, KP_NIC_A_VECTOR_PAD);
    if (napi) {
        put_u64(m, KP_NIC_A_VECTOR_POLLS, 200, KP_NIC_A_VECTOR_PAD);
        put_u64(m, KP_NIC_A_VECTOR_POLLS_FULL, 3, KP_NIC_A_VECTOR_PAD);
        put_u64(m, KP_NIC_A_VECTOR_SPURIOUS, 9, KP_NIC_A_VECTOR_PAD);
    }
    nla_nest_end(m, n);
}

// A DEV_GET reply: two queue pairs in MSI-X mode, or a device that is down;
// the RSS nest either way.
NlMsg synthetic_dev(bool running, bool regs = true) {
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, KP_NIC_CMD_DEV_GET, KP_NIC_FAMILY_VERSION);
    nl_msg *m = msg.get();
    nla_put_u32(m, KP_NIC_A_DEV_IFINDEX, 4);
    nla_put_string(m, KP_NIC_A_DEV_IFNAME, "eth1");
    nla_put_string(m, KP_NIC_A_DEV_PCI_ADDR, "0000:00:0a.0");
    nla_put_u32(m, KP_NIC_A_DEV_IRQ_MODE, KP_NIC_IRQ_MODE_MSIX);
    nla_put_u32(m, KP_NIC_A_DEV_QUEUE_PAIRS, 2);
    nla_put_u8(m, KP_NIC_A_DEV_RUNNING, running);
    if (running) {
        for (uint32_t q = 0; q < 2; q++) {
            put_ring(m, q, true, regs);
            put_ring(m, q, false, regs);
        }
        put_vector(m, 0, KP_NIC_VECTOR_TYPE_OTHER, "eth1", false);
        put_vector(m, 1, KP_NIC_VECTOR_TYPE_QUEUE, "eth1-TxRx-0", true);
        put_vector(m, 2, KP_NIC_VECTOR_TYPE_QUEUE, "eth1-TxRx-1", true);
    }
    nlattr *rss = nla_nest_start(m, KP_NIC_A_DEV_RSS);
    std::array<uint8_t, 40> key{};
    std::array<uint8_t, 128> table{};
    for (size_t i = 0; i < key.size(); i++)
        key[i] = static_cast<uint8_t>(i + 1);
    for (size_t i = 0; i < table.size(); i++)
        table[i] = static_cast<uint8_t>(i % 2);
    nla_put(m, KP_NIC_A_RSS_KEY, key.size(), key.data());
    nla_put(m, KP_NIC_A_RSS_TABLE, table.size(), table.data());
    nla_put_u8(m, KP_NIC_A_RSS_UDP4_PORTS, 1);
    nla_put_u8(m, KP_NIC_A_RSS_UDP6_PORTS, 0);
    nla_nest_end(m, rss);
    return msg;
}

} // namespace

TEST(NicMsg, DevGetByIndexByNameAndDump) {
    NlMsg get = nic::build_dev_get(kFamily, 7u);
    nlmsghdr *nlh = nlmsg_hdr(get.get());
    EXPECT_EQ(nlh->nlmsg_type, kFamily);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    auto *g = static_cast<genlmsghdr *>(nlmsg_data(nlh));
    EXPECT_EQ(g->cmd, KP_NIC_CMD_DEV_GET);
    EXPECT_EQ(g->version, KP_NIC_FAMILY_VERSION);
    EXPECT_EQ(g->reserved, 0); // the family checks it (resv_start_op 0)
    EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_NIC_A_DEV_IFINDEX}));
    nlattr *tb[KP_NIC_A_DEV_MAX + 1];
    ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_NIC_A_DEV_MAX, nullptr), 0);
    EXPECT_EQ(nla_get_u32(tb[KP_NIC_A_DEV_IFINDEX]), 7u);

    NlMsg byname = nic::build_dev_get(kFamily, std::string("eth1"));
    nlh = nlmsg_hdr(byname.get());
    EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_NIC_A_DEV_IFNAME}));
    ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_NIC_A_DEV_MAX, nullptr), 0);
    // NUL-terminated: the kernel's policy is NLA_NUL_STRING
    ASSERT_EQ(nla_len(tb[KP_NIC_A_DEV_IFNAME]), 5);
    EXPECT_STREQ(static_cast<const char *>(nla_data(tb[KP_NIC_A_DEV_IFNAME])), "eth1");

    // A dump carries no attribute: the kernel refuses filters.
    NlMsg dump = nic::build_dev_dump(kFamily);
    nlh = nlmsg_hdr(dump.get());
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<genlmsghdr *>(nlmsg_data(nlh))->cmd, KP_NIC_CMD_DEV_GET);
    EXPECT_TRUE(genl_types(nlh).empty());
}

TEST(NicParse, RunningDeviceWithRepeatedRingsAndVectors) {
    NlMsg msg = synthetic_dev(true);
    nic::NicDev d = nic::parse_dev(nlmsg_hdr(msg.get()));
    EXPECT_EQ(d.ifindex, 4u);
    EXPECT_EQ(d.ifname, "eth1");
    EXPECT_EQ(d.pci_addr, "0000:00:0a.0");
    EXPECT_EQ(d.irq_mode, nic::IrqMode::Msix);
    EXPECT_EQ(d.queue_pairs, 2u);
    EXPECT_EQ(d.running, true);

    // Every nest, in message order: the last one does not win.
    ASSERT_EQ(d.rings.size(), 4u);
    const std::vector<std::pair<uint32_t, nic::RingType>> order = {{0, nic::RingType::Tx},
                                                                   {0, nic::RingType::Rx},
                                                                   {1, nic::RingType::Tx},
                                                                   {1, nic::RingType::Rx}};
    for (size_t i = 0; i < order.size(); i++) {
        EXPECT_EQ(d.rings[i].index, order[i].first) << i;
        EXPECT_EQ(d.rings[i].type, order[i].second) << i;
        EXPECT_EQ(d.rings[i].vector, order[i].first + 1) << i;
    }
    const nic::Ring &tx = d.rings[0];
    EXPECT_EQ(tx.size, 256u);
    EXPECT_EQ(tx.head, 17u);
    EXPECT_EQ(tx.tail, 17u);
    EXPECT_EQ(tx.next_to_use, 17u);
    EXPECT_EQ(tx.next_to_clean, 15u);
    EXPECT_EQ(tx.in_flight, 2u);
    EXPECT_EQ(tx.bql_limit, 3028u);
    EXPECT_EQ(tx.bql_inflight, 120u);
    EXPECT_EQ(tx.doorbells, 0x100000001ull);
    EXPECT_EQ(tx.packets, 0x100000002ull);
    EXPECT_EQ(tx.bytes, 0x100000003ull);
    EXPECT_EQ(tx.restarts, 4u);
    EXPECT_EQ(tx.busy, 0u);
    EXPECT_EQ(tx.dma_errors, 5u);
    // RX-only counters are not sent for TX: absent, not 0
    EXPECT_FALSE(tx.alloc_failed);
    EXPECT_FALSE(tx.csum_errors);
    EXPECT_FALSE(tx.drops);

    const nic::Ring &rx = d.rings[1];
    EXPECT_EQ(rx.head, 3u);
    EXPECT_EQ(rx.tail, 254u);
    EXPECT_EQ(rx.in_flight, 254u);
    EXPECT_FALSE(rx.bql_limit);
    EXPECT_FALSE(rx.bql_inflight);
    EXPECT_FALSE(rx.restarts);
    EXPECT_FALSE(rx.dma_errors);
    EXPECT_EQ(rx.alloc_failed, 6u);
    EXPECT_EQ(rx.csum_errors, 7u);
    EXPECT_EQ(rx.drops, 8u);

    ASSERT_EQ(d.vectors.size(), 3u);
    EXPECT_EQ(d.vectors[0].index, 0u);
    EXPECT_EQ(d.vectors[0].type, nic::VectorType::Other);
    EXPECT_EQ(d.vectors[0].name, "eth1");
    EXPECT_EQ(d.vectors[0].irq, 40u);
    EXPECT_EQ(d.vectors[0].interrupts, 100u);
    EXPECT_FALSE(d.vectors[0].polls); // the other vector has no NAPI
    EXPECT_FALSE(d.vectors[0].spurious);
    EXPECT_EQ(d.vectors[2].index, 2u);
    EXPECT_EQ(d.vectors[2].type, nic::VectorType::Queue);
    EXPECT_EQ(d.vectors[2].name, "eth1-TxRx-1");
    EXPECT_EQ(d.vectors[2].irq, 42u);
    EXPECT_EQ(d.vectors[2].interrupts, 102u);
    EXPECT_EQ(d.vectors[2].polls, 200u);
    EXPECT_EQ(d.vectors[2].polls_full, 3u);
    EXPECT_EQ(d.vectors[2].spurious, 9u);
}

TEST(NicParse, DownDeviceHasNoRingsOrVectors) {
    NlMsg msg = synthetic_dev(false);
    nic::NicDev d = nic::parse_dev(nlmsg_hdr(msg.get()));
    EXPECT_EQ(d.running, false);
    EXPECT_TRUE(d.rings.empty());
    EXPECT_TRUE(d.vectors.empty());
    EXPECT_TRUE(d.rss); // the RSS set-up is there up or down
}

TEST(NicParse, RssKeyTableAndUdpChoice) {
    NlMsg msg = synthetic_dev(true);
    nic::NicDev d = nic::parse_dev(nlmsg_hdr(msg.get()));
    ASSERT_TRUE(d.rss);
    ASSERT_EQ(d.rss->key.size(), 40u);
    EXPECT_EQ(d.rss->key.front(), 1);
    EXPECT_EQ(d.rss->key.back(), 40);
    ASSERT_EQ(d.rss->table.size(), 128u);
    EXPECT_EQ(d.rss->table[0], 0);
    EXPECT_EQ(d.rss->table[127], 1);
    EXPECT_EQ(d.rss->udp4_ports, true);
    EXPECT_EQ(d.rss->udp6_ports, false);
}

TEST(NicParse, RegistersNotReadStayAbsent) {
    NlMsg msg = synthetic_dev(true, false);
    nic::NicDev d = nic::parse_dev(nlmsg_hdr(msg.get()));
    ASSERT_EQ(d.rings.size(), 4u);
    for (const auto &r : d.rings) {
        EXPECT_FALSE(r.head);
        EXPECT_FALSE(r.tail);
        EXPECT_TRUE(r.next_to_use);
    }
}

TEST(NicParse, FieldTablesCoverEveryAttributeOnce) {
    std::vector<int> ring = {KP_NIC_A_RING_PAD, KP_NIC_A_RING_INDEX, KP_NIC_A_RING_TYPE};
    for (const auto &f : nic::ring_u32_fields)
        ring.push_back(f.attr);
    for (const auto &f : nic::ring_u64_fields)
        ring.push_back(f.attr);
    std::sort(ring.begin(), ring.end());
    ASSERT_EQ(ring.size(), static_cast<size_t>(KP_NIC_A_RING_MAX));
    for (int i = 0; i < KP_NIC_A_RING_MAX; i++)
        EXPECT_EQ(ring[static_cast<size_t>(i)], i + 1);

    std::vector<int> vec = {KP_NIC_A_VECTOR_PAD, KP_NIC_A_VECTOR_INDEX, KP_NIC_A_VECTOR_TYPE,
                            KP_NIC_A_VECTOR_NAME};
    for (const auto &f : nic::vector_u32_fields)
        vec.push_back(f.attr);
    for (const auto &f : nic::vector_u64_fields)
        vec.push_back(f.attr);
    std::sort(vec.begin(), vec.end());
    ASSERT_EQ(vec.size(), static_cast<size_t>(KP_NIC_A_VECTOR_MAX));
    for (int i = 0; i < KP_NIC_A_VECTOR_MAX; i++)
        EXPECT_EQ(vec[static_cast<size_t>(i)], i + 1);
}

TEST(NicParse, ShortCounterInARingIsRejected) {
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, KP_NIC_CMD_DEV_GET, KP_NIC_FAMILY_VERSION);
    nla_put_u32(msg.get(), KP_NIC_A_DEV_IFINDEX, 4);
    nlattr *n = nla_nest_start(msg.get(), KP_NIC_A_DEV_RING);
    nla_put_u32(msg.get(), KP_NIC_A_RING_PACKETS, 1); // a u64 in 4 bytes
    nla_nest_end(msg.get(), n);
    try {
        nic::parse_dev(nlmsg_hdr(msg.get()));
        FAIL() << "a 4-byte u64 was accepted";
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
}

TEST(NicParse, EnumNamesAsTheSpecHasThem) {
    EXPECT_EQ(nic::irq_mode_name(nic::IrqMode::Intx), "intx");
    EXPECT_EQ(nic::irq_mode_name(nic::IrqMode::Msi), "msi");
    EXPECT_EQ(nic::irq_mode_name(nic::IrqMode::Msix), "msix");
    EXPECT_EQ(nic::irq_mode_name(static_cast<nic::IrqMode>(9)), "9");
    EXPECT_EQ(nic::ring_type_name(nic::RingType::Rx), "rx");
    EXPECT_EQ(nic::ring_type_name(nic::RingType::Tx), "tx");
    EXPECT_EQ(nic::vector_type_name(nic::VectorType::Queue), "queue");
    EXPECT_EQ(nic::vector_type_name(nic::VectorType::Other), "other");
    EXPECT_EQ(nic::vector_type_name(nic::VectorType::All), "all");
}
