#pragma once
// StoreSink: the pipeline's "tell" step into memory and SQLite. Samples (collected and
// derived) go to the SeriesTable and into per-interval rollups; events, findings, rollups and
// collector positions are committed in one transaction per batch. Old rows are deleted every
// hour past the retention.
#include <unordered_map>
#include <string>

#include "core/config.h"
#include "core/pipeline.h"
#include "store/series_table.h"
#include "store/store.h"

namespace hostmind {

class StoreSink final : public Sink {
 public:
  StoreSink(Store& store, SeriesTable& series, const StoreConfig& config);
  void Consume(const Batch& batch, Analysis& analysis) override;
  void Flush() override;
  uint64_t commit_errors() const { return commit_errors_; }

 private:
  struct Bucket {
    TimeMs start = 0;
    double min = 0, max = 0, sum = 0, last = 0;
    uint64_t count = 0;
  };
  void Roll(const Sample& s, std::vector<Rollup>& closed);
  static Rollup ToRollup(const std::string& id, const Bucket& b);

  Store& store_;
  SeriesTable& series_;
  StoreConfig config_;
  std::unordered_map<std::string, Bucket> open_;  // per series id, the bucket being filled
  TimeMs last_retention_ = 0;
  uint64_t commit_errors_ = 0;
};

}  // namespace hostmind
