#pragma once
// LogFormat: a Loghub header format ("<Date> <Time> <Level> <Component>: <Content>") compiled
// into a small backtracking matcher, in the logparser convention: `<Field>` is a lazy capture,
// a run of spaces matches one or more whitespace characters, `\x` is a literal x, `( ... )?` is
// an optional group, and a line must match as a whole. Lines are stripped of surrounding
// whitespace first, as logparser does. Matching has a step budget, so a hostile line costs
// bounded time and simply does not match.
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hostmind {

class LogFormat {
 public:
  static Result<LogFormat> Parse(std::string_view format);

  // Fills `fields` (one per field name, in order) and returns true when `line` matches.
  bool Match(std::string_view line, std::vector<std::string_view>& fields) const;
  const std::vector<std::string>& field_names() const { return names_; }
  // Index of field `name`, or -1.
  int FieldIndex(std::string_view name) const;

 private:
  enum class Op { kChar, kSpace, kAny, kSplit, kJump, kSave, kEnd };
  struct Inst {
    Op op;
    char ch = 0;
    int x = 0, y = 0;  // kSplit: try x first, then y; kJump: x; kSave: slot x
  };
  Status Compile(std::string_view format, size_t& i, bool in_group);

  std::vector<Inst> prog_;
  std::vector<std::string> names_;
};

}  // namespace hostmind
