// SPDX-License-Identifier: GPL-2.0
/* A reference for the sensor overhead benchmark: the cheapest useful tp_btf program, counting
 * syscalls per CPU. bench/sensor_bench.cc runs the same loop with no program, with this one and
 * with the full sensor, side by side. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} calls SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(count_sys_enter, struct pt_regs *regs, long nr) {
  __u32 zero = 0;
  __u64 *n = bpf_map_lookup_elem(&calls, &zero);
  if (n) *n += 1;
  return 0;
}
