#include "collect/network_collector.h"

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

constexpr size_t kMaxInterfaces = 64;  // bounds cardinality on hosts with many veths

struct DevField {
  size_t index;  // column after the interface name
  const char* metric;
  const char* help;
};

constexpr DevField kDevFields[] = {
    {0, "hostmind_network_receive_bytes_per_second", "Bytes received per second."},
    {1, "hostmind_network_receive_packets_per_second", "Packets received per second."},
    {2, "hostmind_network_receive_errors_per_second", "Receive errors per second."},
    {3, "hostmind_network_receive_drops_per_second", "Received packets dropped per second."},
    {8, "hostmind_network_transmit_bytes_per_second", "Bytes sent per second."},
    {9, "hostmind_network_transmit_packets_per_second", "Packets sent per second."},
    {10, "hostmind_network_transmit_errors_per_second", "Transmit errors per second."},
    {11, "hostmind_network_transmit_drops_per_second", "Transmitted packets dropped per second."},
};

struct TcpField {
  const char* name;  // /proc/net/snmp Tcp column
  const char* metric;
  bool rate;
  const char* help;
};

constexpr TcpField kTcpFields[] = {
    {"CurrEstab", "hostmind_tcp_established", false, "TCP connections in ESTABLISHED or CLOSE-WAIT."},
    {"ActiveOpens", "hostmind_tcp_active_opens_per_second", true, "Outgoing TCP connections opened per second."},
    {"PassiveOpens", "hostmind_tcp_passive_opens_per_second", true, "Incoming TCP connections accepted per second."},
    {"AttemptFails", "hostmind_tcp_attempt_fails_per_second", true, "Failed TCP connection attempts per second."},
    {"EstabResets", "hostmind_tcp_established_resets_per_second", true, "Established TCP connections reset per second."},
    {"RetransSegs", "hostmind_tcp_retransmitted_segments_per_second", true, "TCP segments retransmitted per second."},
    {"InErrs", "hostmind_tcp_in_errors_per_second", true, "TCP segments received in error per second."},
    {"OutRsts", "hostmind_tcp_out_resets_per_second", true, "TCP resets sent per second."},
};

}  // namespace

NetworkCollector::NetworkCollector() {
  for (const auto& f : kDevFields) DescribeMetric(f.metric, f.help);
  for (const auto& f : kTcpFields) DescribeMetric(f.metric, f.help);
}

Status NetworkCollector::Collect(CollectContext& ctx) {
  HM_RETURN_IF_ERROR(CollectNetDev(ctx));
  CollectTcp(ctx);
  return Status::Ok();
}

Status NetworkCollector::CollectNetDev(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/net/dev");
  if (!text.ok()) return text.status();
  size_t interfaces = 0;
  for (auto line : SplitLines(*text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the two header lines
    auto name_fields = SplitFields(line.substr(0, colon));
    auto f = SplitFields(line.substr(colon + 1));
    if (name_fields.size() != 1 || f.size() < 16) {
      ctx.CountError(Status::Corrupt("/proc/net/dev: bad line '" + std::string(line.substr(0, 60)) + "'"));
      continue;
    }
    if (++interfaces > kMaxInterfaces) break;
    std::string iface(name_fields[0]);
    for (const auto& d : kDevFields) {
      auto v = ParseU64(f[d.index]);
      if (!v) {
        ctx.CountError(Status::Corrupt("/proc/net/dev: bad number for " + iface));
        break;
      }
      if (auto r = rates_.Rate(iface + "/" + d.metric, static_cast<double>(*v), ctx.now()))
        ctx.out().Gauge(SeriesKey(d.metric, {{"interface", iface}}), *r);
    }
  }
  rates_.ForgetOlderThan(ctx.now() - 10 * kMsPerMinute);
  return Status::Ok();
}

void NetworkCollector::CollectTcp(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/net/snmp");
  if (!text.ok()) return ctx.CountError(text.status());
  // "Tcp:" appears twice: a header line of names, then a line of values.
  std::vector<std::string_view> names, values;
  for (auto line : SplitLines(*text)) {
    if (line.rfind("Tcp:", 0) != 0) continue;
    (names.empty() ? names : values) = SplitFields(line.substr(4));
  }
  if (names.empty() || names.size() != values.size())
    return ctx.CountError(Status::Corrupt("/proc/net/snmp: no well-formed Tcp lines"));
  for (const auto& t : kTcpFields) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != t.name) continue;
      auto v = ParseI64(values[i]);
      if (!v) {
        ctx.CountError(Status::Corrupt(std::string("/proc/net/snmp: bad Tcp ") + t.name));
        break;
      }
      if (!t.rate) ctx.out().Gauge(SeriesKey(t.metric), static_cast<double>(*v));
      else if (auto r = rates_.Rate(t.name, static_cast<double>(*v), ctx.now())) ctx.out().Gauge(SeriesKey(t.metric), *r);
    }
  }
}

}  // namespace hostmind
