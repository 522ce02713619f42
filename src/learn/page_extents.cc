#include "learn/page_extents.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hostmind {

namespace {
// Weights closer than this are the same weight (decay makes exact equality rare).
constexpr float kSameWeight = 1e-3f;
}  // namespace

void PageExtents::Add(PageRange r, float w) {
  if (r.count == 0) return;
  std::vector<WeightedExtent> out;
  out.reserve(extents_.size() + 3);
  uint64_t pos = r.first;  // next page of r not yet placed
  const uint64_t end = r.end();
  for (const WeightedExtent& e : extents_) {
    if (e.end() <= pos || e.first >= end) {
      // Before r's unplaced part, or after r: place r's pages that come before e first.
      if (e.first >= end && pos < end) {
        out.push_back({pos, end - pos, w});
        pos = end;
      }
      out.push_back(e);
      continue;
    }
    if (pos < e.first) {  // a gap of r before e
      out.push_back({pos, e.first - pos, w});
      pos = e.first;
    }
    if (e.first < pos) out.push_back({e.first, pos - e.first, e.weight});  // e's part before r
    uint64_t overlap_end = std::min(e.end(), end);
    out.push_back({pos, overlap_end - pos, e.weight + w});
    if (e.end() > overlap_end) out.push_back({overlap_end, e.end() - overlap_end, e.weight});
    pos = overlap_end;
  }
  if (pos < end) out.push_back({pos, end - pos, w});
  extents_ = std::move(out);
  JoinEqualNeighbours();
}

void PageExtents::JoinEqualNeighbours() {
  std::vector<WeightedExtent> out;
  out.reserve(extents_.size());
  for (const WeightedExtent& e : extents_) {
    if (!out.empty() && out.back().end() == e.first && std::fabs(out.back().weight - e.weight) < kSameWeight) {
      out.back().count += e.count;
      continue;
    }
    out.push_back(e);
  }
  extents_ = std::move(out);
}

void PageExtents::Scale(float factor) {
  for (WeightedExtent& e : extents_) e.weight *= factor;
}

void PageExtents::Prune(float min_weight) {
  std::erase_if(extents_, [&](const WeightedExtent& e) { return e.weight < min_weight; });
  JoinEqualNeighbours();
}

void PageExtents::Bound(size_t max) {
  if (max == 0) {
    extents_.clear();
    return;
  }
  // Joining is O(n) per step; n exceeds max by a few extents after one launch's update.
  while (extents_.size() > max) {
    size_t best = 0;
    double best_cost = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i + 1 < extents_.size(); ++i) {
      const WeightedExtent& a = extents_[i];
      const WeightedExtent& b = extents_[i + 1];
      const double heavy = std::max(a.weight, b.weight);
      const WeightedExtent& light = a.weight < b.weight ? a : b;
      // Launch-pages the join over-states: the gap's pages, and the lighter side's raised.
      double cost = static_cast<double>(b.first - a.end()) * heavy +
                    static_cast<double>(light.count) * (heavy - light.weight);
      if (cost < best_cost) {
        best_cost = cost;
        best = i;
      }
    }
    WeightedExtent& a = extents_[best];
    const WeightedExtent& b = extents_[best + 1];
    a.weight = std::max(a.weight, b.weight);
    a.count = b.end() - a.first;
    extents_.erase(extents_.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
}

std::vector<PageRange> PageExtents::Above(float min_weight, uint64_t bridge) const {
  std::vector<PageRange> out;
  for (const WeightedExtent& e : extents_) {
    if (e.weight < min_weight) continue;
    if (!out.empty() && e.first <= out.back().end() + bridge) {
      out.back().count = e.end() - out.back().first;
      continue;
    }
    out.push_back({e.first, e.count});
  }
  return out;
}

void PageExtents::Save(ByteWriter& w) const {
  w.PutVarint(extents_.size());
  uint64_t prev_end = 0;
  for (const WeightedExtent& e : extents_) {
    w.PutVarint(e.first - prev_end);  // sorted and disjoint: deltas stay small
    w.PutVarint(e.count);
    w.PutFloat(e.weight);
    prev_end = e.end();
  }
}

bool PageExtents::Load(ByteReader& r, size_t max_extents) {
  uint64_t n = 0;
  if (!r.GetBounded(max_extents, &n)) return false;
  extents_.clear();
  extents_.reserve(n);
  uint64_t prev_end = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t gap = 0, count = 0;
    float weight = 0;
    if (!r.GetVarint(&gap) || !r.GetVarint(&count) || !r.GetFloat(&weight)) return false;
    if (count == 0 || gap > (1ull << 40) || count > (1ull << 40) || !std::isfinite(weight) || weight < 0)
      return false;
    extents_.push_back({prev_end + gap, count, weight});
    prev_end += gap + count;
  }
  return true;
}

}  // namespace hostmind
