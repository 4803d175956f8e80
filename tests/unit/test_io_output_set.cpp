// kdash::io::OutputSet: a set of files replaced all together or not at all, through exclusively created temporaries
// that never follow a symlink and never survive a failure. Real files in a temporary directory; a full disk is a
// file-size limit (RLIMIT_FSIZE), under which write(2) fails with EFBIG.
#include <kdash/io/output_set.hpp>

#include <gtest/gtest.h>

#include "temp_directory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;
using kdash::io::OutputSet;

class OutputSetTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = kdash::testing::fresh_test_directory("kdash_output_set"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void plant(const std::string& name, const std::string& text) { std::ofstream(path(name)) << text; }
  std::set<std::string> files() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }
  fs::path dir_;
};

TEST_F(OutputSetTest, NothingIsVisibleBeforeCommitAndEverythingAfter) {
  plant("a", "old a");
  OutputSet set;
  set.write(path("a"), {"new ", "a"});
  set.write(path("b"), {"new b"});
  EXPECT_EQ(read("a"), "old a");
  EXPECT_FALSE(fs::exists(path("b")));
  set.commit();
  EXPECT_EQ(read("a"), "new a");
  EXPECT_EQ(read("b"), "new b");
  EXPECT_EQ(files(), (std::set<std::string>{"a", "b"}));
}

TEST_F(OutputSetTest, AnUncommittedSetLeavesNoTrace) {
  plant("a", "old a");
  {
    OutputSet set;
    set.reserve(path("c"));
    set.write(path("a"), {"new a"});
  }
  EXPECT_EQ(read("a"), "old a");
  EXPECT_EQ(files(), (std::set<std::string>{"a"}));
}

// The second target cannot be replaced (a directory stands there): the first keeps its old contents.
TEST_F(OutputSetTest, AFailedCommitRestoresEveryTarget) {
  plant("a", "old a");
  fs::create_directories(path("b"));
  OutputSet set;
  set.write(path("a"), {"new a"});
  set.write(path("b"), {"new b"});
  set.write(path("c"), {"new c"});
  try {
    set.commit();
    FAIL() << "commit over a directory succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path("b")), std::string::npos) << e.what();
  }
  EXPECT_EQ(read("a"), "old a");
  EXPECT_TRUE(fs::is_directory(path("b")));
  EXPECT_EQ(files(), (std::set<std::string>{"a", "b"}));
}

// A rename that fails after others succeeded (here b's temporary vanished): the targets already replaced get their
// previous contents back, and a target that did not exist before is removed again.
TEST_F(OutputSetTest, ARenameFailingMidwayIsRolledBack) {
  plant("a", "old a");
  OutputSet set;
  set.write(path("a"), {"new a"});
  set.write(path("c"), {"new c"});
  set.write(path("b"), {"new b"});
  for (const auto& name : files())
    if (name.rfind(".b.", 0) == 0) fs::remove(path(name));
  EXPECT_THROW(set.commit(), std::runtime_error);
  EXPECT_EQ(read("a"), "old a");
  EXPECT_EQ(files(), (std::set<std::string>{"a"}));
}

TEST_F(OutputSetTest, AnUnwritableDestinationIsFoundAtReserve) {
  plant("file", "x");
  OutputSet set;
  try {
    set.reserve(path("file/out.npy"));
    FAIL() << "reserved a file below a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path("file/out.npy")), std::string::npos) << e.what();
  }
  EXPECT_THROW(set.reserve(path("missing_dir/out.npy")), std::runtime_error);
  EXPECT_EQ(files(), (std::set<std::string>{"file"}));
}

// A target that is a symlink is replaced by a regular file; the file it pointed to is not written.
TEST_F(OutputSetTest, SymlinksAreReplacedNotFollowed) {
  plant("victim", "victim");
  fs::create_symlink(path("victim"), path("out"));
  kdash::io::write_file_atomically(path("out"), {"new"});
  EXPECT_EQ(read("victim"), "victim");
  EXPECT_FALSE(fs::is_symlink(path("out")));
  EXPECT_EQ(read("out"), "new");
}

// Two sets writing the same target choose different temporaries; the last commit wins whole.
TEST_F(OutputSetTest, ConcurrentSetsUseDistinctTemporaries) {
  OutputSet one, two;
  one.write(path("x"), {"from one"});
  two.write(path("x"), {"from two"});
  EXPECT_EQ(files().size(), 2u);
  one.commit();
  two.commit();
  EXPECT_EQ(read("x"), "from two");
  EXPECT_EQ(files(), (std::set<std::string>{"x"}));
}

// A full disk: the write fails, naming the target; nothing is replaced and no temporary remains.
TEST_F(OutputSetTest, AFullDiskFailsCleanly) {
  plant("a", "old a");
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    OutputSet set;
    set.write(path("a"), {std::string(100, 'a')});
    set.write(path("b"), {std::string(10000, 'b')});
    set.commit();
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_NE(message.find(path("b")), std::string::npos) << message;
  EXPECT_EQ(read("a"), "old a");
  EXPECT_EQ(files(), (std::set<std::string>{"a"}));
}

// A target whose name is as long as a file name may be (255 bytes on Linux) still gets a temporary.
TEST_F(OutputSetTest, LongTargetNamesWork) {
  const std::string name(250, 'n');
  plant(name, "old");
  kdash::io::write_file_atomically(path(name), {"new"});
  EXPECT_EQ(read(name), "new");
  EXPECT_EQ(files(), (std::set<std::string>{name}));
}

}  // namespace
