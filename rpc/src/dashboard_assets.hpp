#pragma once
// The web dashboard's static files (rpc/dashboard/), built into the binary by
// cmake/embed_files.cmake (internal header: only rest_server.cpp and the generated .cpp include
// it). docs/dashboard.md.

#include <span>
#include <string_view>

namespace seer::rpc::detail {

struct DashboardAsset {
    std::string_view name;          // "index.html", "app.js", ...
    std::string_view content_type;  // "text/html; charset=utf-8", ...
    std::string_view etag;          // the quoted hex SHA-256 of the bytes
    std::string_view bytes;
};

/// Every embedded file, in the order rpc/CMakeLists.txt lists them.
std::span<const DashboardAsset> dashboard_assets();

/// The file named `name` (no directories), or nullptr.
inline const DashboardAsset* find_dashboard_asset(std::string_view name) {
    for (const auto& a : dashboard_assets())
        if (a.name == name) return &a;
    return nullptr;
}

}  // namespace seer::rpc::detail
