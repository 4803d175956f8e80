// The nesting depth of a JSON text, checked before it is parsed. kdash reads JSON from users and files (configs,
// checkpoint headers, bench presets) with nlohmann::json, whose dump(), copies and comparisons recurse once per level
// of nesting: a few hundred kB of '[' would overflow the stack as soon as an error message shows the value. Every
// reader of such text rejects it above kMaxJsonNesting first; no format of kdash nests more than a few levels.
#pragma once

#include <cstddef>
#include <string_view>

namespace kdash::io {

inline constexpr std::size_t kMaxJsonNesting = 100;

// The deepest nesting of arrays and objects in `text` (0 for a scalar), skipping brackets inside strings. Defined for
// any text: malformed JSON gives the depth a parser would reach before it fails, or more.
std::size_t json_nesting(std::string_view text);

}  // namespace kdash::io
