// SPDX-License-Identifier: GPL-2.0
#include "kpath/nic.hpp"

#include <algorithm>
#include <cerrno>

#include <linux/genetlink.h>
#include <linux/if.h>

#include "kpath/attr.hpp"
#include "kpath/error.hpp"

namespace kpath::nic {

const std::array<Field<Ring, uint32_t>, 9> ring_u32_fields = {{
        {KP_NIC_A_RING_VECTOR, "vector", &Ring::vector},
        {KP_NIC_A_RING_SIZE, "size", &Ring::size},
        {KP_NIC_A_RING_HEAD, "head", &Ring::head},
        {KP_NIC_A_RING_TAIL, "tail", &Ring::tail},
        {KP_NIC_A_RING_NEXT_TO_USE, "next_to_use", &Ring::next_to_use},
        {KP_NIC_A_RING_NEXT_TO_CLEAN, "next_to_clean", &Ring::next_to_clean},
        {KP_NIC_A_RING_IN_FLIGHT, "in_flight", &Ring::in_flight},
        {KP_NIC_A_RING_BQL_LIMIT, "bql_limit", &Ring::bql_limit},
        {KP_NIC_A_RING_BQL_INFLIGHT, "bql_inflight", &Ring::bql_inflight},
}};

const std::array<Field<Ring, uint64_t>, 9> ring_u64_fields = {{
        {KP_NIC_A_RING_DOORBELLS, "doorbells", &Ring::doorbells},
        {KP_NIC_A_RING_PACKETS, "packets", &Ring::packets},
        {KP_NIC_A_RING_BYTES, "bytes", &Ring::bytes},
        {KP_NIC_A_RING_RESTARTS, "restarts", &Ring::restarts},
        {KP_NIC_A_RING_BUSY, "busy", &Ring::busy},
        {KP_NIC_A_RING_DMA_ERRORS, "dma_errors", &Ring::dma_errors},
        {KP_NIC_A_RING_ALLOC_FAILED, "alloc_failed", &Ring::alloc_failed},
        {KP_NIC_A_RING_CSUM_ERRORS, "csum_errors", &Ring::csum_errors},
        {KP_NIC_A_RING_DROPS, "drops", &Ring::drops},
}};

const std::array<Field<Vector, uint32_t>, 1> vector_u32_fields = {{
        {KP_NIC_A_VECTOR_IRQ, "irq", &Vector::irq},
}};

const std::array<Field<Vector, uint64_t>, 4> vector_u64_fields = {{
        {KP_NIC_A_VECTOR_INTERRUPTS, "interrupts", &Vector::interrupts},
        {KP_NIC_A_VECTOR_POLLS, "polls", &Vector::polls},
        {KP_NIC_A_VECTOR_POLLS_FULL, "polls_full", &Vector::polls_full},
        {KP_NIC_A_VECTOR_SPURIOUS, "spurious", &Vector::spurious},
}};

std::string irq_mode_name(IrqMode mode) {
    switch (mode) {
    case IrqMode::Intx:
        return "intx";
    case IrqMode::Msi:
        return "msi";
    case IrqMode::Msix:
        return "msix";
    }
    return std::to_string(static_cast<uint32_t>(mode));
}

std::string ring_type_name(RingType type) {
    switch (type) {
    case RingType::Rx:
        return "rx";
    case RingType::Tx:
        return "tx";
    }
    return std::to_string(static_cast<uint32_t>(type));
}

std::string vector_type_name(VectorType type) {
    switch (type) {
    case VectorType::Queue:
        return "queue";
    case VectorType::Other:
        return "other";
    case VectorType::All:
        return "all";
    }
    return std::to_string(static_cast<uint32_t>(type));
}

namespace {

const nla_policy *dev_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_NIC_A_DEV_MAX + 1> a{};
        a[KP_NIC_A_DEV_IFINDEX].type = NLA_U32;
        a[KP_NIC_A_DEV_IFNAME] = {NLA_STRING, 0, IFNAMSIZ};
        a[KP_NIC_A_DEV_PCI_ADDR].type = NLA_STRING;
        a[KP_NIC_A_DEV_IRQ_MODE].type = NLA_U32;
        a[KP_NIC_A_DEV_QUEUE_PAIRS].type = NLA_U32;
        a[KP_NIC_A_DEV_RUNNING].type = NLA_U8;
        a[KP_NIC_A_DEV_RING].type = NLA_NESTED;
        a[KP_NIC_A_DEV_VECTOR].type = NLA_NESTED;
        a[KP_NIC_A_DEV_RSS].type = NLA_NESTED;
        return a;
    }();
    return p.data();
}

const nla_policy *ring_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_NIC_A_RING_MAX + 1> a{};
        a[KP_NIC_A_RING_INDEX].type = NLA_U32;
        a[KP_NIC_A_RING_TYPE].type = NLA_U32;
        for (const auto &f : ring_u32_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U32;
        for (const auto &f : ring_u64_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U64;
        return a;
    }();
    return p.data();
}

const nla_policy *vector_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_NIC_A_VECTOR_MAX + 1> a{};
        a[KP_NIC_A_VECTOR_INDEX].type = NLA_U32;
        a[KP_NIC_A_VECTOR_TYPE].type = NLA_U32;
        a[KP_NIC_A_VECTOR_NAME].type = NLA_STRING;
        for (const auto &f : vector_u32_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U32;
        for (const auto &f : vector_u64_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U64;
        return a;
    }();
    return p.data();
}

const nla_policy *rss_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_NIC_A_RSS_MAX + 1> a{};
        a[KP_NIC_A_RSS_KEY].type = NLA_UNSPEC;
        a[KP_NIC_A_RSS_TABLE].type = NLA_UNSPEC;
        a[KP_NIC_A_RSS_UDP4_PORTS].type = NLA_U8;
        a[KP_NIC_A_RSS_UDP6_PORTS].type = NLA_U8;
        return a;
    }();
    return p.data();
}

std::vector<uint8_t> bytes_of(const attr::Table &t, int type) {
    const nlattr *a = t.get(type);
    if (!a)
        return {};
    const auto payload = attr::copy_payload(a);
    return {payload.begin(), payload.end()};
}

Rss parse_rss(const attr::Table &t) {
    Rss r;
    r.key = bytes_of(t, KP_NIC_A_RSS_KEY);
    r.table = bytes_of(t, KP_NIC_A_RSS_TABLE);
    if (auto v = t.u8(KP_NIC_A_RSS_UDP4_PORTS))
        r.udp4_ports = *v != 0;
    if (auto v = t.u8(KP_NIC_A_RSS_UDP6_PORTS))
        r.udp6_ports = *v != 0;
    return r;
}

template <typename E>
std::optional<E> as_enum(std::optional<uint32_t> v) {
    if (!v)
        return std::nullopt;
    return static_cast<E>(*v);
}

Ring parse_ring(const attr::Table &t) {
    Ring r;
    r.index = t.u32(KP_NIC_A_RING_INDEX).value_or(0);
    r.type = as_enum<RingType>(t.u32(KP_NIC_A_RING_TYPE));
    for (const auto &f : ring_u32_fields)
        r.*f.member = t.u32(f.attr);
    for (const auto &f : ring_u64_fields)
        r.*f.member = t.u64(f.attr);
    return r;
}

Vector parse_vector(const attr::Table &t) {
    Vector v;
    v.index = t.u32(KP_NIC_A_VECTOR_INDEX).value_or(0);
    v.type = as_enum<VectorType>(t.u32(KP_NIC_A_VECTOR_TYPE));
    v.name = t.str(KP_NIC_A_VECTOR_NAME).value_or("");
    for (const auto &f : vector_u32_fields)
        v.*f.member = t.u32(f.attr);
    for (const auto &f : vector_u64_fields)
        v.*f.member = t.u64(f.attr);
    return v;
}

} // namespace

NlMsg build_dev_get(int family_id, uint32_t ifindex) {
    NlMsg msg = genl::build(family_id, KP_NIC_CMD_DEV_GET, KP_NIC_FAMILY_VERSION);
    attr::put_u32(msg.get(), KP_NIC_A_DEV_IFINDEX, ifindex);
    return msg;
}

NlMsg build_dev_get(int family_id, const std::string &ifname) {
    NlMsg msg = genl::build(family_id, KP_NIC_CMD_DEV_GET, KP_NIC_FAMILY_VERSION);
    attr::put_string(msg.get(), KP_NIC_A_DEV_IFNAME, ifname);
    return msg;
}

NlMsg build_dev_dump(int family_id) {
    return genl::build(family_id, KP_NIC_CMD_DEV_GET, KP_NIC_FAMILY_VERSION, NLM_F_DUMP);
}

NicDev parse_dev(nlmsghdr *nlh) {
    const attr::Table tb = genl::parse(nlh, KP_NIC_A_DEV_MAX, dev_policy());
    NicDev d;
    d.ifindex = tb.u32(KP_NIC_A_DEV_IFINDEX).value_or(0);
    d.ifname = tb.str(KP_NIC_A_DEV_IFNAME).value_or("");
    d.pci_addr = tb.str(KP_NIC_A_DEV_PCI_ADDR);
    d.irq_mode = as_enum<IrqMode>(tb.u32(KP_NIC_A_DEV_IRQ_MODE));
    d.queue_pairs = tb.u32(KP_NIC_A_DEV_QUEUE_PAIRS);
    if (auto r = tb.u8(KP_NIC_A_DEV_RUNNING))
        d.running = *r != 0;
    // Repeated nests, in message order.
    for (const auto &t : tb.nested_all(KP_NIC_A_DEV_RING, KP_NIC_A_RING_MAX, ring_policy()))
        d.rings.push_back(parse_ring(t));
    for (const auto &t : tb.nested_all(KP_NIC_A_DEV_VECTOR, KP_NIC_A_VECTOR_MAX, vector_policy()))
        d.vectors.push_back(parse_vector(t));
    if (auto t = tb.nested(KP_NIC_A_DEV_RSS, KP_NIC_A_RSS_MAX, rss_policy()))
        d.rss = parse_rss(*t);
    return d;
}

Client::Client() : family_(KP_NIC_FAMILY_NAME, KP_NIC_FAMILY_VERSION) {}

NicDev Client::get_with(NlMsg msg) {
    std::optional<NicDev> dev;
    family_.socket().request(msg, [&](nl_msg *reply) { dev = parse_dev(nlmsg_hdr(reply)); });
    if (!dev)
        throw Error(ENODATA, {}, "no reply to " KP_NIC_FAMILY_NAME " DEV_GET");
    return std::move(*dev);
}

NicDev Client::get(uint32_t ifindex) {
    return get_with(build_dev_get(family_.id(), ifindex));
}

NicDev Client::get(const std::string &ifname) {
    return get_with(build_dev_get(family_.id(), ifname));
}

DumpResult<std::vector<NicDev>> Client::dump() {
    auto r = retry_dump<std::vector<NicDev>>([&](std::vector<NicDev> &devs) {
        NlMsg msg = build_dev_dump(family_.id());
        return family_.socket().request(
                msg, [&](nl_msg *reply) { devs.push_back(parse_dev(nlmsg_hdr(reply))); });
    });
    std::sort(r.items.begin(), r.items.end(),
              [](const NicDev &a, const NicDev &b) { return a.ifindex < b.ifindex; });
    return r;
}

} // namespace kpath::nic
