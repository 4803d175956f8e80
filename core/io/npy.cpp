#include "kdash/io/npy.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace kdash::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

bool host_is_little_endian() {
  const std::uint16_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

std::string shape_to_string(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// The value of `key` in the header dict: 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
std::string dict_value(const std::string& path, const std::string& header, const std::string& key) {
  const std::regex re("['\"]" + key + "['\"]\\s*:\\s*('[^']*'|\"[^\"]*\"|True|False|\\([^)]*\\))");
  std::smatch m;
  if (!std::regex_search(header, m, re)) fail(path, "malformed .npy header: no '" + key + "' entry");
  return m[1].str();
}

}  // namespace

std::string NpyArray::shape_string() const { return shape_to_string(shape); }

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  char magic[6];
  if (!in.read(magic, 6) || std::memcmp(magic, kMagic, 6) != 0) fail(path, "not a .npy file (bad magic string)");
  unsigned char version[2];
  if (!in.read(reinterpret_cast<char*>(version), 2)) fail(path, "truncated .npy header");
  std::uint32_t header_len = 0;
  if (version[0] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) fail(path, "truncated .npy header");
    header_len = b[0] | (b[1] << 8);
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) fail(path, "truncated .npy header");
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(version[0]) + "." + std::to_string(version[1]));
  }
  if (header_len > (1u << 20)) fail(path, "malformed .npy header (length " + std::to_string(header_len) + ")");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail(path, "truncated .npy header");

  const std::string descr = dict_value(path, header, "descr");
  const std::string fortran = dict_value(path, header, "fortran_order");
  const std::string shape_text = dict_value(path, header, "shape");
  if (fortran != "False")
    fail(path, "Fortran-order arrays are not supported; save it in C order (np.ascontiguousarray)");
  if (descr.size() != 5) fail(path, "unsupported dtype " + descr + " (only float32 and float64 are accepted)");
  const char order = descr[1];
  const std::string kind = descr.substr(2, 2);
  NpyArray out;
  std::size_t item = 0;
  if (kind == "f4") {
    out.type = NpyType::f32;
    item = 4;
  } else if (kind == "f8") {
    out.type = NpyType::f64;
    item = 8;
  } else {
    fail(path, "unsupported dtype " + descr + " (only float32 and float64 are accepted)");
  }
  if (order != '<' && order != '>' && order != '=') fail(path, "unsupported byte order in dtype " + descr);
  const bool swap = (order == '<' && !host_is_little_endian()) || (order == '>' && host_is_little_endian());

  // shape: "(2, 3)", "(5,)" or "()"
  std::size_t count = 1;
  {
    std::string body = shape_text.substr(1, shape_text.size() - 2);
    std::stringstream ss(body);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      const auto first = tok.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      const auto last = tok.find_last_not_of(" \tL");
      tok = tok.substr(first, last - first + 1);
      if (tok.empty() || tok.find_first_not_of("0123456789") != std::string::npos)
        fail(path, "malformed shape " + shape_text + " in the .npy header");
      const std::size_t d = std::stoull(tok);
      if (d != 0 && count > std::numeric_limits<std::size_t>::max() / 16 / d)
        fail(path, "shape " + shape_text + " is too large");
      out.shape.push_back(d);
      count *= d;
    }
  }
  std::vector<unsigned char> raw(count * item);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size())))
    fail(path, "truncated: the header announces " + shape_to_string(out.shape) + " " + descr + " (" +
                   std::to_string(raw.size()) + " bytes of data) but the file ends early");
  if (in.peek() != std::char_traits<char>::eof())
    fail(path, "the file is longer than its header's shape " + shape_to_string(out.shape) + " announces");
  out.data.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    unsigned char* p = raw.data() + i * item;
    if (swap)
      for (std::size_t a = 0, b = item - 1; a < b; ++a, --b) std::swap(p[a], p[b]);
    if (item == 4) {
      float v;
      std::memcpy(&v, p, 4);
      out.data[i] = v;
    } else {
      std::memcpy(&out.data[i], p, 8);
    }
  }
  return out;
}

namespace {

template <class T>
void write_impl(const std::string& path, const std::vector<std::size_t>& shape, const T* data, const char* descr) {
  if (!host_is_little_endian()) fail(path, "writing .npy files is implemented for little-endian hosts only");
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape_to_string(shape) + ", }";
  // Pad so that magic(6) + version(2) + length(2) + header ends with '\n' on a 64-byte boundary.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::size_t count = 1;
  for (auto d : shape) count *= d;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, "cannot open for writing");
    out.write(kMagic, 6);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                  static_cast<unsigned char>(header.size() >> 8)};
    out.write(reinterpret_cast<const char*>(len), 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
    out.flush();
    if (!out) fail(path, "write failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(path, "cannot rename the temporary file into place");
  }
}

}  // namespace

void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data) {
  write_impl(path, shape, data, "<f4");
}

void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data) {
  write_impl(path, shape, data, "<f8");
}

}  // namespace kdash::io
