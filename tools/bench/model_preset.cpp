#include "bench/model_preset.hpp"

#include <kdash/io/json_nesting.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <stdexcept>

namespace kdash::tools::bench {

std::int64_t ParamShape::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::int64_t ModelPreset::numel() const {
  std::int64_t n = 0;
  for (const auto& p : params) n += p.numel();
  return n;
}

namespace {

// a * b and a + b, or std::invalid_argument naming `what` when the result does not fit into 64 bits.
std::int64_t checked_product(std::int64_t a, std::int64_t b, const std::string& what) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw std::invalid_argument(what + ": the element count overflows 64 bits");
  return r;
}
std::int64_t checked_sum(std::int64_t a, std::int64_t b, const std::string& what) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw std::invalid_argument(what + ": the element count overflows 64 bits");
  return r;
}

// A Llama shape's ranges, element count and memory (`what` names the preset in messages).
void check_llama(const std::string& what, const LlamaShape& s, const MemoryBudget& budget) {
  if (s.layers < 1 || s.width < 1 || s.hidden < 1 || s.vocab < 1) {
    throw std::invalid_argument(what + ": layers, width, hidden and vocab must all be >= 1");
  }
  const std::int64_t w = s.width, h = s.hidden, v = s.vocab;
  // Per layer: q, k, v, o (w x w), gate and up (h x w), down (w x h), two gains (w); then the embedding and the lm
  // head (v x w) and the final gain (w).
  const std::int64_t layer =
      checked_sum(checked_sum(checked_product(4 * w, w, what), checked_product(3 * h, w, what), what), 2 * w, what);
  const std::int64_t elements =
      checked_sum(checked_product(s.layers, layer, what), checked_sum(checked_product(2 * v, w, what), w, what), what);
  // The largest parameter: the embedding (vocab x width), else a SwiGLU projection (hidden x width), else attention.
  const std::int64_t rows = std::max({v, h, w});
  const char* largest = rows == v ? "embed_tokens" : rows == h ? "mlp.gate_proj" : "attn.q_proj";
  require_fits(what, 9 * std::int64_t(s.layers) + 3, elements,
               std::string("'") + largest + "' (" + std::to_string(rows) + "x" + std::to_string(w) + ")", budget);
}

// The Llama preset `name` after check_llama (`what` names it in messages: the preset, or the file it comes from).
ModelPreset build_llama(const std::string& name, const LlamaShape& s, const std::string& what,
                        const MemoryBudget& budget) {
  check_llama(what, s, budget);
  ModelPreset m;
  m.name = name;
  std::ostringstream d;
  d << "Llama-style: " << s.layers << " layers, width " << s.width << ", SwiGLU hidden " << s.hidden << ", vocabulary "
    << s.vocab << ", untied embeddings, RMSNorm gains";
  m.description = d.str();
  const std::int64_t w = s.width, h = s.hidden, v = s.vocab;
  m.params.push_back({"embed_tokens", {v, w}});
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) m.params.push_back({p + "attn." + proj, {w, w}});
    m.params.push_back({p + "mlp.gate_proj", {h, w}});
    m.params.push_back({p + "mlp.up_proj", {h, w}});
    m.params.push_back({p + "mlp.down_proj", {w, h}});
    m.params.push_back({p + "input_norm", {w}});
    m.params.push_back({p + "post_attn_norm", {w}});
  }
  m.params.push_back({"final_norm", {w}});
  m.params.push_back({"lm_head", {v, w}});
  return m;
}

}  // namespace

ModelPreset llama_preset(const std::string& name, const LlamaShape& s, const MemoryBudget& budget) {
  return build_llama(name, s, "preset '" + name + "'", budget);
}

std::vector<std::string> builtin_preset_names() { return {"small", "llama-953m"}; }

ModelPreset builtin_preset(const std::string& name, const MemoryBudget& budget) {
  // The DASH paper's model (arXiv 2602.02016): 953M parameters.
  if (name == "llama-953m") return llama_preset(name, {16, 2048, 5632, 32000}, budget);
  // The same architecture scaled down (width / 16, SwiGLU ratio 2.75, vocabulary 512): sized so that the default
  // table (4 solvers x 3 modes x block sizes 128, 256, 512) runs in about a minute on 2 CPU cores (docs/bench.md).
  if (name == "small") return llama_preset(name, {2, 128, 352, 512}, budget);
  std::string known;
  for (const auto& n : builtin_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown preset '" + name + "' (built in: " + known + "; or a path to a .json file)");
}

namespace {

// An integer in [1, most]; a value beyond 64 bits (nlohmann keeps it unsigned) is out of range too.
std::int64_t positive_dim(const nlohmann::json& j, const std::string& where, std::int64_t most) {
  const bool in_range = j.is_number_unsigned()  ? j.get<std::uint64_t>() <= std::uint64_t(most)
                        : j.is_number_integer() ? j.get<std::int64_t>() <= most
                                                : false;
  if (!in_range || j.get<std::int64_t>() < 1) {
    throw std::invalid_argument(where + " must be an integer from 1 to " + std::to_string(most) + ", got " + j.dump());
  }
  return j.get<std::int64_t>();
}

// j[key] as a string, `fallback` when absent; std::invalid_argument naming `where` when it is not a string.
std::string optional_string(const nlohmann::json& j, const char* key, const std::string& fallback,
                            const std::string& where) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) {
    throw std::invalid_argument(where + ": \"" + key + "\" must be a string, got " + j[key].dump());
  }
  return j[key].get<std::string>();
}

// std::invalid_argument naming `where` and the key when the object `j` has a key outside `known` (a misspelt
// "descripton" or "shapes" would otherwise be ignored).
void only_known_keys(const nlohmann::json& j, std::initializer_list<const char*> known, const std::string& where) {
  for (const auto& item : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || item.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "\"" : ", \"") + std::string(k) + "\"";
      throw std::invalid_argument(where + ": unknown key \"" + item.key() + "\" (known: " + list + ")");
    }
  }
}

}  // namespace

ModelPreset parse_preset_json(const std::string& text, const std::string& origin, const MemoryBudget& budget) {
  const std::string file = "preset '" + origin + "'";
  if (kdash::io::json_nesting(text) > kdash::io::kMaxJsonNesting) {
    throw std::invalid_argument(file + ": arrays or objects nested more than " +
                                std::to_string(kdash::io::kMaxJsonNesting) + " levels deep");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax errors, and numbers beyond double (1e400)
    throw std::invalid_argument(file + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument(file + ": expected a JSON object");
  only_known_keys(j, {"name", "description", "params", "llama"}, file);
  const std::string name = optional_string(j, "name", origin, file);
  const std::string description = optional_string(j, "description", "custom preset from '" + origin + "'", file);
  const bool has_params = j.contains("params"), has_llama = j.contains("llama");
  if (has_params == has_llama) {
    throw std::invalid_argument(file + ": give exactly one of \"params\" and \"llama\"");
  }
  if (has_llama) {
    const auto& l = j["llama"];
    if (!l.is_object()) throw std::invalid_argument(file + ": \"llama\" must be an object");
    only_known_keys(l, {"layers", "width", "hidden", "vocab"}, file + ": llama");
    LlamaShape s;
    for (auto [key, field] : {std::pair<const char*, int*>{"layers", &s.layers},
                              {"width", &s.width},
                              {"hidden", &s.hidden},
                              {"vocab", &s.vocab}}) {
      if (!l.contains(key)) throw std::invalid_argument(file + ": \"llama\" lacks \"" + key + "\"");
      *field = static_cast<int>(positive_dim(l[key], file + ": llama." + key, INT_MAX));
    }
    ModelPreset m = build_llama(name, s, file, budget);
    if (j.contains("description")) m.description = description;
    return m;
  }
  const auto& params = j["params"];
  if (!params.is_array() || params.empty()) {
    throw std::invalid_argument(file + ": \"params\" must be a non-empty array");
  }
  ModelPreset m;
  m.name = name;
  m.description = description;
  std::int64_t elements = 0, largest_count = 0;
  std::string largest;
  std::map<std::string, std::size_t> index_of_name;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const std::string where = file + ": params[" + std::to_string(i) + "]";
    if (!p.is_object() || !p.contains("shape") || !p["shape"].is_array()) {
      throw std::invalid_argument(where + " must be an object with a \"shape\" array");
    }
    only_known_keys(p, {"name", "shape"}, where);
    ParamShape ps;
    ps.name = optional_string(p, "name", "param" + std::to_string(i), where);
    // The optimizer needs distinct, non-empty names: found here, the error names the file before the calibration.
    if (ps.name.empty()) throw std::invalid_argument(where + ": \"name\" must not be empty");
    const auto [earlier, is_new] = index_of_name.emplace(ps.name, i);
    if (!is_new) {
      throw std::invalid_argument(where + ": the name '" + ps.name + "' is already that of params[" +
                                  std::to_string(earlier->second) + "]");
    }
    std::int64_t count = 1;
    for (const auto& d : p["shape"]) {
      ps.shape.push_back(positive_dim(d, where + ".shape[" + std::to_string(ps.shape.size()) + "]", INT64_MAX));
      count = checked_product(count, ps.shape.back(), where);
    }
    if (ps.shape.empty()) throw std::invalid_argument(where + ": the shape is empty");
    if (ps.shape.size() > 2) {  // design.md §1: rank > 2 is viewed as (shape[0], numel / shape[0])
      ps.shape = {ps.shape[0], count / ps.shape[0]};
    }
    elements = checked_sum(elements, count, file);
    if (count > largest_count) {
      largest_count = count;
      // By append: the same text as one chain of operator+ trips GCC 12's -Wrestrict false positive in C++20.
      largest.assign("'").append(ps.name).append("' (").append(std::to_string(ps.shape[0]));
      if (ps.shape.size() > 1) largest.append("x").append(std::to_string(ps.shape[1]));
      largest.append(")");
    }
    m.params.push_back(std::move(ps));
  }
  require_fits(file, std::int64_t(m.params.size()), elements, largest, budget);
  return m;
}

ModelPreset resolve_preset(const std::string& name_or_path, const MemoryBudget& budget) {
  const std::string ext = ".json";
  if (name_or_path.size() > ext.size() &&
      name_or_path.compare(name_or_path.size() - ext.size(), ext.size(), ext) == 0) {
    std::ifstream in(name_or_path);
    if (!in) throw std::invalid_argument("preset file '" + name_or_path + "' cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_preset_json(text.str(), name_or_path, budget);
  }
  return builtin_preset(name_or_path, budget);
}

}  // namespace kdash::tools::bench
