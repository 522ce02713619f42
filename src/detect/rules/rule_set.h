#pragma once
// Falco rule files: lists, macros and rules read from YAML in order, with Falco's `append: true`
// and `override:` semantics applied as they are read, so a later file can extend or disable what
// an earlier one defined. Structural mistakes (not a list of items, a rule without a condition,
// an append to nothing) are errors naming the file, the item and the line.
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace hostmind::rules {

// Where something was written, for messages: "rules.yaml:42:3".
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string ToString() const;
};

struct RuleException {
  std::string name;
  std::vector<std::string> fields;
  std::vector<std::string> comps;                // one per field; default "=" (or "in" for one field)
  std::vector<std::vector<std::string>> values;  // tuples, one value per field
  bool single_field = false;                     // `fields: proc.name` written as a scalar
};

struct RuleDef {
  std::string name;
  std::string desc;
  std::string condition;
  SourcePos condition_pos;
  std::string output;
  std::string priority = "WARNING";
  std::string source = "syscall";
  std::vector<std::string> tags;
  std::vector<RuleException> exceptions;
  bool enabled = true;
  std::string action;  // "" or "kill" (hostmind extension)
  SourcePos pos;
};

struct MacroDef {
  std::string name;
  std::string condition;
  SourcePos pos;
};

class RuleSet {
 public:
  // Reads a rule file; on error nothing from it is kept.
  Status AddFile(const std::string& path);
  // Reads rule YAML; `origin` names it in messages.
  Status AddYaml(const std::string& text, const std::string& origin);

  const std::vector<RuleDef>& rules() const { return rules_; }
  const std::map<std::string, MacroDef>& macros() const { return macros_; }
  const std::map<std::string, std::vector<std::string>>& lists() const { return lists_; }
  const std::vector<std::string>& files() const { return files_; }

 private:
  std::vector<RuleDef> rules_;
  std::map<std::string, MacroDef> macros_;
  std::map<std::string, std::vector<std::string>> lists_;
  std::vector<std::string> files_;
};

}  // namespace hostmind::rules
