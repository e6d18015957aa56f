#include "util/AppendFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace flowpp {

namespace {
// Waits between attempts: about 6 s in all, longer than a brief disk-full or a slow network drive.
constexpr int kRetryDelaysMs[] = {250, 500, 1000, 2000, 2500};

std::atomic<int64_t> g_attempts{0};

bool faultInjected() {
  static const std::pair<int64_t, int64_t> window = [] {
    const char* v = std::getenv("FLOWPP_FAULT_APPEND_FAILS");
    long long first = -1, count = 0;
    if (v) std::sscanf(v, "%lld:%lld", &first, &count);
    return std::make_pair(int64_t(first), int64_t(count));
  }();
  const int64_t attempt = g_attempts++;
  return window.first >= 0 && attempt >= window.first && attempt < window.first + window.second;
}
}  // namespace

AppendFile::~AppendFile() { close(); }

void AppendFile::open(const std::string& path) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw AppendError("cannot open '" + path + "' for appending: " + std::strerror(errno));
}

void AppendFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool AppendFile::tryAppend(const std::string& text, int& error) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return error = errno, false;
  const off_t before = st.st_size;
  size_t done = 0;
  while (done < text.size()) {
    if (faultInjected()) {
      error = ENOSPC;
      break;
    }
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += size_t(n);
  }
  if (done == text.size()) return true;
  if (::ftruncate(fd_, before) != 0 && done > 0)  // a half line would break the log's format
    throw AppendError("cannot write '" + path_ + "': " + std::strerror(error) + ", and a partly written line could not be removed");
  return false;
}

void AppendFile::append(const std::string& text) {
  if (fd_ < 0) throw AppendError("append to a log that is not open");
  int error = 0;
  if (tryAppend(text, error)) return;
  for (int delay : kRetryDelaysMs) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (tryAppend(text, error)) return;
  }
  throw AppendError("cannot write '" + path_ + "': " + std::strerror(error) + " (still failing after 6 s of retries)");
}

}  // namespace flowpp
