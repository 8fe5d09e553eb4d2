#include "log.hpp"

namespace seer::p2p {

std::shared_ptr<spdlog::logger> logger() {
    static const std::shared_ptr<spdlog::logger> instance = [] {
        if (auto existing = spdlog::get("p2p")) return existing;
        auto fallback = spdlog::default_logger();
        auto created = std::make_shared<spdlog::logger>("p2p", fallback->sinks().begin(),
                                                        fallback->sinks().end());
        created->set_level(fallback->level());
        try {
            spdlog::register_logger(created);
        } catch (const spdlog::spdlog_ex&) {
            if (auto existing = spdlog::get("p2p")) return existing;  // registered meanwhile
        }
        return created;
    }();
    return instance;
}

}  // namespace seer::p2p
