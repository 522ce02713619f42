#pragma once
// Progress for long evaluations and training: on a terminal, one line redrawn at most ten times
// a second with the count, the rate and the time left; when stderr is not a terminal (CI, a
// pipe, a log file), nothing at all, so outputs stay clean.
//
//   Progress progress("smd", total_rows, "rows");
//   for (...) { progress.Clear(); std::printf(row); progress.Add(rows_done); }
//   progress.Finish();
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hostmind::cli {

class Progress {
 public:
  // `total` 0 = unknown (no bar, no ETA). `unit` names what is counted ("rows", "files").
  Progress(std::string label, uint64_t total, std::string unit, FILE* out = stderr);
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n = 1) { Update(done_ + n); }
  void Update(uint64_t done);
  // Erases the line, so the caller can print a result row; the next update redraws it.
  void Clear();
  // Erases the line for good.
  void Finish();

  // The line for `done` of `total` after `elapsed_s` seconds, `width` columns of bar.
  static std::string Render(const std::string& label, uint64_t done, uint64_t total, const std::string& unit,
                            double elapsed_s, int width);

 private:
  std::string label_;
  uint64_t total_;
  std::string unit_;
  FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace hostmind::cli
