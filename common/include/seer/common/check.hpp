#pragma once
// Always-on invariant checks (CONVENTIONS "Errors"): a broken invariant of our own aborts with a
// message. Never use these for untrusted input; that goes through Result.

#include <cstdio>
#include <cstdlib>

#define SEER_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "seer: invariant failed: %s at %s:%d\n", #cond, __FILE__,   \
                         __LINE__);                                                          \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)

#define SEER_FATAL(msg)                                                                       \
    do {                                                                                      \
        std::fprintf(stderr, "seer: fatal: %s at %s:%d\n", (msg), __FILE__, __LINE__);        \
        std::abort();                                                                         \
    } while (0)
