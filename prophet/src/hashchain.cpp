// The `hashchain` handler: SHA-256 applied N times, a CPU-heavy deterministic task.

#include <boost/json.hpp>

#include "seer/crypto/hash.hpp"
#include "seer/prophet/handler.hpp"

namespace seer::prophet {
namespace {

// The deadline and the stop flag are checked every this many iterations.
constexpr std::uint64_t k_check_every = 4096;

struct HashchainInput {
    std::string data;
    std::uint64_t iterations = 0;
};

Result<HashchainInput> parse_input(ByteView input, const HashchainOptions& options) {
    if (input.size() > options.max_input_bytes) {
        return make_error(
            "too_large", "input larger than " + std::to_string(options.max_input_bytes) + " bytes");
    }
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(
        boost::json::string_view(reinterpret_cast<const char*>(input.data()), input.size()), ec);
    if (ec) return make_error("bad_input", "invalid JSON: " + ec.message());
    const auto* object = doc.if_object();
    if (object == nullptr) return make_error("bad_input", "input must be a JSON object");
    HashchainInput out;
    bool have_data = false;
    bool have_iterations = false;
    for (const auto& [key, value] : *object) {
        if (key == "data") {
            const auto* s = value.if_string();
            if (s == nullptr) return make_error("bad_input", "\"data\" must be a string");
            out.data.assign(s->data(), s->size());
            have_data = true;
        } else if (key == "iterations") {
            if (const auto* i = value.if_int64()) {
                if (*i < 1) return make_error("bad_input", "\"iterations\" must be >= 1");
                out.iterations = static_cast<std::uint64_t>(*i);
            } else if (const auto* u = value.if_uint64()) {
                out.iterations = *u;
            } else {
                return make_error("bad_input", "\"iterations\" must be an integer");
            }
            have_iterations = true;
        } else {
            return make_error("bad_input", "unknown field \"" + std::string(key) + "\"");
        }
    }
    if (!have_data) return make_error("bad_input", "missing \"data\"");
    if (!have_iterations) return make_error("bad_input", "missing \"iterations\"");
    if (out.iterations > options.max_iterations) {
        // An operator limit of this node, not a property of the computation: a verifier with a
        // lower limit abstains instead of rejecting.
        return make_error("local_limit", "iterations above this node's max_iterations " +
                                             std::to_string(options.max_iterations));
    }
    return out;
}

class HashchainHandler final : public Handler {
public:
    explicit HashchainHandler(HashchainOptions options) : m_options(options) {}

    std::string_view name() const override { return "hashchain"; }

    Result<Bytes> execute(ByteView input, const Context& ctx) const override {
        auto parsed = parse_input(input, m_options);
        if (!parsed) return parsed.error();
        crypto::Hash256 digest = crypto::sha256(as_bytes(parsed->data));
        for (std::uint64_t i = 1; i < parsed->iterations; ++i) {
            if (i % k_check_every == 0) {
                if (auto stop = ctx.interrupted()) return *stop;
            }
            digest = crypto::sha256(digest);
        }
        return to_bytes(to_hex(digest));
    }

    Verdict verify(ByteView input, const Outcome& claimed, const Context& ctx) const override {
        return verify_by_execution(*this, input, claimed, ctx);
    }

private:
    HashchainOptions m_options;
};

}  // namespace

std::unique_ptr<Handler> make_hashchain_handler(HashchainOptions options) {
    return std::make_unique<HashchainHandler>(options);
}

}  // namespace seer::prophet
