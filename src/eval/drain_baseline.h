#pragma once
// The baseline the Loghub evaluation runs beside the miner: Drain (He et al., ICWS 2017) as the
// logparser benchmark implements it, with its default parameters (depth 4, similarity 0.4,
// 100 children per node) and, as hostmind's own miner, one configuration for every dataset:
// no per-dataset masking expressions. The published Drain figures use per-dataset expressions
// and thresholds; this one shows what Drain does with one configuration.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hostmind {

class DrainBaseline {
 public:
  DrainBaseline(int depth = 4, double similarity = 0.4, size_t max_children = 100);
  ~DrainBaseline();
  // The cluster of `message`, learning from it; clusters are numbered from 0.
  size_t Add(std::string_view message);
  // The cluster's template, "<*>" for its variable positions.
  std::string Template(size_t cluster) const;

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::vector<size_t> clusters;  // at a leaf
  };
  size_t Match(const Node& leaf, const std::vector<std::string_view>& tokens) const;

  int prefix_tokens_;
  double similarity_;
  size_t max_children_;
  std::map<size_t, Node> by_length_;
  std::vector<std::vector<std::string>> templates_;
};

}  // namespace hostmind
