#pragma once
// Crash-safe file writes: the bytes go to a temporary file in the same folder, are fsync'ed, and
// the file is renamed over the target (atomic on POSIX), so a reader or a kill -9 never sees a
// half-written file.
#include <string>
#include <string_view>

namespace flowpp {

void writeFileAtomically(const std::string& path, std::string_view bytes);
std::string readFile(const std::string& path);  // throws std::runtime_error naming the file

}  // namespace flowpp
