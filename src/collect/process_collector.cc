#include "collect/process_collector.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "collect/parse.h"
#include "core/metric_catalog.h"

namespace hostmind {

Result<ProcStat> ParseProcStat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return Status::Corrupt("stat: no (comm)");
  ProcStat p;
  auto head = SplitFields(text.substr(0, open));
  auto pid = head.size() == 1 ? ParseI64(head[0]) : std::nullopt;
  if (!pid) return Status::Corrupt("stat: bad pid");
  p.pid = static_cast<int32_t>(*pid);
  p.comm = std::string(text.substr(open + 1, close - open - 1));
  auto f = SplitFields(text.substr(close + 1));
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.size() < 22) return Status::Corrupt("stat: " + std::to_string(f.size() + 2) + " fields, expected 24+");
  p.state = f[0].empty() ? '?' : f[0][0];
  auto ppid = ParseI64(f[1]);
  auto utime = ParseU64(f[11]), stime = ParseU64(f[12]);
  auto threads = ParseI64(f[17]);
  auto start = ParseU64(f[19]);
  auto rss = ParseI64(f[21]);
  if (!ppid || !utime || !stime || !threads || !start || !rss) return Status::Corrupt("stat: bad number");
  p.ppid = static_cast<int32_t>(*ppid);
  p.utime = *utime;
  p.stime = *stime;
  p.num_threads = *threads;
  p.starttime = *start;
  p.rss_pages = static_cast<uint64_t>(std::max<int64_t>(0, *rss));
  return p;
}

std::string ParseProcCgroup(std::string_view text) {
  std::string v2, memory, first;
  for (auto line : SplitLines(text)) {
    size_t a = line.find(':');
    size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    std::string_view controllers = line.substr(a + 1, b - a - 1);
    std::string path(line.substr(b + 1));
    if (line.substr(0, a) == "0" && controllers.empty()) v2 = path;
    if (controllers == "memory" || controllers.find("memory,") == 0 || controllers.find(",memory") != std::string_view::npos)
      memory = path;
    if (first.empty()) first = path;
  }
  return !v2.empty() ? v2 : !memory.empty() ? memory : first;
}

ProcessCollector::ProcessCollector(int top_n)
    : top_n_(top_n), ticks_per_second_(sysconf(_SC_CLK_TCK)), page_size_(sysconf(_SC_PAGESIZE)) {
  DescribeMetric("hostmind_processes", "Processes on the host.");
  DescribeMetric("hostmind_threads", "Threads on the host.");
  DescribeMetric("hostmind_processes_by_state", "Processes by state letter (R running, S sleeping, D uninterruptible, Z zombie, ...).");
  DescribeMetric("hostmind_process_cpu_ratio", "CPU used by a top process since the last scan, in cores.");
  DescribeMetric("hostmind_process_rss_bytes", "Resident memory of a top process.");
  DescribeMetric("hostmind_process_read_bytes_per_second", "Bytes a top process read from storage per second (/proc/[pid]/io).");
  DescribeMetric("hostmind_process_written_bytes_per_second", "Bytes a top process wrote to storage per second (/proc/[pid]/io).");
  DescribeMetric("hostmind_process_info", "Always 1: the executable and cgroup of a top process.");
}

Status ProcessCollector::Collect(CollectContext& ctx) {
  auto entries = ctx.env().ListDir("/proc");
  if (!entries.ok()) return entries.status();
  struct Row {
    ProcStat stat;
    double cpu = 0;
  };
  std::vector<Row> rows;
  std::map<char, int> by_state;
  int64_t threads = 0;
  std::map<std::string, Seen> next;
  TimeMs now = ctx.now();
  for (const auto& name : *entries) {
    if (name.empty() || !ParseU64(name)) continue;
    auto text = ctx.env().ReadFile("/proc/" + name + "/stat");
    if (!text.ok()) {
      // The process exited between the listing and the read: churn, not an error.
      if (text.status().code() != StatusCode::kNotFound) ctx.CountError(text.status());
      continue;
    }
    auto stat = ParseProcStat(*text);
    if (!stat.ok()) {
      ctx.CountError(Status::Corrupt("/proc/" + name + "/" + stat.status().message()));
      continue;
    }
    Row row{*stat, 0};
    by_state[stat->state]++;
    threads += stat->num_threads;
    std::string key = name + "/" + std::to_string(stat->starttime);
    uint64_t ticks = stat->utime + stat->stime;
    auto it = prev_.find(key);
    if (it != prev_.end() && now > it->second.ts && ticks >= it->second.ticks)
      row.cpu = static_cast<double>(ticks - it->second.ticks) / static_cast<double>(ticks_per_second_) /
                (static_cast<double>(now - it->second.ts) / 1000.0);
    next[key] = Seen{ticks, now};
    rows.push_back(std::move(row));
  }
  prev_ = std::move(next);  // forget exited processes
  io_rates_.ForgetOlderThan(now - 10 * kMsPerMinute);

  Batch& out = ctx.out();
  out.Gauge(SeriesKey("hostmind_processes"), static_cast<double>(rows.size()));
  out.Gauge(SeriesKey("hostmind_threads"), static_cast<double>(threads));
  for (const auto& [state, n] : by_state)
    out.Gauge(SeriesKey("hostmind_processes_by_state", {{"state", std::string(1, state)}}), n);

  // The union of the top N by CPU and the top N by RSS.
  std::set<size_t> top;
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) order[i] = i;
  size_t n = std::min<size_t>(static_cast<size_t>(top_n_), rows.size());
  std::partial_sort(order.begin(), order.begin() + n, order.end(), [&](size_t a, size_t b) { return rows[a].cpu > rows[b].cpu; });
  top.insert(order.begin(), order.begin() + n);
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](size_t a, size_t b) { return rows[a].stat.rss_pages > rows[b].stat.rss_pages; });
  top.insert(order.begin(), order.begin() + n);
  for (size_t i : top) EmitDetails(rows[i].stat, rows[i].cpu, ctx);
  return Status::Ok();
}

void ProcessCollector::EmitDetails(const ProcStat& p, double cpu_ratio, CollectContext& ctx) {
  std::string dir = "/proc/" + std::to_string(p.pid);
  std::vector<Label> l{{"pid", std::to_string(p.pid)}, {"comm", p.comm}};
  Batch& out = ctx.out();
  out.Gauge(SeriesKey("hostmind_process_cpu_ratio", l), cpu_ratio);
  out.Gauge(SeriesKey("hostmind_process_rss_bytes", l), static_cast<double>(p.rss_pages * static_cast<uint64_t>(page_size_)));

  auto io = ctx.env().ReadFile(dir + "/io");
  if (io.ok()) {
    int bad = 0;
    auto kv = ParseKeyValueKb(*io, &bad);  // "read_bytes: 123" lines, no units
    if (bad) ctx.CountError(Status::Corrupt(dir + "/io: " + std::to_string(bad) + " bad lines"));
    std::string key = std::to_string(p.pid) + "/" + std::to_string(p.starttime);
    const std::pair<const char*, const char*> fields[] = {{"read_bytes", "hostmind_process_read_bytes_per_second"},
                                                          {"write_bytes", "hostmind_process_written_bytes_per_second"}};
    for (const auto& [field, metric] : fields) {
      auto it = kv.find(field);
      if (it == kv.end()) continue;
      if (auto r = io_rates_.Rate(key + field, static_cast<double>(it->second), ctx.now())) out.Gauge(SeriesKey(metric, l), *r);
    }
  } else if (io.status().code() != StatusCode::kNotFound) {
    ctx.CountError(io.status());  // e.g. permission denied when not root
  }

  std::string exe = ctx.env().ReadLink(dir + "/exe").value_or("");
  std::string cgroup;
  if (auto cg = ctx.env().ReadFile(dir + "/cgroup"); cg.ok()) {
    cgroup = ParseProcCgroup(*cg);
    if (cgroup.empty() && !cg->empty()) ctx.CountError(Status::Corrupt(dir + "/cgroup: no cgroup path"));
  } else if (cg.status().code() != StatusCode::kNotFound) {
    ctx.CountError(cg.status());
  }
  out.Gauge(SeriesKey("hostmind_process_info", {{"pid", std::to_string(p.pid)}, {"comm", p.comm}, {"exe", exe}, {"cgroup", cgroup}}), 1);
}

}  // namespace hostmind
