#include "collect/sensor/sensor_decode.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>

extern "C" {
#include "sensor_abi.h"
}

namespace hostmind {
namespace {

template <typename T>
std::string Bytes(const T& rec) {
  return std::string(reinterpret_cast<const char*>(&rec), sizeof(rec));
}

void FillHeader(sensor_header& h, uint32_t kind) {
  h.kind = kind;
  h.pid = 42;
  h.tid = 42;
  h.ppid = 7;
  h.uid = 1000;
  h.euid = 0;
  h.ts_ns = 5'000'000'000ull;
  h.cgroup_id = 99;
  std::strcpy(h.comm, "nginx");
}

TEST(SensorDecodeTest, DecodesExecWithArgvCgroupAndWallTime) {
  int lookups = 0;
  SensorDecoder dec(1'000'000, [&](uint64_t id, int32_t pid) {
    ++lookups;
    EXPECT_EQ(id, 99u);
    EXPECT_EQ(pid, 42);
    return std::string("/system.slice/nginx.service");
  });
  sensor_exec r{};
  FillHeader(r.h, SENSOR_EXEC);
  std::strcpy(r.filename, "/usr/sbin/nginx");
  const char args[] = "nginx\0-g\0daemon off;\0";
  std::memcpy(r.args, args, sizeof(args));
  r.args_len = sizeof(args);
  auto ev = dec.Decode(Bytes(r));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ(ev->ts, 1'000'000 + 5000);
  const auto& e = std::get<ProcessExec>(ev->body);
  EXPECT_EQ(e.exe, "/usr/sbin/nginx");
  EXPECT_EQ(e.argv, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(e.uid, 1000u);
  EXPECT_EQ(e.euid, 0u);
  EXPECT_EQ(e.cgroup, "/system.slice/nginx.service");
  ASSERT_TRUE(dec.Decode(Bytes(r)).ok());
  EXPECT_EQ(lookups, 1) << "cgroup paths are cached by id";
}

TEST(SensorDecodeTest, DecodesExitStatusAndConnection) {
  SensorDecoder dec(0, nullptr);
  sensor_exit x{};
  FillHeader(x.h, SENSOR_EXIT);
  x.exit_code = 9;  // killed by SIGKILL
  x.runtime_ns = 2'500'000'000ull;
  auto ev = dec.Decode(Bytes(x));
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(std::get<ProcessExit>(ev->body).exit_code, 137);
  EXPECT_EQ(std::get<ProcessExit>(ev->body).runtime_ms, 2500);
  x.exit_code = 3 << 8;
  EXPECT_EQ(std::get<ProcessExit>(dec.Decode(Bytes(x))->body).exit_code, 3);

  sensor_conn c{};
  FillHeader(c.h, SENSOR_CONNECT);
  c.family = AF_INET;
  c.remote_port = 443;
  const uint8_t ip[4] = {93, 184, 216, 34};
  std::memcpy(c.remote_addr, ip, 4);
  auto conn = dec.Decode(Bytes(c));
  ASSERT_TRUE(conn.ok());
  const auto& n = std::get<NetConnection>(conn->body);
  EXPECT_EQ(n.remote_addr, "93.184.216.34");
  EXPECT_EQ(n.remote_port, 443);
  EXPECT_EQ(n.direction, NetConnection::Direction::kOutbound);
}

TEST(SensorDecodeTest, RejectsTruncatedAndUnknownRecords) {
  SensorDecoder dec(0, nullptr);
  sensor_exec r{};
  FillHeader(r.h, SENSOR_EXEC);
  EXPECT_EQ(dec.Decode(Bytes(r).substr(0, 100)).status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(dec.Decode("abc").status().code(), StatusCode::kCorrupt);
  sensor_header h{};
  FillHeader(h, 77);
  EXPECT_EQ(dec.Decode(Bytes(h)).status().code(), StatusCode::kCorrupt);
}

TEST(SensorDecodeTest, MapsProfileSlotsBackToSyscallNumbers) {
  EXPECT_EQ(ProfileSlotSyscall(0), 0);
  EXPECT_EQ(ProfileSlotSyscall(335), 335);
  EXPECT_EQ(ProfileSlotSyscall(336), 424);
  EXPECT_EQ(ProfileSlotSyscall(SENSOR_PROFILE_SLOTS - 1), -1);
}

}  // namespace
}  // namespace hostmind
