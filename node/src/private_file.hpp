#pragma once
// Key files are refused when the group or others may access them, as ssh refuses a private
// key it does not own alone: a key readable by another user is a key that may be copied.
// Private to node/.

#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "seer/common/result.hpp"

namespace seer::node::detail {

/// An error when `path` exists and has any group or other permission bit; ok otherwise (a
/// missing file is the caller's error to report).
inline Status check_private_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    if ((st.st_mode & 077) == 0) return {};
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error("key_file_permissions",
                      path + ": permissions " + mode +
                          " are too open (group or others can access this key); run `chmod 600 " +
                          path + "`");
}

}  // namespace seer::node::detail
