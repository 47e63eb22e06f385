// SPDX-License-Identifier: GPL-2.0
// Client for the kp_nic module's "kp_nic" generic netlink family (see
// kmod/include/uapi/linux/kp_nic.h): its devices' rings and interrupt
// vectors, read-only.
//
// Message building and parsing are pure functions (testable without a
// kernel); Client sends them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <linux/kp_nic.h>

#include "kpath/genl.hpp"
#include "kpath/netlink.hpp"

namespace kpath::nic {

enum class IrqMode : uint32_t {
    Intx = KP_NIC_IRQ_MODE_INTX,
    Msi = KP_NIC_IRQ_MODE_MSI,
    Msix = KP_NIC_IRQ_MODE_MSIX,
};
enum class RingType : uint32_t {
    Rx = KP_NIC_RING_TYPE_RX,
    Tx = KP_NIC_RING_TYPE_TX,
};
enum class VectorType : uint32_t {
    Queue = KP_NIC_VECTOR_TYPE_QUEUE,
    Other = KP_NIC_VECTOR_TYPE_OTHER,
    All = KP_NIC_VECTOR_TYPE_ALL,
};

// The YNL spec's names ("msix", "tx", "queue"), or the number for a value
// this tool does not know.
std::string irq_mode_name(IrqMode mode);
std::string ring_type_name(RingType type);
std::string vector_type_name(VectorType type);

// One ring (KP_NIC_A_RING_*). Values the kernel did not send stay nullopt:
// head and tail when the registers could not be read, the TX-only and
// RX-only counters on the other type of ring.
struct Ring {
    uint32_t index = 0;
    std::optional<RingType> type;
    std::optional<uint32_t> vector;
    std::optional<uint32_t> size;
    std::optional<uint32_t> head;
    std::optional<uint32_t> tail;
    std::optional<uint32_t> next_to_use;
    std::optional<uint32_t> next_to_clean;
    std::optional<uint32_t> in_flight;
    std::optional<uint32_t> bql_limit;
    std::optional<uint32_t> bql_inflight;
    std::optional<uint64_t> doorbells;
    std::optional<uint64_t> packets;
    std::optional<uint64_t> bytes;
    std::optional<uint64_t> restarts;
    std::optional<uint64_t> busy;
    std::optional<uint64_t> dma_errors;
    std::optional<uint64_t> alloc_failed;
    std::optional<uint64_t> csum_errors;
    std::optional<uint64_t> drops;

    bool operator==(const Ring &) const = default;
};

// One interrupt vector (KP_NIC_A_VECTOR_*); the NAPI counters only for the
// vectors that poll rings.
struct Vector {
    uint32_t index = 0;
    std::optional<VectorType> type;
    std::string name;
    std::optional<uint32_t> irq;
    std::optional<uint64_t> interrupts;
    std::optional<uint64_t> polls;
    std::optional<uint64_t> polls_full;
    std::optional<uint64_t> spurious;

    bool operator==(const Vector &) const = default;
};

// Receive-side scaling (KP_NIC_A_RSS_*): the Toeplitz key, the redirection
// table (a queue per entry) and whether UDP hashes its ports.
struct Rss {
    std::vector<uint8_t> key;
    std::vector<uint8_t> table;
    std::optional<bool> udp4_ports;
    std::optional<bool> udp6_ports;

    bool operator==(const Rss &) const = default;
};

// A kp_nic device as DEV_GET reports it; rings and vectors in the order the
// kernel sent them (empty while the device is down).
struct NicDev {
    uint32_t ifindex = 0;
    std::string ifname;
    std::optional<std::string> pci_addr;
    std::optional<IrqMode> irq_mode;
    std::optional<uint32_t> queue_pairs;
    std::optional<bool> running;
    std::vector<Ring> rings;
    std::vector<Vector> vectors;
    std::optional<Rss> rss;
};

// The u32 and u64 values of a ring and of a vector: the attribute, the
// name in output (JSON key with '_', text keyword with '-'), the member.
// After the identifying ones (index, type, name), in the uapi's order.
template <typename S, typename T>
struct Field {
    int attr;
    std::string_view name;
    std::optional<T> S::*member;
};
extern const std::array<Field<Ring, uint32_t>, 9> ring_u32_fields;
extern const std::array<Field<Ring, uint64_t>, 9> ring_u64_fields;
extern const std::array<Field<Vector, uint32_t>, 1> vector_u32_fields;
extern const std::array<Field<Vector, uint64_t>, 4> vector_u64_fields;

// --- messages ------------------------------------------------------------------
NlMsg build_dev_get(int family_id, uint32_t ifindex);
NlMsg build_dev_get(int family_id, const std::string &ifname);
NlMsg build_dev_dump(int family_id);
// Parse a DEV_GET reply (Error(EBADMSG) when malformed).
NicDev parse_dev(nlmsghdr *nlh);

// --- operations ----------------------------------------------------------------
class Client {
public:
    // Opens a socket and resolves KP_NIC_FAMILY_NAME: Error(ENOENT, "...
    // is its module loaded?") without the module.
    Client();

    NicDev get(uint32_t ifindex);
    NicDev get(const std::string &ifname);
    // All devices of the netns, by ifindex; an interrupted dump is run
    // again (retry_dump()).
    DumpResult<std::vector<NicDev>> dump();

    genl::Family &family() noexcept { return family_; }

private:
    NicDev get_with(NlMsg msg);

    genl::Family family_;
};

} // namespace kpath::nic
