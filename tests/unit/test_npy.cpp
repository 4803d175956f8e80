// .npy reading and writing: exact round trips, both byte orders, format versions, and clear rejection of everything
// the tool does not accept. Files are built byte by byte here, as NumPy lays them out (NEP 1 / numpy.lib.format).
#include <kdash/io/npy.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "kdash_npy_" + name + ".npy"; }

// A raw .npy file: magic, version, header (padded to 64 bytes), payload.
void write_raw(const std::string& path, const std::string& dict, const std::string& payload, int major = 1) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY", 6);
  out.put(char(major));
  out.put(0);
  const std::size_t n = header.size();
  out.put(char(n & 0xff));
  out.put(char((n >> 8) & 0xff));
  if (major != 1) {
    out.put(0);
    out.put(0);
  }
  out << header << payload;
}

std::string big_endian_bytes(double v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return std::string(s.rbegin(), s.rend());
}

std::string message_of(const std::string& path) {
  try {
    kdash::io::read_npy(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Npy, FloatAndDoubleRoundTripExactly) {
  const std::vector<float> f = {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(), 3.4e38f, 1e-7f, 2.0f};
  kdash::io::write_npy(temp_path("f32"), {2, 1, 3}, f.data());
  auto a = kdash::io::read_npy(temp_path("f32"));
  EXPECT_EQ(a.type, kdash::io::NpyType::f32);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 1, 3}));
  ASSERT_EQ(a.size(), f.size());
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(float(a.data[i]), f[i]);

  const std::vector<double> d = {M_PI, -1e-300, 1e300, 0.1};
  kdash::io::write_npy(temp_path("f64"), {4}, d.data());
  auto b = kdash::io::read_npy(temp_path("f64"));
  EXPECT_EQ(b.type, kdash::io::NpyType::f64);
  EXPECT_EQ(b.shape_string(), "(4,)");
  EXPECT_EQ(b.data, d);
}

TEST(Npy, ScalarAndEmptyShapes) {
  const double v = 42;
  kdash::io::write_npy(temp_path("scalar"), {}, &v);
  auto a = kdash::io::read_npy(temp_path("scalar"));
  EXPECT_TRUE(a.shape.empty());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a.data[0], 42);
  kdash::io::write_npy(temp_path("empty"), {0, 3}, static_cast<const float*>(nullptr));
  auto e = kdash::io::read_npy(temp_path("empty"));
  EXPECT_EQ(e.shape, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(e.size(), 0u);
}

TEST(Npy, BigEndianAndVersionTwoFilesAreRead) {
  write_raw(temp_path("be"), "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
            big_endian_bytes(1.25) + big_endian_bytes(-3.5));
  auto a = kdash::io::read_npy(temp_path("be"));
  EXPECT_EQ(a.data, (std::vector<double>{1.25, -3.5}));
  const float x = 0.5f;
  write_raw(temp_path("v2"), "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
            std::string(reinterpret_cast<const char*>(&x), 4), 2);
  EXPECT_EQ(kdash::io::read_npy(temp_path("v2")).data, (std::vector<double>{0.5}));
}

TEST(Npy, RejectsWhatItCannotReadWithAMessageNamingTheFileAndProblem) {
  const std::string eight(8, '\0');
  write_raw(temp_path("fortran"), "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", eight);
  EXPECT_NE(message_of(temp_path("fortran")).find("Fortran"), std::string::npos);
  write_raw(temp_path("object"), "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", eight);
  EXPECT_NE(message_of(temp_path("object")).find("dtype"), std::string::npos);
  write_raw(temp_path("int"), "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", eight);
  EXPECT_NE(message_of(temp_path("int")).find("float32 and float64"), std::string::npos);
  write_raw(temp_path("short"), "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", eight);
  const std::string truncated = message_of(temp_path("short"));
  EXPECT_NE(truncated.find("truncated"), std::string::npos);
  EXPECT_NE(truncated.find(temp_path("short")), std::string::npos);
  write_raw(temp_path("long"), "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight + eight);
  EXPECT_NE(message_of(temp_path("long")).find("longer"), std::string::npos);
  write_raw(temp_path("noshape"), "{'descr': '<f8', 'fortran_order': False, }", eight);
  EXPECT_NE(message_of(temp_path("noshape")).find("shape"), std::string::npos);
  { std::ofstream(temp_path("text")) << "not numpy at all"; }
  EXPECT_NE(message_of(temp_path("text")).find("magic"), std::string::npos);
  EXPECT_NE(message_of(temp_path("missing_file_that_is_not_there")).find("cannot open"), std::string::npos);
}

long peak_rss_kib() {
  struct rusage u {};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The size the header announces is checked against the file before anything is allocated: 2 GiB announced by a
// 768-byte file costs no memory.
TEST(Npy, AnnouncedSizeIsCheckedAgainstTheFileBeforeAllocating) {
  const std::string path = temp_path("huge");
  write_raw(path, "{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }", std::string(704, '\0'));
  const long before = peak_rss_kib();
  const std::string m = message_of(path);
  EXPECT_LT(peak_rss_kib() - before, 64 * 1024) << "reading the file raised the peak memory";
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("2147483648 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("704"), std::string::npos) << m;
  // Sizes beyond any file: element counts that overflow, digits that overflow.
  write_raw(path, "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1048576, 1048576), }", "");
  EXPECT_NE(message_of(path).find("too large"), std::string::npos) << message_of(path);
  write_raw(path, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "");
  EXPECT_NE(message_of(path).find("too large"), std::string::npos) << message_of(path);
  EXPECT_EQ(message_of(path).find("stoull"), std::string::npos);
}

// The header is a Python dict literal with exactly the keys descr, fortran_order and shape (as NumPy requires); a
// key given twice is rejected rather than resolved either way.
TEST(Npy, HeaderSyntaxIsCheckedStrictly) {
  const std::string eight(8, '\0');
  const std::string path = temp_path("header");
  auto rejected = [&](const std::string& dict, const std::string& what) {
    SCOPED_TRACE(dict);
    write_raw(path, dict, eight);
    const std::string m = message_of(path);
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find(what), std::string::npos) << m;
  };
  rejected("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'shape': (1,), }", "'shape' appears twice");
  rejected("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "'descr' appears twice");
  rejected("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': (1,), }", "unexpected key 'extra'");
  for (const std::string shape : {"(1,,)", "(,1)", "(,)", "(1 1)", "(1", "1", "(1)", "(-1,)", "(1.0,)", "(0x1,)"})
    rejected("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", "shape");
  rejected("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } trailing", "header");
  rejected("{'descr': '<f8' 'fortran_order': False, 'shape': (1,), }", "header");
  rejected("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", "fortran_order");
  rejected("{'descr': 8, 'fortran_order': False, 'shape': (1,), }", "descr");
  // What NumPy writes is accepted: no trailing comma, double quotes, spaces, Python 2 long suffixes.
  write_raw(path, "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":( 1L , )}", eight);
  EXPECT_EQ(kdash::io::read_npy(path).shape, (std::vector<std::size_t>{1}));
}

TEST(Npy, ADirectoryIsNamedAsSuch) {
  const std::string dir = ::testing::TempDir() + "kdash_npy_folder.npy";
  std::filesystem::create_directories(dir);
  const std::string m = message_of(dir);
  EXPECT_NE(m.find(dir), std::string::npos) << m;
  EXPECT_NE(m.find("directory"), std::string::npos) << m;
  std::filesystem::remove(dir);
}

}  // namespace
