// SPDX-License-Identifier: GPL-2.0
/* hostmind's prefetch tracer: what each program reads from the page cache as it starts.
 *
 * Every exec starts a launch, traced for `window_ns`. While it is traced, the page-cache
 * tracepoints of Linux 6.11+ (mm_filemap_get_pages: read(2) and friends; mm_filemap_map_pages
 * and mm_filemap_fault: mmap faults) tell which pages of which file it used, hits and misses
 * alike; consecutive touches of one file are joined here, in the kernel, so a sequential read
 * of a large file costs one record. mm_filemap_add_to_page_cache tells which pages it had to
 * read from disk, and which pages the agent's own prefetch threads brought in (for the hit and
 * waste accounting). A file's path is sent once, the first time its inode is seen, by walking
 * its dentries (user space adds the mount point).
 *
 * Only tp_btf programs: fentry/fexit, BPF-LSM and kprobes are refused on hardened kernels. The
 * exec record forces a wakeup (the prefetcher acts on it at once); the others do not. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "prefetch_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile __u32 self_tgid = 0;
const volatile __u64 window_ns = 5000000000ULL;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

/* Records that did not fit in the ring buffer, per CPU: never silent. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

/* A traced process: the launch it belongs to, until when, and the touched range not yet sent. */
struct tracked {
  __u64 deadline_ns;
  __u32 launch;
  __u32 pad;
  __u64 dev;
  __u64 ino;
  __u64 first;
  __u64 end;      /* pending range [first, end); empty when end == first */
  __u64 start_ns; /* when the pending range was first touched */
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct tracked);
} tracked SEC(".maps");

struct file_key {
  __u64 dev;
  __u64 ino;
};

/* Files whose path was sent. User space deletes an entry when it forgets the path. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct file_key);
  __type(value, __u8);
} named SEC(".maps");

/* Thread ids of the agent's prefetch threads (filled by user space). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u8);
} prefetch_threads SEC(".maps");

static __always_inline void *reserve(__u64 size) {
  void *rec = bpf_ringbuf_reserve(&events, size, 0);
  if (!rec) {
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&lost, &zero);
    if (n) __sync_fetch_and_add(n, 1);
  }
  return rec;
}

static __always_inline void fill_header(struct pf_header *h, __u32 kind, __u32 pid, __u32 launch, __u64 now) {
  h->kind = kind;
  h->pid = pid;
  h->launch = launch;
  h->pad = 0;
  h->ts_ns = now;
}

/* Path components from `d` up to its filesystem's root, leaf first, NUL-separated. */
static __always_inline __u32 walk_path(struct dentry *d, char *buf, __u32 *truncated) {
  __u32 off = 0;
  *truncated = 1;
  for (int i = 0; i < PF_MAX_DEPTH; i++) {
    struct dentry *parent = BPF_CORE_READ(d, d_parent);
    if (!parent || parent == d) {
      *truncated = 0;
      break;
    }
    if (off >= PF_PATH_BUF) break;
    const unsigned char *name = BPF_CORE_READ(d, d_name.name);
    /* The mask bounds the offset for the verifier; the buffer has PF_NAME_MAX bytes of slack. */
    long n = bpf_probe_read_kernel_str(buf + (off & (PF_PATH_BUF - 1)), PF_NAME_MAX, name);
    if (n <= 0) break;
    off += n;
    d = parent;
  }
  return off;
}

static __always_inline int block_backed(struct inode *inode) {
  return inode && BPF_CORE_READ(inode, i_sb, s_bdev) != NULL;
}

static __always_inline void send_name(struct inode *inode, __u64 dev, __u64 ino, __u32 tgid, __u32 launch,
                                      __u64 now) {
  struct file_key key = {.dev = dev, .ino = ino};
  if (bpf_map_lookup_elem(&named, &key)) return;
  struct hlist_node *alias = BPF_CORE_READ(inode, i_dentry.first);
  if (!alias) return;
  struct dentry *d = (struct dentry *)((char *)alias - bpf_core_field_offset(struct dentry, d_u.d_alias));
  struct pf_name *r = reserve(sizeof(*r));
  if (!r) return;
  __u8 one = 1;
  bpf_map_update_elem(&named, &key, &one, BPF_ANY);
  fill_header(&r->h, PF_NAME, tgid, launch, now);
  r->dev = dev;
  r->ino = ino;
  r->path_len = walk_path(d, r->path, &r->path_truncated);
  bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

static __always_inline void send_pages(__u32 kind, __u32 tgid, __u32 launch, __u64 now, __u64 dev, __u64 ino,
                                       __u64 first, __u64 count) {
  struct pf_pages *r = reserve(sizeof(*r));
  if (!r) return;
  fill_header(&r->h, kind, tgid, launch, now);
  r->dev = dev;
  r->ino = ino;
  r->first = first;
  r->count = count;
  bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/* Sends the pending range, stamped with the time of its first touch. */
static __always_inline void flush(struct tracked *t, __u32 tgid) {
  if (t->end > t->first)
    send_pages(PF_TOUCH, tgid, t->launch, t->start_ns, t->dev, t->ino, t->first, t->end - t->first);
  t->first = t->end = 0;
}

/* Pages [first, last] of `mapping` used by the current process. */
static __always_inline void touch(struct address_space *mapping, __u64 first, __u64 last) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct tracked *t = bpf_map_lookup_elem(&tracked, &tgid);
  if (!t) return;
  __u64 now = bpf_ktime_get_ns();
  if (now > t->deadline_ns) {
    flush(t, tgid);
    bpf_map_delete_elem(&tracked, &tgid);
    return;
  }
  struct inode *inode = BPF_CORE_READ(mapping, host);
  if (!block_backed(inode)) return;
  __u64 dev = BPF_CORE_READ(inode, i_sb, s_dev);
  __u64 ino = BPF_CORE_READ(inode, i_ino);
  __u64 end = last + 1;
  if (t->end > t->first && t->dev == dev && t->ino == ino && first <= t->end && end >= t->first) {
    /* Threads of one process may race here; a torn range is bounded by the file's size. */
    if (first < t->first) t->first = first;
    if (end > t->end) t->end = end;
    return;
  }
  flush(t, tgid);
  send_name(inode, dev, ino, tgid, t->launch, now);
  t->dev = dev;
  t->ino = ino;
  t->first = first;
  t->end = end;
  t->start_ns = now;
}

SEC("tp_btf/mm_filemap_get_pages")
int BPF_PROG(pf_get_pages, struct address_space *mapping, unsigned long index, unsigned long last_index) {
  touch(mapping, index, last_index);
  return 0;
}

SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(pf_map_pages, struct address_space *mapping, unsigned long start, unsigned long end) {
  touch(mapping, start, end);
  return 0;
}

SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(pf_fault, struct address_space *mapping, unsigned long index) {
  touch(mapping, index, index);
  return 0;
}

static __always_inline __u64 folio_pages(struct folio *folio) {
  unsigned long flags = 0;
  bpf_core_read(&flags, sizeof(flags), &folio->flags);
  if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head)))) return 1;
  if (bpf_core_field_exists(folio->_nr_pages)) return BPF_CORE_READ(folio, _nr_pages);
  return 1UL << (BPF_CORE_READ(folio, _flags_1) & 0xff);
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(pf_added, struct folio *folio) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
  __u32 launch = 0;
  __u64 now = bpf_ktime_get_ns();
  if (tgid == self_tgid) {
    if (!bpf_map_lookup_elem(&prefetch_threads, &tid)) return 0;
  } else {
    struct tracked *t = bpf_map_lookup_elem(&tracked, &tgid);
    if (!t || now > t->deadline_ns) return 0;
    launch = t->launch;
  }
  struct address_space *mapping = BPF_CORE_READ(folio, mapping);
  struct inode *inode = BPF_CORE_READ(mapping, host);
  if (!block_backed(inode)) return 0;
  __u64 dev = BPF_CORE_READ(inode, i_sb, s_dev);
  __u64 ino = BPF_CORE_READ(inode, i_ino);
  if (launch == 0) send_name(inode, dev, ino, tgid, 0, now);
  send_pages(PF_ADDED, tgid, launch, now, dev, ino, BPF_CORE_READ(folio, index), folio_pages(folio));
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pf_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == self_tgid) return 0;
  __u64 now = bpf_ktime_get_ns();
  __u32 parent_launch = 0;
  struct tracked *old = bpf_map_lookup_elem(&tracked, &tgid);
  if (old) { /* forked by a traced launch: what it read before the exec was the parent's */
    flush(old, tgid);
    parent_launch = old->launch;
  }
  struct tracked t = {.deadline_ns = now + window_ns, .launch = tgid};
  bpf_map_update_elem(&tracked, &tgid, &t, BPF_ANY);

  struct pf_exec *e = reserve(sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, PF_EXEC, tgid, tgid, now);
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->parent_launch = parent_launch;
  e->pad = 0;
  struct file *file = BPF_CORE_READ(bprm, file);
  struct inode *inode = BPF_CORE_READ(file, f_inode);
  e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
  e->ino = BPF_CORE_READ(inode, i_ino);
  e->path_len = walk_path(BPF_CORE_READ(file, f_path.dentry), e->path, &e->path_truncated);
  unsigned long start = BPF_CORE_READ(task, mm, arg_start);
  unsigned long stop = BPF_CORE_READ(task, mm, arg_end);
  unsigned long len = stop > start ? stop - start : 0;
  if (len >= PF_ARGS_LEN) len = PF_ARGS_LEN - 1;
  len &= PF_ARGS_LEN - 1; /* bounds the length for the verifier */
  e->args_len = 0;
  if (len > 0 && bpf_probe_read_user(e->args, len, (void *)start) == 0) e->args_len = len;
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pf_fork, struct task_struct *parent, struct task_struct *child) {
  if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid)) return 0; /* a thread */
  __u32 ptgid = BPF_CORE_READ(parent, tgid);
  struct tracked *p = bpf_map_lookup_elem(&tracked, &ptgid);
  if (!p || bpf_ktime_get_ns() > p->deadline_ns) return 0;
  struct tracked c = {.deadline_ns = p->deadline_ns, .launch = p->launch};
  __u32 ctgid = BPF_CORE_READ(child, tgid);
  bpf_map_update_elem(&tracked, &ctgid, &c, BPF_ANY);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pf_exit, struct task_struct *task) {
  if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0; /* not the last thread */
  __u32 tgid = BPF_CORE_READ(task, tgid);
  struct tracked *t = bpf_map_lookup_elem(&tracked, &tgid);
  if (!t) return 0;
  __u64 now = bpf_ktime_get_ns();
  flush(t, tgid);
  struct pf_header *h = reserve(sizeof(*h));
  if (h) {
    fill_header(h, PF_EXIT, tgid, t->launch, now);
    bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
  }
  bpf_map_delete_elem(&tracked, &tgid);
  return 0;
}
