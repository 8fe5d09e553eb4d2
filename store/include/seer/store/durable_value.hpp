#pragma once
// A small value replaced atomically as a whole: the privval last-sign state, keys, configs.
// File form: write tmp, fsync, rename over, fsync the directory.

#include <memory>
#include <optional>
#include <string>

#include "seer/common/bytes.hpp"

namespace seer::store {

/// tmp + fsync + rename + fsync(dir). Throws std::runtime_error on I/O failure (start-up use)
/// so callers decide; the privval treats a failure as fatal before any signature leaves.
void write_file_atomic(const std::string& path, ByteView contents, unsigned mode = 0600);
/// nullopt if the file does not exist; throws std::runtime_error on any other I/O failure.
std::optional<Bytes> read_file(const std::string& path);

class DurableValue {
public:
    virtual ~DurableValue() = default;
    virtual std::optional<Bytes> load() const = 0;
    /// Durable when it returns.
    virtual void store(ByteView value) = 0;
};

/// File value: load() reads `path` (throws std::runtime_error like read_file), store() is
/// write_file_atomic and fatal on failure. Thread-safe.
std::unique_ptr<DurableValue> make_file_value(const std::string& path);
/// Memory value; the simulation keeps it alive across a simulated crash. Thread-safe.
std::shared_ptr<DurableValue> make_memory_value();

}  // namespace seer::store
