// The files one command writes, replaced all together or not at all.
//
// Each output is first written to a temporary file in its target's directory, created exclusively (O_CREAT|O_EXCL,
// so an existing file or symlink of that name is never opened) under a name no other writer uses; it is flushed,
// fsync'd and closed with every error checked. commit() renames the temporaries over their targets only after every
// output was written; if one rename fails, the targets already replaced get their previous contents back (kept as
// hard links until the commit ends). A set destroyed before commit() removes its temporaries, so a failure leaves
// the previous files untouched and no stray temporary behind. A target that is a symlink is replaced by the new file;
// the file it pointed to is never written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kdash::io {

class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();  // removes the temporaries of an uncommitted set

  // Creates the temporary of `path` now, so that an unwritable destination is found before any work is done.
  // Throws std::runtime_error naming `path` and the system error.
  void reserve(const std::string& path);
  // Writes `pieces`, concatenated, as the new contents of `path` (reserving it first if needed), then flushes,
  // fsyncs and closes the temporary. Each path is written once per set.
  void write(const std::string& path, const std::vector<std::string_view>& pieces);
  // Renames every temporary over its target (all reserved paths must have been written). All or none: on failure
  // the previous targets are restored and std::runtime_error names the path that failed.
  void commit();

 private:
  struct Entry {
    std::string target, temporary;
    int fd = -1;
    bool written = false;
  };
  Entry& entry_for(const std::string& path);
  void discard() noexcept;
  std::vector<Entry> entries_;
  bool committed_ = false;
};

// One file written atomically: an OutputSet of one.
void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces);

}  // namespace kdash::io
