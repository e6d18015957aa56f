#pragma once
// Strict reading of one JSON object's fields, for configs: each read checks the value's kind and
// range and names the field, the value and the allowed range in its error; finish() refuses the
// fields nobody read (typos such as "filter" would otherwise be silently ignored).
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/ModelConfig.h"

namespace flowpp {

class ConfigFields {
 public:
  static constexpr bool kOpen = true, kClosed = false;

  // `source` names the file; `path` is the object's place in it ("" for the top, "flow", ...).
  ConfigFields(const nlohmann::json& j, std::string source, std::string path);

  bool has(const char* key) const { return j_.contains(key); }
  void integer(const char* key, int& out, int64_t lo, int64_t hi, bool required = false);
  void number(const char* key, double& out, double lo, double hi, bool loOpen, bool hiOpen);
  void text(const char* key, std::string& out, std::initializer_list<const char*> allowed = {});
  void flag(const char* key, bool& out);
  // A nested object (nullptr when absent and not required).
  std::unique_ptr<ConfigFields> object(const char* key, bool required = false);
  // An array of objects with between `minCount` and `maxCount` entries (required).
  std::vector<ConfigFields> objects(const char* key, size_t minCount, size_t maxCount);
  void finish() const;  // throws for a field that no read asked for
  [[noreturn]] void fail(const char* key, const std::string& problem) const;

 private:
  std::string name(const char* key) const;
  const nlohmann::json& at(const char* key);
  const nlohmann::json& j_;
  std::string source_, path_;
  std::set<std::string> seen_;
};

}  // namespace flowpp
