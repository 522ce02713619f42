#include "core/sample.h"

#include <algorithm>

namespace hostmind {

SeriesKey::SeriesKey(std::string name, std::vector<Label> labels)
    : name_(std::move(name)), labels_(std::move(labels)) {
  std::sort(labels_.begin(), labels_.end());
  id_ = name_;
  if (labels_.empty()) return;
  id_ += '{';
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i) id_ += ',';
    id_ += labels_[i].first;
    id_ += "=\"";
    id_ += EscapeLabelValue(labels_[i].second);
    id_ += '"';
  }
  id_ += '}';
}

std::string_view SeriesKey::label(std::string_view key) const {
  for (const auto& [k, v] : labels_)
    if (k == key) return v;
  return {};
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace hostmind
