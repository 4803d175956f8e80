#include "bench/model_preset.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
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

ModelPreset llama_preset(const std::string& name, const LlamaShape& s) {
  if (s.layers < 1 || s.width < 1 || s.hidden < 1 || s.vocab < 1) {
    throw std::invalid_argument("preset '" + name + "': layers, width, hidden and vocab must all be >= 1");
  }
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

std::vector<std::string> builtin_preset_names() { return {"small", "llama-953m"}; }

ModelPreset builtin_preset(const std::string& name) {
  // The DASH paper's model (arXiv 2602.02016): 953M parameters.
  if (name == "llama-953m") return llama_preset(name, {16, 2048, 5632, 32000});
  // The same architecture scaled down (width / 16, SwiGLU ratio 2.75, vocabulary 512): sized so that the default
  // table (4 solvers x 3 modes x block sizes 128, 256, 512) runs in about a minute on 2 CPU cores (docs/bench.md).
  if (name == "small") return llama_preset(name, {2, 128, 352, 512});
  std::string known;
  for (const auto& n : builtin_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown preset '" + name + "' (built in: " + known + "; or a path to a .json file)");
}

namespace {

std::int64_t positive_dim(const nlohmann::json& j, const std::string& where) {
  if (!j.is_number_integer() || j.get<std::int64_t>() < 1) {
    throw std::invalid_argument(where + " must be an integer >= 1, got " + j.dump());
  }
  return j.get<std::int64_t>();
}

}  // namespace

ModelPreset parse_preset_json(const std::string& text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument("preset " + origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument("preset " + origin + ": expected a JSON object");
  const std::string name = j.value("name", origin);
  const bool has_params = j.contains("params"), has_llama = j.contains("llama");
  if (has_params == has_llama) {
    throw std::invalid_argument("preset " + origin + ": give exactly one of \"params\" and \"llama\"");
  }
  if (has_llama) {
    const auto& l = j["llama"];
    if (!l.is_object()) throw std::invalid_argument("preset " + origin + ": \"llama\" must be an object");
    LlamaShape s;
    for (auto [key, field] : {std::pair<const char*, int*>{"layers", &s.layers},
                              {"width", &s.width},
                              {"hidden", &s.hidden},
                              {"vocab", &s.vocab}}) {
      if (!l.contains(key)) throw std::invalid_argument("preset " + origin + ": \"llama\" lacks \"" + key + "\"");
      *field = static_cast<int>(positive_dim(l[key], "preset " + origin + ": llama." + key));
    }
    return llama_preset(name, s);
  }
  const auto& params = j["params"];
  if (!params.is_array() || params.empty()) {
    throw std::invalid_argument("preset " + origin + ": \"params\" must be a non-empty array");
  }
  ModelPreset m;
  m.name = name;
  m.description = j.value("description", "custom preset from " + origin);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const std::string where = "preset " + origin + ": params[" + std::to_string(i) + "]";
    if (!p.is_object() || !p.contains("shape") || !p["shape"].is_array()) {
      throw std::invalid_argument(where + " must be an object with a \"shape\" array");
    }
    ParamShape ps;
    ps.name = p.value("name", "param" + std::to_string(i));
    for (const auto& d : p["shape"])
      ps.shape.push_back(positive_dim(d, where + ".shape[" + std::to_string(ps.shape.size()) + "]"));
    if (ps.shape.empty()) throw std::invalid_argument(where + ": the shape is empty");
    if (ps.shape.size() > 2) {  // design.md §1: rank > 2 is viewed as (shape[0], numel / shape[0])
      ps.shape = {ps.shape[0], ps.numel() / ps.shape[0]};
    }
    m.params.push_back(std::move(ps));
  }
  return m;
}

ModelPreset resolve_preset(const std::string& name_or_path) {
  const std::string ext = ".json";
  if (name_or_path.size() > ext.size() &&
      name_or_path.compare(name_or_path.size() - ext.size(), ext.size(), ext) == 0) {
    std::ifstream in(name_or_path);
    if (!in) throw std::invalid_argument("preset file '" + name_or_path + "' cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_preset_json(text.str(), "'" + name_or_path + "'");
  }
  return builtin_preset(name_or_path);
}

}  // namespace kdash::tools::bench
