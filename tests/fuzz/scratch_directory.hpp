// A private directory for the files the fuzz entry points hand to the readers under test (they take a path): created
// under $TMPDIR (or /tmp) on first use, removed at exit.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace kdash::fuzz {

class ScratchDirectory {
 public:
  static const ScratchDirectory& instance() {
    static const ScratchDirectory dir;
    return dir;
  }

  std::string path(const std::string& name) const { return (root_ / name).string(); }

  // Writes `size` bytes to the file `name` (replacing it) and returns its path.
  std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) throw std::runtime_error("kdash fuzz: cannot write the scratch file " + p);
    return p;
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    return write(name, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }

  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    if (!in) throw std::runtime_error("kdash fuzz: cannot read the scratch file " + path(name));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

 private:
  ScratchDirectory() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kdash_fuzz_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("kdash fuzz: cannot create " + pattern);
    root_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::filesystem::path root_;
};

}  // namespace kdash::fuzz
