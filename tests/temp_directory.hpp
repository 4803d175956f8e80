// A fresh, empty directory per test: <tmp>/<prefix>_<pid>_<test name>.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

namespace kdash::testing {

inline std::filesystem::path fresh_test_directory(const std::string& prefix) {
  const auto dir =
      std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()) + "_" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace kdash::testing
