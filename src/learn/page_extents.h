#pragma once
// PageExtents: page ranges of one file, each with a weight (in the startup profiles: the decayed
// number of recent launches that touched those pages). Kept sorted and disjoint; neighbours with
// the same weight are joined, so a file read the same way every time stays a handful of extents.
#include <cstdint>
#include <vector>

#include "core/startup_trace.h"
#include "learn/byte_codec.h"

namespace hostmind {

struct WeightedExtent {
  uint64_t first = 0;
  uint64_t count = 0;
  float weight = 0;
  uint64_t end() const { return first + count; }
};

class PageExtents {
 public:
  // Adds `w` to the weight of every page of `r`, splitting extents where needed.
  void Add(PageRange r, float w);
  // Multiplies every weight by `factor` (0 < factor <= 1).
  void Scale(float factor);
  // Forgets extents lighter than `min_weight`.
  void Prune(float min_weight);
  // Keeps at most `max` extents by joining neighbours. A join never lowers a page's weight: the
  // joined extent takes the larger one, because leaving out pages most launches read costs each
  // launch a synchronous read (for a mapped library, the kernel's whole read-around window, 8 MiB
  // here), where a few pages too many cost a background read. So the pair joined is the one that
  // over-states the fewest launch-pages: its gap at the larger weight, plus the lighter side's
  // pages raised to it. (Joining at the smaller weight, as before, dropped 44 of clang's 97 MiB
  // from its plans: a library touched in hundreds of places is joined every launch, and every
  // frequently read extent took the weight of a rarely read neighbour.)
  void Bound(size_t max);
  // The ranges of weight >= `min_weight`, joining gaps of at most `bridge` pages (one larger
  // read is cheaper than two small ones).
  std::vector<PageRange> Above(float min_weight, uint64_t bridge) const;

  const std::vector<WeightedExtent>& extents() const { return extents_; }
  size_t size() const { return extents_.size(); }
  bool empty() const { return extents_.empty(); }

  void Save(ByteWriter& w) const;
  bool Load(ByteReader& r, size_t max_extents);

 private:
  void JoinEqualNeighbours();
  std::vector<WeightedExtent> extents_;
};

}  // namespace hostmind
