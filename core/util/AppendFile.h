#pragma once
// A log that only grows, line by line, and never loses a line in silence: each append is written
// whole or not at all (a partial write is cut off again), a failed append is retried for a few
// seconds (a disk that is full for a moment recovers), and when it still fails the caller gets an
// exception naming the file and the reason (the trainer then stops with a checkpoint).
#include <stdexcept>
#include <string>

namespace flowpp {

class AppendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AppendFile {
 public:
  AppendFile() = default;
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  void open(const std::string& path);  // creates it when missing; throws AppendError
  void close();
  // Appends `text` (a whole line, with its newline) durably enough for a log: written through to
  // the kernel, not fsync'ed. Throws AppendError after the retries.
  void append(const std::string& text);

 private:
  bool tryAppend(const std::string& text, int& error);
  std::string path_;
  int fd_ = -1;
};

// Testing hook: with FLOWPP_FAULT_APPEND_FAILS=<first>:<count> in the environment, append attempts
// number first .. first + count - 1 (counted from 0 in this process) fail with ENOSPC.

}  // namespace flowpp
