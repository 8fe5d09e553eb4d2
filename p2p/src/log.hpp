#pragma once
// The "p2p" spdlog logger (one logger per folder, CONVENTIONS "Logging").

#include <memory>

#include <spdlog/spdlog.h>

namespace seer::p2p {

std::shared_ptr<spdlog::logger> logger();

}  // namespace seer::p2p
