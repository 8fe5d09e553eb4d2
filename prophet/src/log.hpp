#pragma once
// The "prophet" spdlog logger (one logger per folder, CONVENTIONS "Logging").

#include <memory>

#include <spdlog/spdlog.h>

namespace seer::prophet {

std::shared_ptr<spdlog::logger> logger();

}  // namespace seer::prophet
