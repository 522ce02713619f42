// SPDX-License-Identifier: GPL-2.0
/* hostmind's runtime sensor: process lifecycle, file opens under configured prefixes, TCP
 * connections, credential changes, module loads and ptrace, sent to user space through one
 * ring buffer; and per-process syscall profiles aggregated here, in the kernel, so that the
 * per-syscall cost stays a map lookup and two increments (only aggregates cross, at exit).
 *
 * Only tp_btf programs are used: on hardened kernels fentry/fexit, BPF-LSM and kprobes are
 * refused or compiled out, while BTF tracepoints are not. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sensor_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7

/* x86_64 syscall numbers the sensor decodes. */
#define NR_open 2
#define NR_accept 43
#define NR_listen 50
#define NR_creat 85
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_capset 126
#define NR_init_module 175
#define NR_openat 257
#define NR_accept4 288
#define NR_finit_module 313
#define NR_openat2 437

#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSER 6
#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206

/* Set by the loader before load (read-only to the programs, so the verifier prunes). */
const volatile __u32 self_tgid = 0;
const volatile __u32 enable_profiles = 1;
const volatile __u32 enable_opens = 1;
const volatile __u32 enable_forks = 1;
/* 1: opens, credential changes and accepts come from classic syscall tracepoints, with their
 * results (the loader attaches them); 0: they are seen on entry (attempts), at no extra cost. */
const volatile __u32 syscall_results = 0;
const volatile __u32 n_prefixes = 0;
const volatile __u32 prefix_len[SENSOR_MAX_PREFIXES] = {};
const volatile char prefixes[SENSOR_MAX_PREFIXES][SENSOR_PREFIX_LEN] = {};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

/* Records that did not fit in the ring buffer, per CPU: never silent. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2); /* 0: ring buffer full, 1: profile table full */
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

/* Syscall profiles live in task-local storage: one lookup through the task, no hashing, on the
 * hottest path of all. Each thread keeps its own (its own sequence, so its own 3-grams); a
 * thread's profile is sent when it exits and user space attributes it to the process. Memory:
 * one sensor_profile_state (2.6 KiB) per thread that made a system call since the sensor
 * loaded, freed with the thread. */
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct sensor_profile_state);
} profiles SEC(".maps");

/* The hot path appends each syscall's slot to a per-CPU batch (an array write); the batch is
 * folded into the running thread's profile when it fills, when the thread is switched out, and
 * when it exits. Every switch empties the batch, so it only ever holds the running thread's
 * calls: the hot path needs no thread id, so no helper call (bpf_get_current_pid_tgid() alone
 * measured 20-25 ns per system call with bench-sensor, a quarter of the hook). A thread preempted
 * inside the program itself can leave one call in the next thread's batch: rare, and only a
 * miscounted call. */
#define SYSCALL_BATCH 64
struct syscall_batch {
  __u32 n;
  __u16 slots[SYSCALL_BATCH];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct syscall_batch);
} batches SEC(".maps");

/* Inbound connections complete in softirq context, without their process: the listening port's
 * last accept() caller is remembered to attribute them. */
struct port_owner {
  __u32 pid;
  __u32 uid;
  char comm[SENSOR_COMM_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 1024);
  __type(key, __u16);
  __type(value, struct port_owner);
} listeners SEC(".maps");

/* A syscall entered and awaiting its result, per thread (LRU: threads that never return from
 * a syscall, e.g. through exec, cannot fill it). */
struct pending {
  __u32 nr;
  __s32 flags;
  __u32 old_uid;
  __u32 old_euid;
  __u32 old_gid;
  __u32 pad;
  char path[SENSOR_PATH_LEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, struct pending);
} pending_calls SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pending);
} pending_scratch SEC(".maps");

static __always_inline void count_lost(__u32 which) {
  __u64 *n = bpf_map_lookup_elem(&lost, &which);
  if (n) *n += 1;
}

/* Wake the reader only when the ring is a quarter full; it also polls on a short timer, so
 * bursts cost one wakeup instead of one per record. */
static __always_inline void submit(void *rec) {
  __u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  __u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
  bpf_ringbuf_submit(rec, avail > size / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void *reserve(__u64 size) {
  void *rec = bpf_ringbuf_reserve(&events, size, 0);
  if (!rec) count_lost(0);
  return rec;
}

static __always_inline void fill_header(struct sensor_header *h, __u32 kind, struct task_struct *task) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  h->kind = kind;
  h->pid = pid_tgid >> 32;
  h->tid = (__u32)pid_tgid;
  h->ppid = BPF_CORE_READ(task, real_parent, tgid);
  h->uid = BPF_CORE_READ(task, cred, uid.val);
  h->euid = BPF_CORE_READ(task, cred, euid.val);
  h->gid = BPF_CORE_READ(task, cred, gid.val);
  h->pad = 0;
  h->ts_ns = bpf_ktime_get_ns();
  h->cgroup_id = bpf_get_current_cgroup_id();
  bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline __u32 profile_slot(long nr) {
  if (nr >= 0 && nr < SENSOR_PROFILE_LOW_SLOTS) return (__u32)nr;
  long high = nr - SENSOR_PROFILE_HIGH_BASE;
  if (high >= 0 && high < SENSOR_PROFILE_SLOTS - SENSOR_PROFILE_LOW_SLOTS - 1)
    return SENSOR_PROFILE_LOW_SLOTS + (__u32)high;
  return SENSOR_PROFILE_SLOTS - 1;
}

static __always_inline void fold(struct syscall_batch *b, struct task_struct *task) {
  __u32 n = b->n;
  b->n = 0;
  if (n == 0) return;
  if (BPF_CORE_READ(task, tgid) == self_tgid) return; /* the agent's own calls are not profiled */
  struct sensor_profile_state *p =
      bpf_task_storage_get(&profiles, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!p) {
    count_lost(1); /* no memory for this thread's profile */
    return;
  }
  /* Threads of one process never share a profile; a thread is folded on one CPU at a time. */
  for (__u32 i = 0; i < SYSCALL_BATCH; i++) {
    if (i >= n) break;
    __u32 slot = b->slots[i];
    if (slot >= SENSOR_PROFILE_SLOTS) continue;
    p->counts[slot] += 1;
    __u32 h = (p->prev2 * 0x9E3779B1u) ^ (p->prev1 * 0x85EBCA77u) ^ (slot * 0xC2B2AE3Du);
    p->ngrams[(h >> 24) & (SENSOR_NGRAM_SLOTS - 1)] += 1;
    p->prev2 = p->prev1;
    p->prev1 = slot;
  }
  p->total += n;
}

static __always_inline struct syscall_batch *batch(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&batches, &zero);
}

static __always_inline void profile_syscall(long nr) {
  struct syscall_batch *b = batch();
  if (!b) return;
  __u32 n = b->n;
  if (n < SYSCALL_BATCH) {
    b->slots[n] = (__u16)profile_slot(nr);
    b->n = n + 1;
  }
  if (n + 1 >= SYSCALL_BATCH) fold(b, bpf_get_current_task_btf());
}

/* Folds this CPU's batch into `task`, the thread that made its calls (it is switching out,
 * exiting or exec'ing), or discards it. */
static __always_inline void fold_task(struct task_struct *task, int discard) {
  struct syscall_batch *b = batch();
  if (!b || b->n == 0) return;
  if (discard) b->n = 0;
  else fold(b, task);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next) {
  if (enable_profiles) fold_task(prev, 0);
  return 0;
}

static __always_inline int path_selected(const char *path) {
  if (n_prefixes == 0) return 0;
  for (__u32 i = 0; i < SENSOR_MAX_PREFIXES; i++) {
    if (i >= n_prefixes) return 0;
    __u32 len = prefix_len[i];
    int match = 1;
    for (__u32 j = 0; j < SENSOR_PREFIX_LEN; j++) {
      if (j >= len) break;
      if (path[j] != prefixes[i][j]) {
        match = 0;
        break;
      }
    }
    if (match) return 1;
  }
  return 0;
}

static __always_inline struct pending *scratch(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&pending_scratch, &zero);
}

/* The arguments come by value: verifier rules forbid reading through an offset ctx pointer. */
static __always_inline int enter_open(long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if ((pid_tgid >> 32) == self_tgid) return 0;
  const char *name;
  __s32 flags;
  if (nr == NR_openat) {
    name = (const char *)a1;
    flags = (__s32)a2;
  } else if (nr == NR_openat2) {
    name = (const char *)a1;
    __u64 how_flags = 0;
    bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)a2);
    flags = (__s32)how_flags;
  } else if (nr == NR_open) {
    name = (const char *)a0;
    flags = (__s32)a1;
  } else { /* creat */
    name = (const char *)a0;
    flags = 0100 | 01 | 01000; /* O_CREAT | O_WRONLY | O_TRUNC */
  }
  struct pending *p = scratch();
  if (!p) return 0;
  if (bpf_probe_read_user_str(p->path, sizeof(p->path), name) <= 0) return 0;
  if (!path_selected(p->path)) return 0;
  p->nr = nr;
  p->flags = flags;
  bpf_map_update_elem(&pending_calls, &pid_tgid, p, BPF_ANY);
  return 0;
}

static __always_inline int enter_cred(long nr) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if ((pid_tgid >> 32) == self_tgid) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  struct pending *p = scratch();
  if (!p) return 0;
  p->nr = nr;
  p->old_uid = BPF_CORE_READ(task, cred, uid.val);
  p->old_euid = BPF_CORE_READ(task, cred, euid.val);
  p->old_gid = BPF_CORE_READ(task, cred, gid.val);
  p->path[0] = 0;
  bpf_map_update_elem(&pending_calls, &pid_tgid, p, BPF_ANY);
  return 0;
}

static __always_inline struct file *fd_file(struct task_struct *task, long fd) {
  struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
  struct file *f = NULL;
  if (fd < 0 || fd > 65535) return NULL;
  bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
  return f;
}

static __always_inline void enter_module(struct task_struct *task, struct pt_regs *regs, long nr) {
  struct sensor_module *m = reserve(sizeof(*m));
  if (!m) return;
  fill_header(&m->h, SENSOR_MODULE, task);
  m->syscall = nr;
  m->fd = -1;
  m->name[0] = 0;
  if (nr == NR_finit_module) {
    m->fd = (__s32)PT_REGS_PARM1_CORE(regs);
    struct file *f = fd_file(task, m->fd);
    if (f) {
      const unsigned char *dname = BPF_CORE_READ(f, f_path.dentry, d_name.name);
      bpf_probe_read_kernel_str(m->name, sizeof(m->name), dname);
    }
  }
  submit(m);
}

static __always_inline void enter_ptrace(struct task_struct *task, struct pt_regs *regs) {
  long request = (long)PT_REGS_PARM1_CORE(regs);
  if (request != PTRACE_ATTACH && request != PTRACE_SEIZE && request != PTRACE_POKETEXT &&
      request != PTRACE_POKEDATA && request != PTRACE_POKEUSER)
    return;
  struct sensor_ptrace *e = reserve(sizeof(*e));
  if (!e) return;
  fill_header(&e->h, SENSOR_PTRACE, task);
  e->request = request;
  e->target_pid = (__u32)PT_REGS_PARM2_CORE(regs);
  e->pad = 0;
  submit(e);
}

#define BIT(nr) (1ull << ((nr) & 63))
/* The syscalls on_sys_enter decodes, as a 512-bit set (x86_64 numbers). */
static const __u64 decoded_calls[8] = {
    [0] = BIT(NR_open) | BIT(NR_accept) | BIT(NR_listen),
    [1] = BIT(NR_creat) | BIT(NR_ptrace) | BIT(NR_setuid) | BIT(NR_setgid) | BIT(NR_setreuid) |
          BIT(NR_setregid) | BIT(NR_setresuid) | BIT(NR_setresgid) | BIT(NR_setfsuid) | BIT(NR_setfsgid) |
          BIT(NR_capset),
    [2] = BIT(NR_init_module),
    [4] = BIT(NR_openat) | BIT(NR_accept4) | BIT(NR_finit_module),
    [6] = BIT(NR_openat2),
};

static __always_inline void open_attempt(struct pt_regs *regs, long nr) {
  struct sensor_open *o = reserve(sizeof(*o));
  if (!o) return;
  const char *name = (const char *)(nr == NR_open || nr == NR_creat ? PT_REGS_PARM1_CORE(regs) : PT_REGS_PARM2_CORE(regs));
  if (bpf_probe_read_user_str(o->path, sizeof(o->path), name) <= 0 || !path_selected(o->path)) {
    bpf_ringbuf_discard(o, BPF_RB_NO_WAKEUP);
    return;
  }
  fill_header(&o->h, SENSOR_OPEN, bpf_get_current_task_btf());
  if (nr == NR_openat) {
    o->flags = (__s32)PT_REGS_PARM3_CORE(regs);
  } else if (nr == NR_openat2) {
    __u64 how_flags = 0;
    bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)PT_REGS_PARM3_CORE(regs));
    o->flags = (__s32)how_flags;
  } else if (nr == NR_open) {
    o->flags = (__s32)PT_REGS_PARM2_CORE(regs);
  } else {
    o->flags = 0100 | 01 | 01000; /* creat: O_CREAT | O_WRONLY | O_TRUNC */
  }
  o->ret = SENSOR_RESULT_UNKNOWN;
  submit(o);
}

/* A credential change as requested on entry; -1 arguments keep the current id. */
static __always_inline void cred_attempt(struct pt_regs *regs, long nr) {
  struct task_struct *task = bpf_get_current_task_btf();
  struct sensor_cred *c = reserve(sizeof(*c));
  if (!c) return;
  fill_header(&c->h, SENSOR_CRED, task);
  c->syscall = nr;
  c->old_uid = c->h.uid;
  c->old_euid = c->h.euid;
  c->old_gid = c->h.gid;
  c->attempt = 1;
  c->pad = 0;
  c->cap_effective = 0;
  __u32 a0 = (__u32)PT_REGS_PARM1_CORE(regs), a1 = (__u32)PT_REGS_PARM2_CORE(regs);
  if (nr == NR_setuid || nr == NR_setfsuid) {
    c->h.uid = nr == NR_setuid ? a0 : c->h.uid;
    c->h.euid = a0;
  } else if (nr == NR_setreuid || nr == NR_setresuid) {
    if (a0 != (__u32)-1) c->h.uid = a0;
    if (a1 != (__u32)-1) c->h.euid = a1;
  } else if (nr == NR_setgid || nr == NR_setfsgid) {
    c->h.gid = a0;
  } else if (nr == NR_setregid || nr == NR_setresgid) {
    if (a1 != (__u32)-1) c->h.gid = a1;
  } else if (nr == NR_capset) {
    __u32 data[6] = {}; /* two user_cap_data_struct: effective, permitted, inheritable */
    bpf_probe_read_user(data, sizeof(data), (void *)PT_REGS_PARM2_CORE(regs));
    c->cap_effective = data[0] | ((__u64)data[3] << 32);
  }
  submit(c);
}

/* listen() or accept() on a socket: remember who serves its port (see on_sock_state). */
static __always_inline void remember_listener(struct pt_regs *regs) {
  struct task_struct *task = bpf_get_current_task_btf();
  struct file *f = fd_file(task, (long)PT_REGS_PARM1_CORE(regs));
  if (!f) return;
  struct socket *sock = BPF_CORE_READ(f, private_data);
  __u16 port = BPF_CORE_READ(sock, sk, __sk_common.skc_num);
  if (port == 0) return;
  struct port_owner l = {};
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  l.pid = pid_tgid >> 32;
  l.uid = (__u32)bpf_get_current_uid_gid();
  bpf_get_current_comm(l.comm, sizeof(l.comm));
  bpf_map_update_elem(&listeners, &port, &l, BPF_ANY);
}

/* Runs on every syscall: the profile append and a few compares. Module loads and ptrace are
 * seen here (module syscalls have no tracepoint on kernels without module support, and the
 * request matters even when refused); opens, credential changes and accepts too, unless the
 * loader attached the classic syscall tracepoints for their results (syscall_results). */
SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long nr) {
  if (enable_profiles) profile_syscall(nr);
  /* Most calls are none of the decoded ones: one bitmap test sends them home. */
  if ((__u64)nr >= 512 || !((decoded_calls[(__u64)nr >> 6] >> ((__u64)nr & 63)) & 1)) return 0;
  if ((bpf_get_current_pid_tgid() >> 32) == self_tgid) return 0; /* the agent's own calls */
  switch (nr) {
    case NR_init_module:
    case NR_finit_module:
      enter_module(bpf_get_current_task_btf(), regs, nr);
      break;
    case NR_ptrace:
      enter_ptrace(bpf_get_current_task_btf(), regs);
      break;
    case NR_open:
    case NR_openat:
    case NR_openat2:
    case NR_creat:
      if (!syscall_results && enable_opens) open_attempt(regs, nr);
      break;
    case NR_setuid: case NR_setgid: case NR_setreuid: case NR_setregid: case NR_setresuid:
    case NR_setresgid: case NR_setfsuid: case NR_setfsgid: case NR_capset:
      if (!syscall_results) cred_attempt(regs, nr);
      break;
    case NR_listen:
    case NR_accept:
    case NR_accept4:
      if (!syscall_results) remember_listener(regs);
      break;
  }
  return 0;
}

static __always_inline void read_sock(struct sock *sk, struct sensor_conn *c) {
  c->family = BPF_CORE_READ(sk, __sk_common.skc_family);
  c->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
  c->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  __builtin_memset(c->local_addr, 0, sizeof(c->local_addr));
  __builtin_memset(c->remote_addr, 0, sizeof(c->remote_addr));
  if (c->family == AF_INET) {
    bpf_core_read(c->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    bpf_core_read(c->remote_addr, 4, &sk->__sk_common.skc_daddr);
  } else if (c->family == AF_INET6) {
    bpf_core_read(c->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    bpf_core_read(c->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
  }
}

static __always_inline void exit_accept(struct task_struct *task, long fd) {
  struct file *f = fd_file(task, fd);
  if (!f) return;
  struct socket *sock = BPF_CORE_READ(f, private_data);
  struct sock *sk = BPF_CORE_READ(sock, sk);
  if (!sk) return;
  struct sensor_conn *c = reserve(sizeof(*c));
  if (!c) return;
  fill_header(&c->h, SENSOR_ACCEPT, task);
  c->pad = 0;
  read_sock(sk, c);
  if (c->family != AF_INET && c->family != AF_INET6) {
    bpf_ringbuf_discard(c, BPF_RB_NO_WAKEUP);
    return;
  }
  submit(c);
}

static __always_inline int exit_call(long nr, long ret) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct pending *p = bpf_map_lookup_elem(&pending_calls, &pid_tgid);
  if (!p) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  if (nr == NR_accept || nr == NR_accept4) {
    if (ret >= 0) exit_accept(task, ret);
  } else if (nr == NR_open || nr == NR_openat || nr == NR_openat2 || nr == NR_creat) {
    struct sensor_open *o = reserve(sizeof(*o));
    if (o) {
      fill_header(&o->h, SENSOR_OPEN, task);
      o->flags = p->flags;
      o->ret = (__s32)ret;
      __builtin_memcpy(o->path, p->path, sizeof(o->path));
      submit(o);
    }
  } else if (ret == 0) {
    struct sensor_cred *c = reserve(sizeof(*c));
    if (c) {
      fill_header(&c->h, SENSOR_CRED, task);
      c->syscall = nr;
      c->old_uid = p->old_uid;
      c->old_euid = p->old_euid;
      c->old_gid = p->old_gid;
      c->attempt = 0;
      c->pad = 0;
      c->cap_effective = 0;
      BPF_CORE_READ_INTO(&c->cap_effective, task, cred, cap_effective);
      submit(c);
    }
  }
  bpf_map_delete_elem(&pending_calls, &pid_tgid);
  return 0;
}

/* One classic tracepoint pair per decoded syscall (the loader skips those the kernel lacks). */
#define OPEN_CALL(name)                                                              \
  SEC("tracepoint/syscalls/sys_enter_" #name)                                        \
  int tp_enter_##name(struct trace_event_raw_sys_enter *ctx) {                       \
    return enter_open(NR_##name, ctx->args[0], ctx->args[1], ctx->args[2]);            \
  }                                                                                  \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int tp_exit_##name(struct trace_event_raw_sys_exit *ctx) { return exit_call(NR_##name, ctx->ret); }

#define CRED_CALL(name)                                                              \
  SEC("tracepoint/syscalls/sys_enter_" #name)                                        \
  int tp_enter_##name(struct trace_event_raw_sys_enter *ctx) { return enter_cred(NR_##name); } \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int tp_exit_##name(struct trace_event_raw_sys_exit *ctx) { return exit_call(NR_##name, ctx->ret); }

OPEN_CALL(open)
OPEN_CALL(openat)
OPEN_CALL(openat2)
OPEN_CALL(creat)
CRED_CALL(setuid)
CRED_CALL(setgid)
CRED_CALL(setreuid)
CRED_CALL(setregid)
CRED_CALL(setresuid)
CRED_CALL(setresgid)
CRED_CALL(setfsuid)
CRED_CALL(setfsgid)
CRED_CALL(capset)
CRED_CALL(accept)
CRED_CALL(accept4)

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
  /* The pre-exec syscalls belong to the old image: start the profile afresh. */
  fold_task(task, 1);
  bpf_task_storage_delete(&profiles, task);
  struct sensor_exec *e = reserve(sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, SENSOR_EXEC, task);
  e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
  e->pid_ns = BPF_CORE_READ(task, nsproxy, pid_ns_for_children, ns.inum);
  e->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
  e->pad = 0;
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
  unsigned long start = BPF_CORE_READ(task, mm, arg_start);
  unsigned long end = BPF_CORE_READ(task, mm, arg_end);
  unsigned long len = end > start ? end - start : 0;
  /* The mask bounds the length for the verifier; SENSOR_ARGS_LEN is a power of two. */
  e->args_truncated = len >= SENSOR_ARGS_LEN;
  if (len >= SENSOR_ARGS_LEN) len = SENSOR_ARGS_LEN - 1;
  len &= SENSOR_ARGS_LEN - 1;
  e->args_len = 0;
  if (len > 0 && bpf_probe_read_user(e->args, len, (void *)start) == 0) e->args_len = len;
  submit(e);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child) {
  if (!enable_forks) return 0;
  __u32 child_pid = BPF_CORE_READ(child, pid);
  __u32 child_tgid = BPF_CORE_READ(child, tgid);
  if (child_pid != child_tgid) return 0; /* a new thread, not a process */
  struct sensor_fork *f = reserve(sizeof(*f));
  if (!f) return 0;
  fill_header(&f->h, SENSOR_FORK, parent);
  f->h.pid = child_tgid;
  f->h.tid = child_pid;
  f->h.ppid = BPF_CORE_READ(parent, tgid);
  submit(f);
  return 0;
}

static __always_inline void send_profile(struct task_struct *task) {
  fold_task(task, 0);
  struct sensor_profile_state *p = bpf_task_storage_get(&profiles, task, 0, 0);
  if (!p) return;
  if (p->total > 0) {
    struct sensor_profile *r = reserve(sizeof(*r));
    if (r) {
      fill_header(&r->h, SENSOR_PROFILE, task);
      /* Too large for an inlined copy. */
      bpf_probe_read_kernel(r->counts, sizeof(r->counts), p->counts);
      bpf_probe_read_kernel(r->ngrams, sizeof(r->ngrams), p->ngrams);
      submit(r);
    }
  }
  bpf_task_storage_delete(&profiles, task);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (enable_profiles && tgid != self_tgid) send_profile(task);  /* every thread's own */
  /* Only the last thread of a process reports the process's exit. */
  if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
  struct sensor_exit *e = reserve(sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, SENSOR_EXIT, task);
  e->exit_code = BPF_CORE_READ(task, exit_code);
  e->pad = 0;
  __u64 start = BPF_CORE_READ(task, group_leader, start_time);
  e->runtime_ns = e->h.ts_ns > start ? e->h.ts_ns - start : 0;
  submit(e);
  return 0;
}

/* A handshake completed on a listening port (softirq: no process context). */
static __always_inline void inbound(struct sock *sk) {
  __u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
  struct port_owner *l = bpf_map_lookup_elem(&listeners, &port);
  struct sensor_conn *c = reserve(sizeof(*c));
  if (!c) return;
  __builtin_memset(&c->h, 0, sizeof(c->h));
  c->h.kind = SENSOR_ACCEPT;
  c->h.ts_ns = bpf_ktime_get_ns();
  if (l) {
    c->h.pid = l->pid;
    c->h.tid = l->pid;
    c->h.uid = l->uid;
    c->h.euid = l->uid;
    __builtin_memcpy(c->h.comm, l->comm, sizeof(c->h.comm));
  }
  c->pad = 0;
  read_sock(sk, c);
  submit(c);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_sock_state, const struct sock *sk, const int oldstate, const int newstate) {
  if (!syscall_results && oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
    inbound((struct sock *)sk);
    return 0;
  }
  /* CLOSE -> SYN_SENT happens inside connect(), in the caller's context. */
  if (oldstate != TCP_CLOSE || newstate != TCP_SYN_SENT) return 0;
  __u16 proto = BPF_CORE_READ(sk, sk_protocol);
  if (proto != 6 /* IPPROTO_TCP */) return 0;
  if (bpf_get_current_pid_tgid() >> 32 == self_tgid) return 0;
  struct sensor_conn *c = reserve(sizeof(*c));
  if (!c) return 0;
  fill_header(&c->h, SENSOR_CONNECT, bpf_get_current_task_btf());
  c->pad = 0;
  read_sock((struct sock *)sk, c);
  submit(c);
  return 0;
}
