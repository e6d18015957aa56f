#pragma once
// Crash-safe file writes: the bytes go to a temporary file in the same folder (path.tmp.<pid>),
// are fsync'ed, and the file is renamed over the target (atomic on POSIX), so a reader or a kill -9
// never sees a half-written file. A failed write removes its temp file and leaves the target as it
// was. (Temp files of a writer killed mid-way are removed by the next RunFolder that opens there.)
#include <string>
#include <string_view>

namespace flowpp {

void writeFileAtomically(const std::string& path, std::string_view bytes);
std::string readFile(const std::string& path);  // throws std::runtime_error naming the file

// Testing hooks for the fault tests: the next atomic write on this process SIGKILLs the process
// halfway through its temp file; with FLOWPP_FAULT_DISK_FULL_AFTER=<bytes> in the environment,
// writes fail with ENOSPC once the process has written that many bytes through this function.
void killDuringNextAtomicWrite();

}  // namespace flowpp
