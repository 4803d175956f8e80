// Model shape sets for `kdash bench` (design.md §8): the parameters of a model whose optimizer step is timed.
// Built in: `llama-953m` (the DASH paper's model) and `small` (the same architecture scaled down so that the default
// table runs in about a minute on a 2-core CPU); a JSON file defines a custom preset (docs/bench.md).
#pragma once

#include "bench/memory_budget.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kdash::tools::bench {

// One parameter: 1-D (a vector: bias, norm gain) or 2-D (rows x cols). Higher ranks are given already flattened
// to (shape[0], numel / shape[0]) as design.md §1 prescribes.
struct ParamShape {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t numel() const;
};

struct ModelPreset {
  std::string name;
  std::string description;
  std::vector<ParamShape> params;
  std::int64_t numel() const;
};

// A Llama-style decoder: `layers` blocks of (q, k, v, o: width x width; SwiGLU gate, up: hidden x width and
// down: width x hidden; two RMSNorm gains: width), then an untied embedding and lm head (vocab x width each) and a
// final norm gain (width).
struct LlamaShape {
  int layers = 0, width = 0, hidden = 0, vocab = 0;
};
// Checks the shape's element count (64 bits) and memory (`budget`, memory_budget.hpp) before building the list.
ModelPreset llama_preset(const std::string& name, const LlamaShape& shape, const MemoryBudget& budget = {});

// The names of the built-in presets, and one of them by name (std::invalid_argument listing them if unknown, or
// naming the memory it needs when that exceeds `budget`).
std::vector<std::string> builtin_preset_names();
ModelPreset builtin_preset(const std::string& name, const MemoryBudget& budget = {});

// A preset from JSON text, either a list of parameters or a Llama-style shape:
//   {"name": "mine", "params": [{"name": "w1", "shape": [512, 256]}, {"name": "b1", "shape": [512]}]}
//   {"name": "mine", "llama": {"layers": 4, "width": 512, "hidden": 1408, "vocab": 4096}}
// `origin` names the source in error messages (quoted there) and is the default name. Throws std::invalid_argument on
// malformed input: nesting deeper than kdash::io::kMaxJsonNesting, an unknown key, a dimension outside [1, 2^63)
// (Llama fields: [1, 2^31)), an element count beyond 64 bits, an empty or repeated parameter name, or a preset whose
// parameters and gradients cannot fit into `budget` (memory_budget.hpp).
ModelPreset parse_preset_json(const std::string& text, const std::string& origin, const MemoryBudget& budget = {});
// `--preset` argument: a built-in name, or a path ending in .json read with parse_preset_json.
ModelPreset resolve_preset(const std::string& name_or_path, const MemoryBudget& budget = {});

}  // namespace kdash::tools::bench
