/* The records the sensor's BPF programs send to user space, shared by bpf/sensor.bpf.c and
 * src/collect/sensor/. Plain C with fixed-size fields: the layout is the contract.
 * Every record starts with struct sensor_header; `kind` says which record follows. */
#ifndef HOSTMIND_BPF_SENSOR_ABI_H
#define HOSTMIND_BPF_SENSOR_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SENSOR_COMM_LEN 16
#define SENSOR_PATH_LEN 256
#define SENSOR_ARGS_LEN 512 /* a power of two */
#define SENSOR_MAX_PREFIXES 16
#define SENSOR_PREFIX_LEN 64

/* Syscall profiles: x86_64 syscall ids folded into slots (0..335 as is, 424..471 after them,
 * anything else in the last slot), and hashed 3-grams of slots in a small counting sketch. */
#define SENSOR_PROFILE_SLOTS 384
#define SENSOR_PROFILE_HIGH_BASE 424
#define SENSOR_PROFILE_LOW_SLOTS 336
#define SENSOR_NGRAM_SLOTS 256

enum sensor_kind {
  SENSOR_EXEC = 1,
  SENSOR_EXIT = 2,
  SENSOR_FORK = 3,
  SENSOR_OPEN = 4,
  SENSOR_CONNECT = 5, /* outbound TCP connect */
  SENSOR_ACCEPT = 6,  /* inbound TCP connection accepted */
  SENSOR_CRED = 7,    /* setuid/setgid family or capset succeeded */
  SENSOR_MODULE = 8,  /* init_module/finit_module called */
  SENSOR_PTRACE = 9,  /* ptrace attach/seize/poke */
  SENSOR_PROFILE = 10 /* a process's syscall profile, at exit */
};

struct sensor_header {
  __u32 kind;
  __u32 pid; /* thread group id */
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  __u32 euid;
  __u32 gid;
  __u32 pad;
  __u64 ts_ns; /* CLOCK_MONOTONIC */
  __u64 cgroup_id;
  char comm[SENSOR_COMM_LEN];
};

struct sensor_exec {
  struct sensor_header h;
  __u32 mnt_ns;
  __u32 pid_ns;
  __u32 net_ns;
  __u32 args_len; /* bytes used in args: NUL-separated argv prefix */
  __u32 args_truncated;
  __u32 pad;
  char filename[SENSOR_PATH_LEN];
  char args[SENSOR_ARGS_LEN];
};

struct sensor_exit {
  struct sensor_header h;
  __s32 exit_code; /* raw wait status: code << 8 | signal */
  __u32 pad;
  __u64 runtime_ns;
};

struct sensor_fork {
  struct sensor_header h; /* pid = child, ppid = parent */
};

#define SENSOR_RESULT_UNKNOWN (-2147483647 - 1)

struct sensor_open {
  struct sensor_header h;
  __s32 flags;
  __s32 ret; /* fd, or -errno, or SENSOR_RESULT_UNKNOWN when seen on entry */
  char path[SENSOR_PATH_LEN];
};

struct sensor_conn {
  struct sensor_header h;
  __u16 family; /* AF_INET or AF_INET6 */
  __u16 local_port;
  __u16 remote_port;
  __u16 pad;
  __u8 local_addr[16]; /* IPv4 in the first 4 bytes */
  __u8 remote_addr[16];
};

struct sensor_cred {
  struct sensor_header h; /* uid/euid/gid: after the change, or as requested for attempts */
  __u32 syscall;
  __u32 old_uid;
  __u32 old_euid;
  __u32 old_gid;
  __u32 attempt; /* 1: seen on entry, success unknown */
  __u32 pad;
  __u64 cap_effective;
};

struct sensor_module {
  struct sensor_header h;
  __u32 syscall;
  __s32 fd;
  char name[SENSOR_PATH_LEN]; /* file name of the module for finit_module */
};

struct sensor_ptrace {
  struct sensor_header h;
  __s64 request;
  __u32 target_pid;
  __u32 pad;
};

struct sensor_profile {
  struct sensor_header h;
  __u32 counts[SENSOR_PROFILE_SLOTS];
  __u32 ngrams[SENSOR_NGRAM_SLOTS];
};

/* One live process's aggregate in the kernel (map value of `profiles`). */
struct sensor_profile_state {
  __u32 prev1;
  __u32 prev2;
  __u64 total;
  __u32 counts[SENSOR_PROFILE_SLOTS];
  __u32 ngrams[SENSOR_NGRAM_SLOTS];
};

#endif
