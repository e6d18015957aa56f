#include "model/ConfigFields.h"

#include <cmath>
#include <sstream>

namespace flowpp {

using nlohmann::json;

namespace {
std::string kindOf(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "true/false";
  if (v.is_null()) return "null";
  return "a number";
}

std::string shortDump(const json& v) {
  auto s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

ConfigFields::ConfigFields(const json& j, std::string source, std::string path)
    : j_(j), source_(std::move(source)), path_(std::move(path)) {
  if (!j.is_object())
    throw ConfigError(source_ + ": " + (path_.empty() ? "the config" : path_) + " must be an object, got " + kindOf(j) +
                      " (" + shortDump(j) + ")");
}

std::string ConfigFields::name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

void ConfigFields::fail(const char* key, const std::string& problem) const {
  throw ConfigError(source_ + ": " + name(key) + ": " + problem);
}

const json& ConfigFields::at(const char* key) {
  seen_.insert(key);
  return j_.at(key);
}

void ConfigFields::integer(const char* key, int& out, int64_t lo, int64_t hi, bool required) {
  if (!has(key)) {
    if (required) fail(key, "missing (an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ")");
    return;
  }
  const auto& v = at(key);
  const std::string range = " (allowed: an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ")";
  if (!v.is_number()) fail(key, "expected an integer, got " + kindOf(v) + " " + shortDump(v) + range);
  // Read as double first: an unsigned or huge value must not wrap, and 16.7 must not become 16.
  const double d = v.get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) fail(key, "expected an integer, got " + shortDump(v) + range);
  if (d < double(lo) || d > double(hi)) fail(key, shortDump(v) + " is out of range" + range);
  out = static_cast<int>(d);
}

void ConfigFields::number(const char* key, double& out, double lo, double hi, bool loOpen, bool hiOpen) {
  if (!has(key)) return;
  const auto& v = at(key);
  const std::string range = std::string(" (allowed: ") + (loOpen ? "(" : "[") + formatNumber(lo) + ", " +
                            formatNumber(hi) + (hiOpen ? ")" : "]") + ")";
  if (!v.is_number()) fail(key, "expected a number, got " + kindOf(v) + " " + shortDump(v) + range);
  const double d = v.get<double>();
  const bool ok = std::isfinite(d) && (loOpen ? d > lo : d >= lo) && (hiOpen ? d < hi : d <= hi);
  if (!ok) fail(key, shortDump(v) + " is out of range" + range);
  out = d;
}

void ConfigFields::text(const char* key, std::string& out, std::initializer_list<const char*> allowed) {
  if (!has(key)) return;
  const auto& v = at(key);
  std::string choices;
  for (const char* a : allowed) choices += std::string(choices.empty() ? "" : ", ") + a;
  if (!v.is_string())
    fail(key, "expected a string, got " + kindOf(v) + " " + shortDump(v) + (choices.empty() ? "" : " (one of " + choices + ")"));
  const auto s = v.get<std::string>();
  if (allowed.size() > 0) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || s == a;
    if (!ok) fail(key, "'" + s + "' is not one of " + choices);
  }
  out = s;
}

void ConfigFields::flag(const char* key, bool& out) {
  if (!has(key)) return;
  const auto& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + kindOf(v) + " " + shortDump(v));
  out = v.get<bool>();
}

std::unique_ptr<ConfigFields> ConfigFields::object(const char* key, bool required) {
  if (!has(key)) {
    if (required) fail(key, "missing (an object)");
    return nullptr;
  }
  return std::make_unique<ConfigFields>(at(key), source_, name(key));
}

std::vector<ConfigFields> ConfigFields::objects(const char* key, size_t minCount, size_t maxCount) {
  if (!has(key)) fail(key, "missing (an array of objects)");
  const auto& v = at(key);
  if (!v.is_array()) fail(key, "expected an array, got " + kindOf(v) + " " + shortDump(v));
  if (v.size() < minCount || v.size() > maxCount)
    fail(key, "has " + std::to_string(v.size()) + " entries (allowed: " + std::to_string(minCount) + " to " +
                  std::to_string(maxCount) + ")");
  std::vector<ConfigFields> out;
  for (size_t i = 0; i < v.size(); ++i) out.emplace_back(v[i], source_, name(key) + "[" + std::to_string(i) + "]");
  return out;
}

void ConfigFields::finish() const {
  for (const auto& item : j_.items())
    if (!seen_.count(item.key()))
      throw ConfigError(source_ + ": unknown field " + name(item.key().c_str()) +
                        " (a typo? fields are listed in models/README.md)");
}

}  // namespace flowpp
