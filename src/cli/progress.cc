#include "cli/progress.h"

#include <unistd.h>

#include <cmath>

#include <fmt/format.h>

namespace hostmind::cli {

namespace {

std::string Count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string Clock(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  auto t = static_cast<long>(std::lround(s));
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, std::string unit, FILE* out)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      out_(out),
      enabled_(isatty(fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

std::string Progress::Render(const std::string& label, uint64_t done, uint64_t total, const std::string& unit,
                             double elapsed_s, int width) {
  double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0;
  std::string line = label + "  ";
  if (total > 0) {
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    int fill = static_cast<int>(frac * width);
    line += "[" + std::string(fill, '#') + std::string(width - fill, '-') + "] ";
    line += fmt::format("{:3.0f}%  {}/{} {}", frac * 100, Count(static_cast<double>(done)), Count(static_cast<double>(total)), unit);
  } else {
    line += Count(static_cast<double>(done)) + " " + unit;
  }
  line += fmt::format("  {} {}/s", Count(rate), unit);
  if (total > 0) line += "  ETA " + Clock(rate > 0 ? static_cast<double>(total - std::min(done, total)) / rate : NAN);
  else line += "  " + Clock(elapsed_s);
  return line;
}

void Progress::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  bool last = total_ > 0 && done_ >= total_;
  if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(out_, "\r\033[K%s", Render(label_, done_, total_, unit_, elapsed, 24).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::Clear() {
  if (!drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
  last_draw_ = std::chrono::steady_clock::now() - std::chrono::seconds(1);  // redraw on the next update
}

void Progress::Finish() { Clear(); }

}  // namespace hostmind::cli
