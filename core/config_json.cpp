#include "kdash/config_json.hpp"

#include "kdash/io/json_nesting.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

namespace kdash {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad_value(const std::string& key, const std::string& what) {
  throw std::invalid_argument("config key '" + key + "': " + what);
}

double as_number(const std::string& key, const json& v) {
  if (!v.is_number()) bad_value(key, "expected a number, got " + v.dump());
  return v.get<double>();
}

long long as_integer(const std::string& key, const json& v, long long lo, long long hi) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<unsigned long long>();
    if (hi < 0 || u > static_cast<unsigned long long>(hi)) bad_value(key, "integer " + v.dump() + " out of range");
    return static_cast<long long>(u);
  }
  if (v.is_number_integer()) {
    const long long x = v.get<long long>();
    if (x < lo || x > hi) bad_value(key, "integer " + v.dump() + " out of range");
    return x;
  }
  if (v.is_number_float()) {
    // Whole numbers written as floats (2e3); converted only inside [-2^63, 2^63), where the conversion is defined.
    const double d = v.get<double>();
    constexpr double kTwo63 = 9223372036854775808.0;
    if (std::isfinite(d) && d == std::floor(d)) {
      if (d < -kTwo63 || d >= kTwo63) bad_value(key, "integer " + v.dump() + " out of range");
      const auto x = static_cast<long long>(d);
      if (x < lo || x > hi) bad_value(key, "integer " + v.dump() + " out of range");
      return x;
    }
  }
  bad_value(key, "expected an integer, got " + v.dump());
}

bool as_bool(const std::string& key, const json& v) {
  if (!v.is_boolean()) bad_value(key, "expected true or false, got " + v.dump());
  return v.get<bool>();
}

std::string as_string(const std::string& key, const json& v) {
  if (!v.is_string()) bad_value(key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

// One entry per option: how to read it from JSON into a Config and how to write it.
struct Field {
  const char* key;
  std::function<void(Config&, const json&)> read;
  std::function<json(const Config&)> write;
};

template <class Parse>
auto enum_reader(const char* key, Parse parse) {
  return [key, parse](const json& v) {
    try {
      return parse(as_string(key, v));
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).rfind("config key", 0) == 0) throw;
      bad_value(key, e.what());
    }
  };
}

// Each option: its key (the reference's spelling, which JSON files and the command line use) and the Config member
// it sets. This table is the mapping between the two (docs/api.md prints it).
#define KDASH_NUMBER(key, member)                                        \
  Field {                                                                \
    key, [](Config& c, const json& v) { c.member = as_number(key, v); }, \
        [](const Config& c) { return json(c.member); }                   \
  }
#define KDASH_INT(key, member, lo, hi)                                                                             \
  Field {                                                                                                          \
    key, [](Config& c, const json& v) { c.member = static_cast<decltype(c.member)>(as_integer(key, v, lo, hi)); }, \
        [](const Config& c) { return json(c.member); }                                                             \
  }
#define KDASH_BOOL(key, member)                                                                                       \
  Field {                                                                                                             \
    key, [](Config& c, const json& v) { c.member = as_bool(key, v); }, [](const Config& c) { return json(c.member); } \
  }
#define KDASH_ENUM(key, member, parser)                                                   \
  Field {                                                                                 \
    key,                                                                                  \
        [](Config& c, const json& v) {                                                    \
          c.member = enum_reader(key, [](const std::string& s) { return parser(s); })(v); \
        },                                                                                \
        [](const Config& c) { return json(to_string(c.member)); }                         \
  }

const std::vector<Field>& fields() {
  constexpr long long kIntMax = std::numeric_limits<int>::max();
  static const std::vector<Field> all = {
      KDASH_NUMBER("lr", lr),
      KDASH_NUMBER("weight_decay", weight_decay),
      KDASH_ENUM("weight_decay_mode", weight_decay_mode, parse_weight_decay_mode),
      KDASH_INT("block_size", block_size, std::numeric_limits<int>::min(), kIntMax),
      KDASH_ENUM("stacking", stacking, parse_stacking_mode),
      KDASH_ENUM("solver", root.method, parse_root_method),
      KDASH_INT("root_freq", root_freq, std::numeric_limits<int>::min(), kIntMax),
      KDASH_INT("start_prec_step", start_prec_step, std::numeric_limits<long long>::min(),
                std::numeric_limits<long long>::max()),
      KDASH_NUMBER("beta_g", beta_g),
      KDASH_NUMBER("beta_lr", beta_statistics),
      KDASH_NUMBER("beta_graft", beta_graft),
      KDASH_NUMBER("eps_graft", eps_graft),
      KDASH_NUMBER("eps_root", root.eps),
      KDASH_NUMBER("mu", momentum),
      KDASH_BOOL("nesterov", nesterov),
      KDASH_BOOL("bias_correction", bias_correction),
      KDASH_ENUM("grafting", grafting, parse_grafting_type),
      KDASH_ENUM("one_dim", one_dim, parse_one_dim_mode),
      KDASH_ENUM("scaling", root.scaling, parse_scaling),
      KDASH_INT("newton_steps", root.max_iterations, std::numeric_limits<int>::min(), kIntMax),
      KDASH_NUMBER("tolerance", root.tolerance),
      KDASH_NUMBER("usable_residual", root.usable_residual),
      KDASH_INT("pi_steps", root.power_iteration_steps, std::numeric_limits<int>::min(), kIntMax),
      KDASH_NUMBER("pi_const", root.scale_margin),
      KDASH_INT("pim_vectors", root.power_iteration_vectors, std::numeric_limits<int>::min(), kIntMax),
      KDASH_INT("cheb_degree", root.chebyshev_degree, std::numeric_limits<int>::min(), kIntMax),
      KDASH_INT("cheb_nodes", root.chebyshev_nodes, std::numeric_limits<int>::min(), kIntMax),
      KDASH_ENUM("precision", root.precision, parse_precision),
      KDASH_ENUM("gemm_path", root.gemm_path, parse_gemm_path),
      KDASH_ENUM("device_symmetric", root.device_symmetric, parse_device_symmetric),
      KDASH_NUMBER("root_batch_mb", root_batch_mb),
      Field{"seed",
            [](Config& c, const json& v) {
              if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0)) {
                bad_value("seed", "expected a non-negative integer, got " + v.dump());
              }
              c.root.seed = v.get<std::uint64_t>();
            },
            [](const Config& c) { return json(c.root.seed); }},
      KDASH_INT("max_failures", max_failures, std::numeric_limits<int>::min(), kIntMax),
      KDASH_ENUM("nonfinite_policy", nonfinite_policy, parse_nonfinite_policy),
      Field{"dump_dir", [](Config& c, const json& v) { c.dump_dir = as_string("dump_dir", v); },
            [](const Config& c) { return json(c.dump_dir); }},
  };
  return all;
}

#undef KDASH_NUMBER
#undef KDASH_INT
#undef KDASH_BOOL
#undef KDASH_ENUM

json to_json_object(const Config& c) {
  json out = json::object();
  for (const auto& f : fields()) out[f.key] = f.write(c);
  return out;
}

// Parses `text`, rejecting a key given twice in one object; an nlohmann error while a key's value is being read
// (a number overflow such as 1e400, a syntax error) names that key.
json parse_strict(const std::string& text) {
  if (io::json_nesting(text) > io::kMaxJsonNesting) {
    throw std::invalid_argument("config has arrays or objects nested more than " + std::to_string(io::kMaxJsonNesting) +
                                " levels deep");
  }
  std::vector<std::set<std::string>> keys;  // per open object
  std::string pending;                      // the key whose value is being read
  const json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys.emplace_back();
        break;
      case json::parse_event_t::key:
        pending = parsed.get<std::string>();
        if (!keys.empty() && !keys.back().insert(pending).second) bad_value(pending, "appears twice");
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        pending.clear();
        break;
      default:
        pending.clear();
    }
    return true;
  };
  try {
    return json::parse(text, check);
  } catch (const json::exception& e) {
    if (!pending.empty()) bad_value(pending, std::string("invalid JSON value: ") + e.what());
    throw std::invalid_argument(std::string("config is not valid JSON: ") + e.what());
  }
}

}  // namespace

Config config_from_json(const std::string& text, const Config& defaults) {
  const json doc = parse_strict(text);
  if (!doc.is_object()) throw std::invalid_argument("config must be a JSON object, got " + doc.dump());
  Config c = defaults;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const Field* field = nullptr;
    for (const auto& f : fields())
      if (it.key() == f.key) field = &f;
    if (field == nullptr) {
      std::string known;
      for (const auto& f : fields()) known += (known.empty() ? "" : ", ") + std::string(f.key);
      throw std::invalid_argument("unknown config key '" + it.key() + "' (known keys: " + known + ")");
    }
    try {
      field->read(c, it.value());
    } catch (const json::exception& e) {
      bad_value(field->key, e.what());
    }
  }
  c.validate();
  return c;
}

Config load_config(const std::string& path, const Config& defaults) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw std::invalid_argument("config file '" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot open config file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return config_from_json(text.str(), defaults);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string config_to_json(const Config& config, int indent) { return to_json_object(config).dump(indent); }

std::vector<std::string> config_differences(const Config& a, const Config& b) {
  std::vector<std::string> out;
  for (const auto& f : fields())
    if (f.write(a) != f.write(b)) out.push_back(f.key);
  return out;
}

}  // namespace kdash
