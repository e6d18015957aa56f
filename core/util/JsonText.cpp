#include "util/JsonText.h"

#include <set>
#include <vector>

namespace flowpp {

using nlohmann::json;

nlohmann::json parseJsonText(const std::string& text, const std::string& source) {
  std::vector<std::set<std::string>> keys;  // the keys seen in each object being parsed
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth >= kMaxJsonDepth)
      throw JsonTextError(source + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == json::parse_event_t::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
      throw JsonTextError(source + ": the key \"" + parsed.get<std::string>().substr(0, 80) +
                          "\" appears twice in one object (only one value can count)");
    return true;
  };
  try {
    return json::parse(text, check);  // strict: text after the value is an error
  } catch (const json::parse_error& e) {
    const std::string what = e.what();
    throw JsonTextError(source + " is not valid JSON (" + what.substr(what.find(']') + 2) + ")");
  } catch (const json::out_of_range& e) {
    // A number beyond a double's range (1e999) is reported as out_of_range, not as a parse error.
    const std::string what = e.what();
    throw JsonTextError(source + ": " + what.substr(what.find(']') + 2));
  }
}

}  // namespace flowpp
