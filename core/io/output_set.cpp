#include "kdash/io/output_set.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace kdash::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  throw std::runtime_error("cannot write '" + path + "': " + what +
                           (error ? ": " + std::string(std::strerror(error)) : ""));
}

// A name in the target's directory that no other writer picks: process id, a per-process counter and the clock.
std::string temporary_name(const std::string& target, unsigned attempt) {
  static std::atomic<unsigned long long> counter{0};
  const fs::path p(target);
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  // The target's name, shortened so that the temporary's stays within NAME_MAX whenever the target's does.
  std::string name = ".";
  name.append(p.filename().string(), 0, 160).append(".tmp-").append(std::to_string(::getpid()));
  name.append("-").append(std::to_string(counter++)).append("-").append(std::to_string((now + attempt) & 0xffffff));
  return (p.parent_path() / name).string();
}

// Creates a fresh file exclusively (never an existing file, never through a symlink); mode 0666 minus the umask.
int create_exclusively(const std::string& target, std::string& temporary) {
  if (fs::path(target).filename().empty()) fail(target, "the path names a directory, not a file", 0);
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    temporary = temporary_name(target, attempt);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) fail(target, "cannot create a temporary file in its directory", errno);
  }
  fail(target, "cannot find an unused temporary file name in its directory", 0);
}

void write_all(const std::string& target, int fd, std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(target, "write failed", errno);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// What a target was before the commit: absent, or present and kept as a hard link (`backup`) so that a failed commit
// can put it back. On a file system without hard links the previous file cannot be kept (backup stays empty).
struct Previous {
  bool existed = false;
  std::string backup;
};

Previous keep_previous(const std::string& target) {
  struct stat st;
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    fail(target, "cannot inspect the existing file", errno);
  }
  if (S_ISDIR(st.st_mode)) fail(target, "it is a directory", 0);
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    const std::string backup = temporary_name(target, attempt) + ".previous";
    if (::link(target.c_str(), backup.c_str()) == 0) return {true, backup};
    if (errno == EPERM || errno == EOPNOTSUPP || errno == EMLINK) return {true, {}};
    if (errno != EEXIST) fail(target, "cannot keep the previous file while replacing it", errno);
  }
  fail(target, "cannot find an unused name for the previous file", 0);
}

void sync_directory(const std::string& target) {
  const fs::path dir = fs::path(target).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // durability of the rename only; the files are already in place
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

OutputSet::~OutputSet() {
  if (!committed_) discard();
}

void OutputSet::discard() noexcept {
  for (Entry& e : entries_) {
    if (e.fd >= 0) ::close(e.fd);
    e.fd = -1;
    if (!e.temporary.empty()) ::unlink(e.temporary.c_str());
  }
  entries_.clear();
}

OutputSet::Entry& OutputSet::entry_for(const std::string& path) {
  for (Entry& e : entries_)
    if (e.target == path) return e;
  if (committed_) fail(path, "the output set was already committed", 0);
  Entry e;
  e.target = path;
  e.fd = create_exclusively(path, e.temporary);
  entries_.push_back(std::move(e));
  return entries_.back();
}

void OutputSet::reserve(const std::string& path) { entry_for(path); }

void OutputSet::write(const std::string& path, const std::vector<std::string_view>& pieces) {
  Entry& e = entry_for(path);
  if (e.written) fail(path, "written twice in one output set", 0);
  for (std::string_view piece : pieces) write_all(path, e.fd, piece);
  if (::fsync(e.fd) != 0) fail(path, "fsync failed", errno);
  const int fd = e.fd;
  e.fd = -1;
  if (::close(fd) != 0) fail(path, "close failed", errno);
  e.written = true;
}

void OutputSet::commit() {
  for (const Entry& e : entries_)
    if (!e.written) fail(e.target, "reserved but never written", 0);
  std::vector<Previous> previous;
  auto drop_backups = [&] {
    for (const Previous& p : previous)
      if (!p.backup.empty()) ::unlink(p.backup.c_str());
  };
  std::size_t done = 0;
  try {
    for (const Entry& e : entries_) previous.push_back(keep_previous(e.target));
    for (; done < entries_.size(); ++done) {
      const Entry& e = entries_[done];
      if (std::rename(e.temporary.c_str(), e.target.c_str()) != 0)
        fail(e.target, "cannot rename '" + e.temporary + "' into place", errno);
    }
  } catch (...) {
    // Put back what was replaced, remove what did not exist before; newest first.
    for (std::size_t i = done; i-- > 0;) {
      const Entry& e = entries_[i];
      if (!previous[i].existed) {
        ::unlink(e.target.c_str());
      } else if (!previous[i].backup.empty() && std::rename(previous[i].backup.c_str(), e.target.c_str()) == 0) {
        previous[i].backup.clear();
      }
    }
    drop_backups();
    discard();
    throw;
  }
  drop_backups();
  for (const Entry& e : entries_) sync_directory(e.target);
  committed_ = true;
  entries_.clear();
}

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces) {
  OutputSet set;
  set.write(path, pieces);
  set.commit();
}

}  // namespace kdash::io
