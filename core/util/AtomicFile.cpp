#include "util/AtomicFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flowpp {

namespace {
std::atomic<bool> g_killDuringNextWrite{false};
std::atomic<int64_t> g_bytesWritten{0};

int64_t diskFullAfter() {
  static const int64_t limit = [] {
    const char* v = std::getenv("FLOWPP_FAULT_DISK_FULL_AFTER");
    return v ? std::atoll(v) : -1LL;
  }();
  return limit;
}

// write(2) with the disk-full fault applied.
ssize_t writeSome(int fd, const char* data, size_t n) {
  if (diskFullAfter() >= 0 && g_bytesWritten.load() + int64_t(n) > diskFullAfter()) {
    errno = ENOSPC;
    return -1;
  }
  const ssize_t w = ::write(fd, data, n);
  if (w > 0) g_bytesWritten += w;
  return w;
}

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(error));
}

void writeAll(int fd, std::string_view bytes, const std::string& tmp) {
  size_t written = 0;
  const bool kill = g_killDuringNextWrite.exchange(false);
  while (written < bytes.size()) {
    if (kill && written >= bytes.size() / 2) {
      ::fsync(fd);
      ::raise(SIGKILL);
    }
    const size_t chunk = kill ? std::min<size_t>(bytes.size() / 2 + 1, bytes.size() - written) : bytes.size() - written;
    const ssize_t n = writeSome(fd, bytes.data() + written, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write", tmp, error);
    }
    written += static_cast<size_t>(n);
  }
}
}  // namespace

void killDuringNextAtomicWrite() { g_killDuringNextWrite = true; }

void writeFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp, errno);
  writeAll(fd, bytes, tmp);
  // The descriptor is closed whether fsync succeeds or not.
  const int syncError = ::fsync(fd) == 0 ? 0 : errno;
  const int closeError = ::close(fd) == 0 ? 0 : errno;
  if (syncError || closeError) {
    ::unlink(tmp.c_str());
    fail("cannot flush", tmp, syncError ? syncError : closeError);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename onto", path, error);
  }
  // Make the rename itself durable.
  auto dir = std::filesystem::path(path).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

namespace {
std::string kindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a pipe (FIFO)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Opens without blocking (a FIFO without a writer would block a plain open) and checks the kind.
int openRegular(const std::string& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path, errno);
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    fail("cannot read", path, error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("'" + path + "' is " + kindOf(st.st_mode) + ", not a file that can be read");
  }
  return fd;
}
}  // namespace

void requireRegularFile(const std::string& path) {
  struct stat st {};
  ::close(openRegular(path, st));
}

std::string readFile(const std::string& path, int64_t maxBytes) {
  struct stat st {};
  const int fd = openRegular(path, st);
  if (maxBytes >= 0 && st.st_size > maxBytes) {
    ::close(fd);
    throw std::runtime_error("'" + path + "' is " + std::to_string(st.st_size) + " bytes, more than the " +
                             std::to_string(maxBytes) + " such a file can have");
  }
  std::string bytes(size_t(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      if (n == 0) throw std::runtime_error("cannot read '" + path + "': it shrank while being read");
      fail("cannot read", path, error);
    }
    done += size_t(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace flowpp
