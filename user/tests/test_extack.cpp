// SPDX-License-Identifier: GPL-2.0
// Extended ack parsing from synthetic NLMSG_ERROR / NLMSG_DONE messages, and
// how errors are worded.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <netlink/errno.h>

#include "kpath/error.hpp"
#include "kpath/netlink.hpp"

using kpath::NlMsg;

namespace {

// The request the kernel rejects; its payload holds attributes of the
// NLMSGERR_ATTR_* types, so a parser that does not skip the echoed request
// would take them for the kernel's: report "decoy" as the error message, 99
// as the offset, 98 as the missing attribute. (When the real TLVs follow
// with the same types, libnl keeps the last one: only a decoy type that the
// reply does not carry shows that the echo was parsed.)
NlMsg make_request() {
    NlMsg req(nlmsg_alloc_simple(0x24, NLM_F_REQUEST | NLM_F_ACK));
    nla_put_string(req.get(), NLMSGERR_ATTR_MSG, "decoy");
    nla_put_u32(req.get(), NLMSGERR_ATTR_OFFS, 99);
    nla_put_u32(req.get(), NLMSGERR_ATTR_MISS_TYPE, 98);
    nlmsg_hdr(req.get())->nlmsg_seq = 77;
    return req;
}

struct Tlvs {
    const char *msg = nullptr;
    std::optional<uint32_t> offs;
    std::optional<uint32_t> miss_type;
};

// NLMSG_ERROR laid out as netlink_ack() does.
NlMsg make_error(int error, bool capped, bool ack_tlvs, const Tlvs &tlvs) {
    NlMsg req = make_request();
    const nlmsghdr *orig = nlmsg_hdr(req.get());
    int flags = (capped ? NLM_F_CAPPED : 0) | (ack_tlvs ? NLM_F_ACK_TLVS : 0);
    NlMsg msg(nlmsg_alloc_simple(NLMSG_ERROR, flags));
    nlmsgerr e;
    std::memset(&e, 0, sizeof(e));
    e.error = -error;
    e.msg = *orig;
    nlmsg_append(msg.get(), &e, sizeof(e), NLMSG_ALIGNTO);
    if (!capped)
        nlmsg_append(msg.get(), nlmsg_data(orig), static_cast<size_t>(nlmsg_datalen(orig)),
                     NLMSG_ALIGNTO);
    if (tlvs.msg)
        nla_put_string(msg.get(), NLMSGERR_ATTR_MSG, tlvs.msg);
    if (tlvs.offs)
        nla_put_u32(msg.get(), NLMSGERR_ATTR_OFFS, *tlvs.offs);
    if (tlvs.miss_type)
        nla_put_u32(msg.get(), NLMSGERR_ATTR_MISS_TYPE, *tlvs.miss_type);
    return msg;
}

} // namespace

TEST(Extack, CappedErrorWithMessageAndOffset) {
    NlMsg msg = make_error(EINVAL, true, true, {"Invalid peer name", 36, std::nullopt});
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, EINVAL);
    EXPECT_EQ(ack.msg, "Invalid peer name");
    EXPECT_EQ(ack.offset, 36u);
    EXPECT_FALSE(ack.miss_type);
}

TEST(Extack, UncappedErrorSkipsTheEchoedRequest) {
    NlMsg msg = make_error(ERANGE, false, true, {"Rate above 1000000 ppm", 24, std::nullopt});
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, ERANGE);
    EXPECT_EQ(ack.msg, "Rate above 1000000 ppm");
    EXPECT_EQ(ack.offset, 24u);
    // Only in the echoed request: seen if the echo was parsed as TLVs.
    EXPECT_FALSE(ack.miss_type);
}

TEST(Extack, UncappedEchoIsNotMistakenForTlvs) {
    NlMsg msg = make_error(ENODEV, false, true, {nullptr, std::nullopt, 1});
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, ENODEV);
    EXPECT_EQ(ack.msg, "");
    EXPECT_FALSE(ack.offset);
    EXPECT_EQ(ack.miss_type, 1u);
}

TEST(Extack, TlvsIgnoredWithoutAckTlvsFlag) {
    NlMsg msg = make_error(EPERM, true, false, {"not trusted", std::nullopt, std::nullopt});
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, EPERM);
    EXPECT_EQ(ack.msg, "");
}

TEST(Extack, SuccessfulAckMayCarryAWarning) {
    NlMsg msg = make_error(0, true, true, {"carrier already off", std::nullopt, std::nullopt});
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, 0);
    EXPECT_EQ(ack.msg, "carrier already off");
}

TEST(Extack, DumpErrorInDone) {
    NlMsg msg(nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS));
    int rc = -EOPNOTSUPP;
    nlmsg_append(msg.get(), &rc, sizeof(rc), NLMSG_ALIGNTO);
    nla_put_string(msg.get(), NLMSGERR_ATTR_MSG, "dump not supported");
    kpath::Ack ack = kpath::parse_ack(nlmsg_hdr(msg.get()));
    EXPECT_EQ(ack.error, EOPNOTSUPP);
    EXPECT_EQ(ack.msg, "dump not supported");

    NlMsg ok(nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI));
    int zero = 0;
    nlmsg_append(ok.get(), &zero, sizeof(zero), NLMSG_ALIGNTO);
    EXPECT_EQ(kpath::parse_ack(nlmsg_hdr(ok.get())).error, 0);
}

TEST(Extack, TruncatedErrorIsBadMessage) {
    NlMsg msg(nlmsg_alloc_simple(NLMSG_ERROR, 0));
    int rc = -EINVAL; // only the error code, no struct nlmsghdr copy
    nlmsg_append(msg.get(), &rc, sizeof(rc), NLMSG_ALIGNTO);
    EXPECT_EQ(kpath::parse_ack(nlmsg_hdr(msg.get())).error, EBADMSG);
}

TEST(Extack, ThrowAckCarriesErrnoMessageAndOffset) {
    kpath::Ack ack;
    ack.error = EINVAL;
    ack.msg = "Peer must not be in loop mode";
    ack.offset = 40;
    try {
        kpath::throw_ack(ack);
        FAIL() << "throw_ack returned";
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), EINVAL);
        EXPECT_EQ(e.extack(), "Peer must not be in loop mode");
        EXPECT_EQ(e.offset, 40u);
        EXPECT_EQ(e.describe(), "Peer must not be in loop mode (Invalid argument)");
        EXPECT_STREQ(e.what(), "Peer must not be in loop mode (Invalid argument)");
    }
}

TEST(ErrorText, Iproute2Style) {
    EXPECT_EQ(kpath::Error(ENODEV).describe(), "No such device");
    EXPECT_EQ(kpath::Error(EEXIST, "Device exists").describe(), "Device exists (File exists)");
    EXPECT_EQ(kpath::Error(ENOENT, {}, "family \"x\" not found").describe(),
              "family \"x\" not found (No such file or directory)");
    EXPECT_EQ(kpath::Error(0, {}, "libnl trouble").describe(), "libnl trouble");
    // The kernel's words win over our note.
    EXPECT_EQ(kpath::Error(EINVAL, "bad rate", "DEV_SET").describe(),
              "bad rate (Invalid argument)");
}

TEST(ErrorText, NetnsError) {
    kpath::NetnsError e(ENOENT, "blue");
    EXPECT_EQ(e.netns(), "blue");
    EXPECT_EQ(e.error(), ENOENT);
    EXPECT_EQ(e.note(), "Cannot open network namespace \"blue\"");
}

TEST(ErrorText, LibnlCodesMapToErrno) {
    EXPECT_EQ(kpath::nle_to_errno(-NLE_NOMEM), ENOMEM);
    EXPECT_EQ(kpath::nle_to_errno(NLE_OBJ_NOTFOUND), ENOENT);
    EXPECT_EQ(kpath::nle_to_errno(-NLE_PERM), EPERM);
    EXPECT_EQ(kpath::nle_to_errno(-NLE_SEQ_MISMATCH), 0);
    try {
        kpath::throw_nle(-NLE_SEQ_MISMATCH, "receiving");
        FAIL();
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), 0);
        EXPECT_EQ(e.describe(), std::string("receiving: ") + nl_geterror(NLE_SEQ_MISMATCH));
    }
}
