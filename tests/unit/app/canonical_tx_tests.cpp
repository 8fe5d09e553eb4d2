// Canonical txs only (issue 11): a signed tx re-encoded in another way would be committed under
// a new hash while its first hash reads "not found". check_tx and process_proposal refuse a
// TxRaw, TxBody, AuthInfo or message that is not the one encoding of what it decodes to.

#include "cosmos/tx/v1beta1/tx.pb.h"
#include "support.hpp"

using namespace seer;
using namespace seer::app;
using namespace seer::app::test;

namespace {

void put_varint(Bytes& out, std::uint64_t v, bool padded = false) {
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    if (padded) {  // the same value with one more, empty group: not minimal
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        out.push_back(0);
    } else {
        out.push_back(static_cast<std::uint8_t>(v));
    }
}

void put_bytes_field(Bytes& out, int field, const std::string& value, bool padded = false) {
    out.push_back(static_cast<std::uint8_t>(field << 3 | 2));
    put_varint(out, value.size(), padded);
    out.insert(out.end(), value.begin(), value.end());
}

cosmos::tx::v1beta1::TxRaw raw_of(const Bytes& tx) {
    cosmos::tx::v1beta1::TxRaw raw;
    REQUIRE(raw.ParseFromArray(tx.data(), static_cast<int>(tx.size())));
    return raw;
}

// TxRaw's fields written by hand, in the given order, with the given quirks.
Bytes write_raw(const cosmos::tx::v1beta1::TxRaw& raw, bool body_first = true,
                bool padded_body_length = false) {
    Bytes out;
    auto body = [&] { put_bytes_field(out, 1, raw.body_bytes(), padded_body_length); };
    auto auth = [&] { put_bytes_field(out, 2, raw.auth_info_bytes()); };
    if (body_first) {
        body();
        auth();
    } else {
        auth();
        body();
    }
    for (const auto& s : raw.signatures()) put_bytes_field(out, 3, s);
    return out;
}

void check_refused(Node& n, const Bytes& tx, const std::string& what) {
    auto r = check(*n.app, tx);
    CHECK_MESSAGE(r.code == code(SdkCode::tx_decode), what << ": code " << r.code << " " << r.log);
    CHECK_MESSAGE(contains(r.log, "canonical"), what << ": " << r.log);
}

}  // namespace

TEST_CASE("canonical txs: every re-encoding of a signed tx is refused, the original passes") {
    Node n = make_node(funded_genesis());
    const Bytes tx = future_tx(1, 0);
    const auto raw = raw_of(tx);
    REQUIRE(write_raw(raw) == tx);  // the builder writes the canonical form

    Bytes unknown = tx;  // an unknown field (15, varint 1) appended
    unknown.push_back(15 << 3 | 0);
    unknown.push_back(1);
    check_refused(n, unknown, "unknown field in TxRaw");

    Bytes duplicate;  // body_bytes twice (protobuf keeps the last)
    put_bytes_field(duplicate, 1, raw.body_bytes());
    duplicate.insert(duplicate.end(), tx.begin(), tx.end());
    check_refused(n, duplicate, "duplicate body_bytes");

    check_refused(n, write_raw(raw, true, /*padded_body_length=*/true), "non-minimal length");
    check_refused(n, write_raw(raw, /*body_first=*/false), "fields out of order");

    // Inside the signed bytes too: an unknown field in TxBody or AuthInfo.
    for (int part = 0; part < 2; ++part) {
        auto changed = raw;
        std::string& bytes = part == 0 ? *changed.mutable_body_bytes()
                                       : *changed.mutable_auth_info_bytes();
        Bytes field;  // field 99, varint 1
        put_varint(field, 99 << 3 | 0);
        put_varint(field, 1);
        bytes.append(field.begin(), field.end());
        check_refused(n, write_raw(changed), part == 0 ? "unknown field in TxBody"
                                                         : "unknown field in AuthInfo");
    }

    // The original is accepted, once.
    CHECK(check(*n.app, tx).code == 0);
}
