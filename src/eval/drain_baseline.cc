#include "eval/drain_baseline.h"

#include <algorithm>

#include "core/text.h"

namespace hostmind {
namespace {

constexpr std::string_view kWild = "<*>";
constexpr size_t kNone = SIZE_MAX;

bool HasDigit(std::string_view t) {
  return std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

DrainBaseline::DrainBaseline(int depth, double similarity, size_t max_children)
    : prefix_tokens_(depth - 3), similarity_(similarity), max_children_(max_children) {}

DrainBaseline::~DrainBaseline() = default;

size_t DrainBaseline::Match(const Node& leaf, const std::vector<std::string_view>& tokens) const {
  size_t best = kNone, best_params = 0;
  double best_sim = -1;
  for (size_t c : leaf.clusters) {
    const std::vector<std::string>& t = templates_[c];
    size_t same = 0, params = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == kWild) ++params;
      else same += t[i] == tokens[i];
    }
    double sim = tokens.empty() ? 1.0 : static_cast<double>(same) / static_cast<double>(tokens.size());
    if (sim > best_sim || (sim == best_sim && params > best_params)) {
      best = c;
      best_sim = sim;
      best_params = params;
    }
  }
  return best_sim >= similarity_ ? best : kNone;
}

size_t DrainBaseline::Add(std::string_view message) {
  std::vector<std::string_view> tokens = SplitFields(message);
  Node* const top = &by_length_[tokens.size()];
  const int depth = std::min(prefix_tokens_, static_cast<int>(tokens.size()));

  // Search: follow the first tokens, or <*> where a token has no node.
  Node* node = top;
  for (int d = 0; d < depth && node; ++d) {
    auto it = node->children.find(tokens[d]);
    if (it == node->children.end()) it = node->children.find(kWild);
    node = it == node->children.end() ? nullptr : it->second.get();
  }
  if (node) {
    size_t cluster = Match(*node, tokens);
    if (cluster != kNone) {
      std::vector<std::string>& t = templates_[cluster];
      for (size_t i = 0; i < t.size(); ++i)
        if (t[i] != tokens[i]) t[i] = kWild;
      return cluster;
    }
  }

  // A new cluster: add its path. A token with a digit goes to <*>; so does any token once the
  // node has max_children children (the last slot is kept for <*>).
  node = top;
  for (int d = 0; d < depth; ++d) {
    std::string_view key = tokens[d];
    if (!node->children.count(key)) {
      size_t size = node->children.size();
      bool has_wild = node->children.count(kWild) > 0;
      if (HasDigit(key) || (has_wild ? size >= max_children_ : size + 1 >= max_children_)) key = kWild;
    }
    auto& child = node->children[std::string(key)];
    if (!child) child = std::make_unique<Node>();
    node = child.get();
  }
  size_t cluster = templates_.size();
  templates_.emplace_back(tokens.begin(), tokens.end());
  node->clusters.push_back(cluster);
  return cluster;
}

std::string DrainBaseline::Template(size_t cluster) const {
  std::string out;
  for (const std::string& t : templates_[cluster]) {
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

}  // namespace hostmind
