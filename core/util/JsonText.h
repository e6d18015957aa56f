#pragma once
// JSON text from files and users (configs, checkpoint metadata, metrics lines), parsed strictly:
// nesting deeper than kMaxJsonDepth is refused while parsing (before anything recursive, such as
// printing the value in a message, can touch it), and so is a key that appears twice in one object
// (which of the two would win is an accident of the parser, and a user's edit would silently vanish).
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace flowpp {

constexpr int kMaxJsonDepth = 64;

// Malformed, too deep, or with a duplicate key; the message starts with `source`.
class JsonTextError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

nlohmann::json parseJsonText(const std::string& text, const std::string& source);

}  // namespace flowpp
