#include "seer/async/archive.hpp"

#include <charconv>

#include "pb_util.hpp"
#include "seer/async/v1/async.pb.h"

namespace seer::async {

namespace {

Bytes record_key(std::uint64_t id) {
    Bytes k{'F'};
    append_be(k, id);
    return k;
}

Bytes retention_key(std::int64_t height, std::uint64_t id) {
    Bytes k{'T'};
    append_be(k, static_cast<std::uint64_t>(height));
    append_be(k, id);
    return k;
}

}  // namespace

void Archive::stage(store::WriteBatch& batch, std::int64_t height,
                    const std::vector<Bytes>& final_futures) const {
    for (const Bytes& record : final_futures) {
        seer::async::v1::Future f;
        if (!detail::parse(f, record)) continue;  // the module hands over what it serialized
        batch.put(k_archive_column, record_key(f.id()), record);
        batch.put(k_archive_column, retention_key(f.final_height(), f.id()), {});
    }
    if (m_options.keep_blocks <= 0) return;
    const std::int64_t cutoff = height - m_options.keep_blocks;  // final before it: deleted
    if (cutoff <= 0) return;
    const Bytes prefix{'T'};
    std::size_t deleted = 0;
    m_kv.scan(k_archive_column, prefix, prefix, [&](ByteView key, ByteView) {
        if (key.size() != 17 || deleted >= m_options.max_prune_per_block) return false;
        const auto final_height = static_cast<std::int64_t>(read_be(key.subspan(1, 8)));
        if (final_height >= cutoff) return false;
        batch.erase(k_archive_column, key);
        batch.erase(k_archive_column, record_key(read_be(key.subspan(9, 8))));
        ++deleted;
        return true;
    });
}

std::optional<Bytes> Archive::get(std::uint64_t id) const {
    return m_kv.get(k_archive_column, record_key(id));
}

std::optional<consensus::QueryResponse> Archive::query(const consensus::QueryRequest& req) const {
    std::uint64_t id = 0;
    if (req.path == "/seer.async.v1.Query/Future") {
        // The gRPC-style path: the ID is in the request message.
        seer::async::v1::QueryFutureRequest request;
        if (!detail::parse(request, req.data)) return std::nullopt;
        id = request.id();
    } else {
        std::string_view path = req.path;
        while (!path.empty() && path.front() == '/')
            path.remove_prefix(1);
        constexpr std::string_view prefix = "async/future/";
        if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
        path.remove_prefix(prefix.size());
        auto [ptr, ec] = std::from_chars(path.data(), path.data() + path.size(), id);
        if (path.empty() || ec != std::errc() || ptr != path.data() + path.size())
            return std::nullopt;
    }
    auto record = get(id);
    if (!record) return std::nullopt;
    seer::async::v1::QueryFutureResponse r;
    if (!detail::parse(*r.mutable_future(), *record)) return std::nullopt;
    r.set_pruned(true);
    consensus::QueryResponse out;
    out.value = detail::serialize(r);
    out.height = r.future().final_height();
    return out;
}

}  // namespace seer::async
