#include "kdash/io/npy.hpp"

#include "kdash/io/output_set.hpp"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <new>
#include <stdexcept>
#include <string_view>

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

// One value of the header dict: a string, a boolean or a tuple of non-negative integers.
struct HeaderValue {
  enum Kind { string, boolean, tuple } kind;
  std::string text;                 // the string, or the source text of the value (for messages)
  bool flag = false;                // boolean
  std::vector<std::size_t> values;  // tuple
};

// The header: a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } followed by
// padding (spaces, then '\n'). Only the syntax NumPy's writer can produce for these three keys is accepted.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), s_(text) {}

  std::map<std::string, HeaderValue> parse() {
    std::map<std::string, HeaderValue> out;
    skip_space();
    expect('{');
    skip_space();
    while (peek() != '}') {
      const std::string key = quoted();
      skip_space();
      expect(':');
      skip_space();
      HeaderValue v = value(key);
      if (key != "descr" && key != "fortran_order" && key != "shape")
        fail(path_, "malformed .npy header: unexpected key '" + key + "'");
      if (!out.emplace(key, v).second) fail(path_, "malformed .npy header: the key '" + key + "' appears twice");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        error("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) error("unexpected text after the dict");
    return out;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  [[noreturn]] void error(const std::string& what) const {
    fail(path_, "malformed .npy header (" + what + " at offset " + std::to_string(pos_) + ")");
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    const char q = peek();
    if (q != '\'' && q != '"') error("expected a quoted string");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) error("unterminated string");
    std::string text = s_.substr(pos_ + 1, end - pos_ - 1);
    if (text.find('\\') != std::string::npos) error("escape sequences are not supported");
    pos_ = end + 1;
    return text;
  }
  HeaderValue value(const std::string& key) {
    const std::size_t start = pos_;
    HeaderValue v{HeaderValue::string, {}, false, {}};
    if (peek() == '\'' || peek() == '"') {
      v.text = quoted();
      return v;
    }
    if (s_.compare(pos_, 4, "True") == 0 || s_.compare(pos_, 5, "False") == 0) {
      v.kind = HeaderValue::boolean;
      v.flag = s_[pos_] == 'T';
      pos_ += v.flag ? 4 : 5;
      v.text = v.flag ? "True" : "False";
      return v;
    }
    if (peek() != '(') error("the value of '" + key + "' is not a string, True/False or a tuple");
    v.kind = HeaderValue::tuple;
    ++pos_;
    skip_space();
    bool trailing_comma = false;
    while (peek() != ')') {
      v.values.push_back(integer(key, start));
      skip_space();
      trailing_comma = peek() == ',';
      if (trailing_comma) {
        ++pos_;
        skip_space();
      } else if (peek() != ')') {
        malformed_tuple(key, start);
      }
    }
    ++pos_;
    // (n) is an integer in Python, not a tuple: one element needs its comma.
    if (v.values.size() == 1 && !trailing_comma) malformed_tuple(key, start);
    v.text = s_.substr(start, pos_ - start);
    return v;
  }
  [[noreturn]] void malformed_tuple(const std::string& key, std::size_t start) const {
    const std::size_t end = s_.find(')', start);
    fail(path_, "malformed " + key + " " + s_.substr(start, end == std::string::npos ? 40 : end - start + 1) +
                    " in the .npy header (a tuple of non-negative integers such as (3,) or (2, 3))");
  }
  std::size_t integer(const std::string& key, std::size_t start) {
    if (peek() < '0' || peek() > '9') malformed_tuple(key, start);
    std::size_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const std::size_t digit = static_cast<std::size_t>(peek() - '0');
      if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
        const std::size_t end = s_.find(')', start);
        fail(path_, key + " " + s_.substr(start, end == std::string::npos ? 40 : end - start + 1) +
                        " is too large (a dimension exceeds 2^64)");
      }
      v = v * 10 + digit;
      ++pos_;
    }
    if (peek() == 'L') ++pos_;  // Python 2 long
    return v;
  }

  const std::string& path_;
  const std::string& s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string NpyArray::shape_string() const { return shape_to_string(shape); }

NpyArray read_npy(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (file_size < 0) fail(path, "cannot determine the file size");
  char magic[6];
  if (!in.read(magic, 6) || std::memcmp(magic, kMagic, 6) != 0) fail(path, "not a .npy file (bad magic string)");
  unsigned char version[2];
  if (!in.read(reinterpret_cast<char*>(version), 2)) fail(path, "truncated .npy header");
  std::uint32_t header_len = 0;
  std::size_t prefix = 0;
  if (version[0] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) fail(path, "truncated .npy header");
    header_len = b[0] | (b[1] << 8);
    prefix = 10;
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) fail(path, "truncated .npy header");
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    prefix = 12;
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(version[0]) + "." + std::to_string(version[1]));
  }
  if (prefix + header_len > static_cast<std::uint64_t>(file_size)) {
    fail(path, "truncated .npy header: it announces " + std::to_string(header_len) + " bytes, the file has " +
                   std::to_string(file_size) + " in all");
  }
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail(path, "truncated .npy header");

  const auto dict = HeaderParser(path, header).parse();
  for (const char* key : {"descr", "fortran_order", "shape"})
    if (!dict.count(key)) fail(path, std::string("malformed .npy header: no '") + key + "' entry");
  const HeaderValue& descr_value = dict.at("descr");
  const HeaderValue& fortran = dict.at("fortran_order");
  const HeaderValue& shape_value = dict.at("shape");
  if (descr_value.kind != HeaderValue::string)
    fail(path, "malformed .npy header: 'descr' must be a string, got " + descr_value.text);
  if (fortran.kind != HeaderValue::boolean)
    fail(path, "malformed .npy header: 'fortran_order' must be True or False, got " + fortran.text);
  if (shape_value.kind != HeaderValue::tuple)
    fail(path, "malformed .npy header: 'shape' must be a tuple, got " + shape_value.text);
  if (fortran.flag) fail(path, "Fortran-order arrays are not supported; save it in C order (np.ascontiguousarray)");
  const std::string& descr = descr_value.text;
  if (descr.size() != 3) fail(path, "unsupported dtype " + descr + " (only float32 and float64 are accepted)");
  const char order = descr[0];
  const std::string kind = descr.substr(1, 2);
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

  // The data size the header announces, checked against the file before anything is allocated.
  std::size_t count = 1;
  for (std::size_t d : shape_value.values) {
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / item / d)
      fail(path, "shape " + shape_value.text + " is too large (more than 2^64 bytes)");
    count *= d;
  }
  out.shape = shape_value.values;
  const std::uint64_t announced = static_cast<std::uint64_t>(count) * item;
  const std::uint64_t available = static_cast<std::uint64_t>(file_size) - prefix - header_len;
  if (available < announced) {
    fail(path, "truncated: the header announces shape " + shape_to_string(out.shape) + " " + descr + " (" +
                   std::to_string(announced) + " bytes of data) but the file holds " + std::to_string(available));
  }
  if (available > announced) {
    fail(path, "the file is longer than its header's shape " + shape_to_string(out.shape) + " announces (" +
                   std::to_string(available) + " bytes of data, not " + std::to_string(announced) + ")");
  }
  try {
    std::vector<unsigned char> raw(count * item);
    if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size())))
      fail(path, "read error after the header");
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
  } catch (const std::bad_alloc&) {
    fail(path, "not enough memory for its " + std::to_string(announced) + " bytes of data");
  }
  return out;
}

namespace {

template <class T>
void write_impl(OutputSet& outputs, const std::string& path, const std::vector<std::size_t>& shape, const T* data,
                const char* descr) {
  if (!host_is_little_endian()) fail(path, "writing .npy files is implemented for little-endian hosts only");
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape_to_string(shape) + ", }";
  // Pad so that magic(6) + version(2) + length(2) + header ends with '\n' on a 64-byte boundary.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::size_t count = 1;
  for (auto d : shape) count *= d;
  std::string prefix(kMagic, 6);
  prefix += {char(1), char(0), static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  outputs.write(path, {prefix, header, std::string_view(reinterpret_cast<const char*>(data), count * sizeof(T))});
}

template <class T>
void write_one(const std::string& path, const std::vector<std::size_t>& shape, const T* data, const char* descr) {
  OutputSet outputs;
  write_impl(outputs, path, shape, data, descr);
  outputs.commit();
}

}  // namespace

void write_npy(OutputSet& outputs, const std::string& path, const std::vector<std::size_t>& shape, const float* data) {
  write_impl(outputs, path, shape, data, "<f4");
}
void write_npy(OutputSet& outputs, const std::string& path, const std::vector<std::size_t>& shape, const double* data) {
  write_impl(outputs, path, shape, data, "<f8");
}
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data) {
  write_one(path, shape, data, "<f4");
}
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data) {
  write_one(path, shape, data, "<f8");
}

}  // namespace kdash::io
