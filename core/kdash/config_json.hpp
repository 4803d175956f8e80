// JSON (de)serialisation of kdash::Config: snake_case keys named exactly as the fields of Config (the `kdash replay`
// --config file). Every key is optional; an unknown key, a value of the wrong type or an unknown enum name is a
// std::invalid_argument naming the key. The result is validated (Config::validate).
#pragma once

#include <kdash/optimizer_config.hpp>

#include <string>
#include <vector>

namespace kdash {

// Parses a JSON object; keys absent from `text` keep the values of `defaults`.
Config config_from_json(const std::string& text, const Config& defaults = {});
// Reads a JSON file; the message of any error names the file.
Config load_config(const std::string& path, const Config& defaults = {});
// Every key, pretty-printed with `indent` spaces (-1: one line). config_from_json(config_to_json(c)) == c.
std::string config_to_json(const Config& config, int indent = 2);
// The names of the options whose values differ between a and b (config_to_json's keys), in key order.
std::vector<std::string> config_differences(const Config& a, const Config& b);

}  // namespace kdash
