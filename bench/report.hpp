// One row of the `make bench` table and of bench/results.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace seer::bench {

struct Row {
    std::string name;                 // snake_case, the results.json key
    std::string label;                // what the table prints
    double value = 0;                 // the median where a distribution was measured
    std::optional<double> p99;        // where it applies
    std::string unit;
    std::string target;               // human form, e.g. ">= 0.70 x signature limit"; empty: a limit
    std::optional<double> ratio;      // value / target-reference (or reference / value for "<=")
    std::optional<bool> pass;         // empty for limits and reported-only rows
    std::string note;                 // optional: what the row was measured on
};

}  // namespace seer::bench
