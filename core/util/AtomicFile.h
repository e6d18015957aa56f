#pragma once
// Crash-safe file writes: the bytes go to a temporary file in the same folder (path.tmp.<pid>),
// are fsync'ed, and the file is renamed over the target (atomic on POSIX), so a reader or a kill -9
// never sees a half-written file. A failed write removes its temp file and leaves the target as it
// was. (Temp files of a writer killed mid-way are removed by the next RunFolder that opens there.)
#include <cstdint>
#include <string>
#include <string_view>

namespace flowpp {

void writeFileAtomically(const std::string& path, std::string_view bytes);

constexpr int64_t kNoSizeLimit = -1;
// The whole of a regular file. Anything else (a folder, a FIFO, a device such as /dev/zero) is
// refused before a byte is read, and so is a file larger than maxBytes: nothing can make a reader
// wait forever or read without end. Throws std::runtime_error naming the file.
std::string readFile(const std::string& path, int64_t maxBytes = kNoSizeLimit);
// The same refusal for readers that open files themselves (OpenCV, zlib).
void requireRegularFile(const std::string& path);

// Testing hooks for the fault tests: the next atomic write on this process SIGKILLs the process
// halfway through its temp file; with FLOWPP_FAULT_DISK_FULL_AFTER=<bytes> in the environment,
// writes fail with ENOSPC once the process has written that many bytes through this function.
void killDuringNextAtomicWrite();

}  // namespace flowpp
