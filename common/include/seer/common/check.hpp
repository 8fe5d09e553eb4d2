#pragma once
// Always-on invariant checks (CONVENTIONS "Errors"): a broken invariant of our own aborts with a
// message (a bug: SIGABRT and a core). Never use these for untrusted input; that goes through
// Result.

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

// A bug of ours found at run time, with a message: as SEER_CHECK, abort.
#define SEER_BUG(msg)                                                                         \
    do {                                                                                      \
        std::fprintf(stderr, "seer: bug: %s at %s:%d\n", (msg), __FILE__, __LINE__);          \
        std::abort();                                                                         \
    } while (0)

// An expected fatal condition (a disk error, a data directory in use): one line, then exit
// code 1 at once. Not abort (no SIGABRT, no core for what is not a bug), and not exit(), whose
// static destructors would race the node's other threads. What was committed is durable
// already, so nothing is lost by not unwinding.
#define SEER_FATAL(msg)                                                                       \
    do {                                                                                      \
        std::fprintf(stderr, "seer: fatal: %s (at %s:%d)\n", (msg), __FILE__, __LINE__);      \
        std::fflush(nullptr);                                                                 \
        std::_Exit(1);                                                                        \
    } while (0)
