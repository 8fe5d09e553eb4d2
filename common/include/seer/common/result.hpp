#pragma once
// Result<T>: the channel for untrusted input (CONVENTIONS "Errors"). A failure carries a short
// machine-readable reason (used as a counter label and in logs) and a human message.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace seer {

struct Error {
    std::string reason;   // short, stable, snake_case: "bad_signature", "too_large", ...
    std::string message;  // one human line
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error e) : m_v(std::move(e)) {}       // NOLINT(google-explicit-constructor)

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

/// Result<void> equivalent.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error e) : m_err(std::move(e)), m_ok(false) {}  // NOLINT(google-explicit-constructor)
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { return m_err; }

private:
    Error m_err;
    bool m_ok = true;
};

inline Error make_error(std::string reason, std::string message) {
    return Error{std::move(reason), std::move(message)};
}

}  // namespace seer
