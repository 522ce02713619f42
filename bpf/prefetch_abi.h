/* The records bpf/prefetch.bpf.c sends to src/collect/prefetch/. Plain C with fixed-size
 * fields: the layout is the contract. Every record starts with struct pf_header.
 *
 * A "launch" is one exec; it is traced for a window after the exec, together with the
 * processes it forks that do not exec (they run its code). Page numbers are 4 KiB pages of the
 * file; devices are the kernel's encoding (major << 20 | minor). */
#ifndef HOSTMIND_BPF_PREFETCH_ABI_H
#define HOSTMIND_BPF_PREFETCH_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PF_ARGS_LEN 256     /* a power of two */
#define PF_PATH_BUF 512     /* a power of two: path components, leaf first, NUL-separated */
#define PF_NAME_MAX 256     /* longest component copied */
#define PF_MAX_DEPTH 32     /* deeper paths are reported truncated */

enum pf_kind {
  PF_EXEC = 1,  /* a launch began: struct pf_exec (sent with a wakeup: the prefetcher acts on it) */
  PF_TOUCH = 2, /* pages a traced launch read or mapped: struct pf_pages */
  PF_ADDED = 3, /* pages added to the page cache by a traced launch (launch != 0: its misses) or
                   by one of the agent's prefetch threads (launch == 0): struct pf_pages */
  PF_NAME = 4,  /* the path of a file first seen: struct pf_name */
  PF_EXIT = 5   /* a traced process exited: struct pf_header */
};

struct pf_header {
  __u32 kind;
  __u32 pid;    /* thread group id of the process */
  __u32 launch; /* the launch it belongs to (the tgid that exec'd), 0 for the agent */
  __u32 pad;
  __u64 ts_ns;  /* CLOCK_MONOTONIC */
};

struct pf_exec {
  struct pf_header h;
  __u32 ppid;
  __u32 parent_launch; /* the traced launch the exec'ing process belonged to, 0 if none */
  __u64 dev;           /* the executable's file */
  __u64 ino;
  __u32 args_len;      /* bytes used in args: NUL-separated argv prefix */
  __u32 path_len;      /* bytes used in path */
  __u32 path_truncated;
  __u32 pad;
  char args[PF_ARGS_LEN];
  char path[PF_PATH_BUF + PF_NAME_MAX];
};

struct pf_pages {
  struct pf_header h;
  __u64 dev;
  __u64 ino;
  __u64 first; /* first page */
  __u64 count; /* pages */
};

struct pf_name {
  struct pf_header h;
  __u64 dev;
  __u64 ino;
  __u32 path_len;
  __u32 path_truncated;
  char path[PF_PATH_BUF + PF_NAME_MAX];
};

#endif
