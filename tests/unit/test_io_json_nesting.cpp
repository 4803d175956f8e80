// kdash::io::json_nesting: the depth every JSON reader of kdash checks before parsing (kdash/io/json_nesting.hpp).
#include <kdash/io/json_nesting.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using kdash::io::json_nesting;

TEST(JsonNesting, CountsArraysAndObjects) {
  EXPECT_EQ(json_nesting(""), 0u);
  EXPECT_EQ(json_nesting("42"), 0u);
  EXPECT_EQ(json_nesting("[]"), 1u);
  EXPECT_EQ(json_nesting("[[], [[]], {}]"), 3u);
  EXPECT_EQ(json_nesting(R"({"a": [{"b": {}}], "c": 1})"), 4u);
  const std::size_t deep = 1000000;
  EXPECT_EQ(json_nesting(std::string(deep, '[') + std::string(deep, ']')), deep);
}

TEST(JsonNesting, SkipsBracketsInStringsAndEscapedQuotes) {
  EXPECT_EQ(json_nesting(R"(["[[[", "{{"])"), 1u);
  EXPECT_EQ(json_nesting(R"(["\"[[", "\\", [2]])"), 2u);  // \" stays in the string, \\ ends an escape
  EXPECT_EQ(json_nesting(R"({"k\"}": [[1]]})"), 3u);
}

// Malformed text gives at least the depth a parser reaches before it fails: unmatched closers do not go below 0 and
// unclosed openers count.
TEST(JsonNesting, MalformedTextIsBoundedFromAbove) {
  EXPECT_EQ(json_nesting("]]]][["), 2u);
  EXPECT_EQ(json_nesting("[[[["), 4u);
  EXPECT_EQ(json_nesting(R"([1, "unterminated [[[)"), 1u);
}

}  // namespace
