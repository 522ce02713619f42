#include "detect/rules/rule_set.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hostmind::rules {

std::string SourcePos::ToString() const {
  return file + ":" + std::to_string(line) + (column > 0 ? ":" + std::to_string(column) : "");
}

namespace {

class FileReader {
 public:
  FileReader(const std::string& origin, std::vector<RuleDef>& rules,
             std::map<std::string, MacroDef>& macros, std::map<std::string, std::vector<std::string>>& lists)
      : origin_(origin), rules_(rules), macros_(macros), lists_(lists) {}

  Status Read(const std::string& text) {
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(origin_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                     std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
    }
    if (!doc || doc.IsNull()) return Status::Ok();
    if (!doc.IsSequence()) return Error(doc, "", "a rule file is a list of items (- rule:, - macro:, - list:)");
    for (const auto& item : doc) {
      if (!item.IsMap()) return Error(item, "", "each item must be a mapping with rule, macro or list");
      Status s;
      if (item["rule"]) s = ReadRule(item);
      else if (item["macro"]) s = ReadMacro(item);
      else if (item["list"]) s = ReadList(item);
      else if (item["required_engine_version"] || item["required_plugin_versions"]) continue;
      else s = Error(item, "", "unknown item: expected rule, macro, list or required_engine_version");
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

 private:
  SourcePos Pos(const YAML::Node& n) const { return {origin_, n.Mark().line + 1, n.Mark().column + 1}; }

  Status Error(const YAML::Node& at, const std::string& item, const std::string& what) const {
    std::string where = Pos(at).ToString();
    return Status::InvalidArgument(where + ": " + (item.empty() ? "" : item + ": ") + what);
  }

  Status Scalar(const YAML::Node& item, const char* key, const std::string& label, std::string& out) const {
    YAML::Node n = item[key];
    if (!n) return Status::Ok();
    if (!n.IsScalar()) return Error(n, label, std::string("'") + key + "' must be a string");
    out = n.Scalar();
    return Status::Ok();
  }

  Status StringList(const YAML::Node& n, const std::string& label, const char* key, std::vector<std::string>& out) const {
    if (!n || n.IsNull()) return Status::Ok();
    if (!n.IsSequence()) return Error(n, label, std::string("'") + key + "' must be a list");
    for (const auto& v : n) {
      if (!v.IsScalar()) return Error(v, label, std::string("'") + key + "' items must be strings");
      out.push_back(v.Scalar());
    }
    return Status::Ok();
  }

  // Which fields an item appends to rather than replaces (`append: true` or `override:`).
  Status Overrides(const YAML::Node& item, const std::string& label, std::map<std::string, std::string>& out) const {
    if (YAML::Node a = item["append"]; a && a.as<std::string>("false") == "true") out["*"] = "append";
    YAML::Node o = item["override"];
    if (!o) return Status::Ok();
    if (!o.IsMap()) return Error(o, label, "'override' must map keys to append or replace");
    for (const auto& kv : o) {
      std::string how = kv.second.as<std::string>("");
      if (how != "append" && how != "replace") return Error(kv.second, label, "override must be append or replace");
      out[kv.first.as<std::string>()] = how;
    }
    return Status::Ok();
  }

  Status ReadList(const YAML::Node& item) {
    std::string name;
    HM_RETURN_IF_ERROR(Scalar(item, "list", "list", name));
    std::string label = "list '" + name + "'";
    std::vector<std::string> items;
    HM_RETURN_IF_ERROR(StringList(item["items"], label, "items", items));
    std::map<std::string, std::string> ov;
    HM_RETURN_IF_ERROR(Overrides(item, label, ov));
    bool append = ov.count("*") || ov["items"] == "append";
    if (append) {
      auto it = lists_.find(name);
      if (it == lists_.end()) return Error(item, label, "appends to a list that is not defined");
      it->second.insert(it->second.end(), items.begin(), items.end());
    } else {
      lists_[name] = std::move(items);
    }
    return Status::Ok();
  }

  Status ReadMacro(const YAML::Node& item) {
    MacroDef m;
    HM_RETURN_IF_ERROR(Scalar(item, "macro", "macro", m.name));
    std::string label = "macro '" + m.name + "'";
    if (!item["condition"]) return Error(item, label, "has no condition");
    HM_RETURN_IF_ERROR(Scalar(item, "condition", label, m.condition));
    m.pos = Pos(item["condition"]);
    std::map<std::string, std::string> ov;
    HM_RETURN_IF_ERROR(Overrides(item, label, ov));
    if (ov.count("*") || ov["condition"] == "append") {
      auto it = macros_.find(m.name);
      if (it == macros_.end()) return Error(item, label, "appends to a macro that is not defined");
      it->second.condition += " " + m.condition;
    } else {
      macros_[m.name] = std::move(m);
    }
    return Status::Ok();
  }

  Status ReadExceptions(const YAML::Node& n, const std::string& label, std::vector<RuleException>& out) const {
    if (!n || n.IsNull()) return Status::Ok();
    if (!n.IsSequence()) return Error(n, label, "'exceptions' must be a list");
    for (const auto& e : n) {
      RuleException ex;
      if (!e.IsMap() || !e["name"]) return Error(e, label, "each exception needs a name");
      ex.name = e["name"].as<std::string>();
      YAML::Node fields = e["fields"];
      if (fields && fields.IsScalar()) {
        ex.single_field = true;
        ex.fields.push_back(fields.Scalar());
      } else {
        HM_RETURN_IF_ERROR(StringList(fields, label, "fields", ex.fields));
      }
      YAML::Node comps = e["comps"];
      if (comps && comps.IsScalar()) ex.comps.push_back(comps.Scalar());
      else HM_RETURN_IF_ERROR(StringList(comps, label, "comps", ex.comps));
      if (ex.comps.empty()) ex.comps.assign(ex.fields.size(), ex.single_field ? "in" : "=");
      if (ex.comps.size() != ex.fields.size())
        return Error(e, label, "exception '" + ex.name + "' has " + std::to_string(ex.fields.size()) +
                                   " fields but " + std::to_string(ex.comps.size()) + " comps");
      if (YAML::Node values = e["values"]; values && values.IsSequence()) {
        for (const auto& v : values) {
          std::vector<std::string> tuple;
          if (v.IsScalar()) {
            tuple.push_back(v.Scalar());
          } else if (v.IsSequence()) {
            for (const auto& x : v) {
              if (x.IsScalar()) tuple.push_back(x.Scalar());
              else if (x.IsSequence()) {
                // A list of alternatives for one field: "(a, b)" for an `in` comparison.
                std::string joined = "(";
                for (const auto& alt : x) joined += (joined.size() > 1 ? ", \"" : "\"") + alt.as<std::string>() + "\"";
                tuple.push_back(joined + ")");
              }
            }
          }
          if (!ex.single_field && tuple.size() != ex.fields.size())
            return Error(v, label, "exception '" + ex.name + "' values must have one entry per field");
          ex.values.push_back(std::move(tuple));
        }
      }
      out.push_back(std::move(ex));
    }
    return Status::Ok();
  }

  Status ReadRule(const YAML::Node& item) {
    RuleDef r;
    HM_RETURN_IF_ERROR(Scalar(item, "rule", "rule", r.name));
    std::string label = "rule '" + r.name + "'";
    r.pos = Pos(item);
    HM_RETURN_IF_ERROR(Scalar(item, "desc", label, r.desc));
    HM_RETURN_IF_ERROR(Scalar(item, "condition", label, r.condition));
    if (item["condition"]) r.condition_pos = Pos(item["condition"]);
    HM_RETURN_IF_ERROR(Scalar(item, "output", label, r.output));
    HM_RETURN_IF_ERROR(Scalar(item, "priority", label, r.priority));
    HM_RETURN_IF_ERROR(Scalar(item, "source", label, r.source));
    HM_RETURN_IF_ERROR(Scalar(item, "action", label, r.action));
    HM_RETURN_IF_ERROR(StringList(item["tags"], label, "tags", r.tags));
    HM_RETURN_IF_ERROR(ReadExceptions(item["exceptions"], label, r.exceptions));
    if (YAML::Node en = item["enabled"]) {
      if (!en.IsScalar() || (en.Scalar() != "true" && en.Scalar() != "false"))
        return Error(en, label, "'enabled' must be true or false");
      r.enabled = en.Scalar() == "true";
    }
    if (!r.action.empty() && r.action != "kill") return Error(item["action"], label, "action must be kill");
    std::map<std::string, std::string> ov;
    HM_RETURN_IF_ERROR(Overrides(item, label, ov));
    auto existing = std::find_if(rules_.begin(), rules_.end(), [&](const RuleDef& d) { return d.name == r.name; });
    bool legacy_append = ov.count("*") > 0;
    if (!legacy_append && ov.empty() && item["condition"]) {
      if (existing != rules_.end()) *existing = std::move(r);  // redefinition: the last one wins
      else rules_.push_back(std::move(r));
      return Status::Ok();
    }
    if (existing == rules_.end()) {
      if (legacy_append || !ov.empty()) return Error(item, label, "appends to or overrides a rule that is not defined");
      return Error(item, label, "has no condition");
    }
    RuleDef& d = *existing;
    auto how = [&](const char* key) -> std::string {
      if (legacy_append) return item[key] ? "append" : "";
      auto it = ov.find(key);
      // A bare `enabled:` on an existing rule (Falco's legacy way to disable one) replaces.
      if (it == ov.end()) return (std::string(key) == "enabled" && item[key] && ov.empty()) ? "replace" : "";
      return it->second;
    };
    if (std::string h = how("condition"); h == "append") d.condition += " " + r.condition;
    else if (h == "replace") d.condition = r.condition, d.condition_pos = r.condition_pos;
    if (std::string h = how("exceptions"); h == "append")
      d.exceptions.insert(d.exceptions.end(), r.exceptions.begin(), r.exceptions.end());
    else if (h == "replace") d.exceptions = r.exceptions;
    if (std::string h = how("tags"); h == "append") d.tags.insert(d.tags.end(), r.tags.begin(), r.tags.end());
    else if (h == "replace") d.tags = r.tags;
    if (how("output") == "replace") d.output = r.output;
    if (how("output") == "append") d.output += " " + r.output;
    if (how("desc") == "replace") d.desc = r.desc;
    if (how("priority") == "replace") d.priority = r.priority;
    if (how("enabled") == "replace") d.enabled = r.enabled;
    if (how("action") == "replace") d.action = r.action;
    return Status::Ok();
  }

  const std::string& origin_;
  std::vector<RuleDef>& rules_;
  std::map<std::string, MacroDef>& macros_;
  std::map<std::string, std::vector<std::string>>& lists_;
};

}  // namespace

Status RuleSet::AddFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open rule file");
  std::stringstream ss;
  ss << in.rdbuf();
  return AddYaml(ss.str(), path);
}

Status RuleSet::AddYaml(const std::string& text, const std::string& origin) {
  // Read into copies so that a bad file leaves the set as it was.
  auto rules = rules_;
  auto macros = macros_;
  auto lists = lists_;
  FileReader reader(origin, rules, macros, lists);
  HM_RETURN_IF_ERROR(reader.Read(text));
  rules_ = std::move(rules);
  macros_ = std::move(macros);
  lists_ = std::move(lists);
  files_.push_back(origin);
  return Status::Ok();
}

}  // namespace hostmind::rules
