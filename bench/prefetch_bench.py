#!/usr/bin/env python3
"""Cold-start benchmark of predictive prefetching (make bench-prefetch).

A suite of real programs on this machine is launched with the page cache dropped before each
launch, under three conditions in one invocation, alternating (the order rotates every round):
  none      no prefetching (hostmind runs, learning, in observe mode; preload is stopped)
  preload   Debian's preload daemon running with the state it trained during this run
  hostmind  hostmind in enforce mode, after its learning runs
Each prefetcher runs from before the cache drop to the end of the launch, so both can read a
launch they predict before it happens (preload every cycle, hostmind every predict_interval,
given the same period; --no-predict leaves hostmind only its prefetch at exec).
plus `warm` (no drop: the best any prefetcher could do) as a reference. Every launch waits the
same settle time after the drop. Reported per program: median wall time per condition, the
ratios, hostmind's hit rate (pages it brought in that the launch then used) and wasted bytes,
and the bytes each launch read from disk itself (getrusage of the children: data and
filesystem metadata no prefetch had brought in when the program needed them).
The last line of output is one JSON object with the headline figures.

--disk-iops N / --disk-mbps M emulate a slower disk than this VM's (whose reads the host
largely serves from its own cache): the benchmark moves itself into a cgroup-v1 blkio group
with that read limit on the device holding /usr before starting anything, so every program,
preload and hostmind (and so its prefetch reads) share the one throttled device, as they would
share a real slow disk.

Needs root (drop_caches, eBPF), preload (Debian package), python3, gcc, git, bash.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

PY_IMPORTS = ("import json, decimal, asyncio, email.mime.text, http.client, sqlite3, "
              "xml.dom.minidom, unittest, argparse, logging, csv")
SHELL_SCRIPT = """#!/bin/bash
# A maintenance-style script: several small tools in a row.
set -e
ls -l /usr/bin | sort -k5 -n | tail -n 3
awk -F: '{print $1}' /etc/passwd | sed 's/^/user:/' | head -n 3
grep -c . /etc/services
md5sum /usr/bin/ls | cut -c1-8
date -u +%F; uname -srm; id -un
ps -eo pid,comm | wc -l
perl -e 'print scalar(localtime(0)), "\\n"'
xz --version | head -n 1
"""
C_SOURCE = "#include <stdio.h>\n#include <string.h>\nint main(void){puts(strerror(0));return 0;}\n"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def throttle_disk(iops, mbps):
    """Moves this process (and so everything it starts) into a blkio group reading at most
    `iops` requests and `mbps` MB per second from the device holding /usr."""
    group = "/sys/fs/cgroup/blkio/hostmind-bench-prefetch"
    if not os.path.isdir("/sys/fs/cgroup/blkio"):
        sys.exit("bench-prefetch: --disk-iops/--disk-mbps need the cgroup-v1 blkio controller")
    os.makedirs(group, exist_ok=True)
    dev = os.stat("/usr").st_dev
    device = f"{os.major(dev)}:{os.minor(dev)}"
    with open(os.path.join(group, "blkio.throttle.read_iops_device"), "w") as f:
        f.write(f"{device} {iops}\n")
    with open(os.path.join(group, "blkio.throttle.read_bps_device"), "w") as f:
        f.write(f"{device} {mbps * 1000000}\n")
    with open(os.path.join(group, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    return {"device": device, "read_iops": iops, "read_mbps": mbps}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Agent:
    def __init__(self, binary, ws, port, window, predict_interval, io_threads, io_piece, warm_directories):
        self.base = f"http://127.0.0.1:{port}"
        conf = os.path.join(ws, "hostmind.yaml")
        with open(conf, "w") as f:
            f.write(f"agent:\n  state_dir: {ws}/var\n  log_level: info\nhttp:\n  port: {port}\n"
                    f"prefetch:\n  mode: observe\n  learn_window: {window}s\n"
                    + (f"  predict: true\n  predict_interval: {predict_interval}s\n" if predict_interval
                       else "  predict: false\n")
                    + (f"  io_threads: {io_threads}\n" if io_threads else "")
                    + (f"  io_piece: {io_piece}\n" if io_piece else "")
                    + (f"  warm_directories: {warm_directories}\n" if warm_directories is not None else ""))
        self.log = open(os.path.join(ws, "hostmind.log"), "w")
        self.proc = subprocess.Popen([binary, "run", "--config", conf], stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                self.status()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("hostmind did not start; see " + self.log.name)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.load(r)

    def status(self):
        return self.get("/api/v1/prefetch")

    def set_mode(self, mode):
        req = urllib.request.Request(self.base + "/api/v1/prefetch/mode", method="PUT",
                                     data=json.dumps({"mode": mode}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            json.load(r)

    def jobs(self):
        return self.get("/api/v1/prefetch/jobs?limit=10000")["jobs"]

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)


class Preload:
    """Debian's preload, with its own state file; SIGSTOP'd outside its condition."""

    def __init__(self, ws, cycle):
        conf = os.path.join(ws, "preload.conf")
        # Debian's /etc/preload.conf, but for the cycle: see docs/BENCHMARKS.md.
        with open(conf, "w") as f:
            f.write(f"[model]\ncycle = {cycle}\nusecorrelation = true\nminsize = 2000000\n"
                    "memtotal = -10\nmemfree = 50\nmemcached = 0\n[system]\ndoscan = true\n"
                    "dopredict = true\nautosave = 3600\nmapprefix = /usr/;/lib;/var/cache/;!/\n"
                    "exeprefix = !/usr/sbin/;!/usr/local/sbin/;/usr/;!/\nprocesses = 30\nsortstrategy = 3\n")
        self.state = os.path.join(ws, "preload.state")
        self.proc = subprocess.Popen(["preload", "-f", "-c", conf, "-s", self.state, "-l",
                                      os.path.join(ws, "preload.log"), "-V", "4"])
        self.running = True

    def pause(self):
        if self.running:
            self.proc.send_signal(signal.SIGSTOP)
            self.running = False

    def resume(self):
        if not self.running:
            self.proc.send_signal(signal.SIGCONT)
            self.running = True

    def stop(self):
        self.resume()
        self.proc.send_signal(signal.SIGTERM)  # saves its state
        self.proc.wait(timeout=30)

    def trained(self):
        """(programs, mapped files) in preload's saved state."""
        try:
            with open(self.state) as f:
                lines = f.read().splitlines()
        except OSError:
            return 0, 0
        return sum(l.startswith("EXE") for l in lines), sum(l.startswith("MAP") for l in lines)


def make_suite(ws, repo):
    with open(os.path.join(ws, "small.c"), "w") as f:
        f.write(C_SOURCE)
    script = os.path.join(ws, "tools.sh")
    with open(script, "w") as f:
        f.write(SHELL_SCRIPT)
    os.chmod(script, 0o755)
    clone = os.path.join(ws, "repo")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", repo, clone], check=True)
    suite = {
        "python3-imports": ["/usr/bin/python3", "-c", PY_IMPORTS],
        "gcc-small-c": ["gcc", "-O2", "-c", os.path.join(ws, "small.c"), "-o", os.path.join(ws, "small.o")],
        "git-log-stat": ["git", "-C", clone, "--no-pager", "log", "--stat", "-n", "300"],
        "shell-tools": ["/bin/bash", script],
    }
    if shutil.which("clang"):
        suite["clang-small-c"] = ["clang", "-O2", "-c", os.path.join(ws, "small.c"), "-o", os.path.join(ws, "small2.o")]
    return suite


def launch(cmd):
    """(pid, seconds, bytes the program and its children read from disk themselves): the last
    is what no prefetch had brought in before they needed it, file data and metadata alike."""
    blocks = resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.wait()
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} exited with {p.returncode}")
    return p.pid, elapsed, (resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock - blocks) * 512


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hostmind", default="build/release/src/cli/hostmind")
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    help="git repository the git program runs on (cloned into the workspace)")
    ap.add_argument("--rounds", type=int, default=7, help="measured launches per program and condition")
    ap.add_argument("--learn", type=int, default=3, help="cold learning launches per program before measuring")
    ap.add_argument("--preload-train", type=float, default=90, help="seconds the suite loops warm to train preload")
    ap.add_argument("--preload-cycle", type=int, default=2, help="preload's cycle (Debian's default is 20 s)")
    ap.add_argument("--settle", type=float, default=2.5, help="seconds between the cache drop and each launch")
    ap.add_argument("--window", type=int, default=5, help="hostmind's prefetch.learn_window, seconds")
    ap.add_argument("--no-predict", action="store_true",
                    help="hostmind prefetches at exec only (prefetch.predict: false); by default it also "
                         "prefetches predicted launches every --preload-cycle seconds, preload's period")
    ap.add_argument("--io-threads", type=int, default=0, help="hostmind's prefetch.io_threads (0: its default)")
    ap.add_argument("--io-piece", default="", help="hostmind's prefetch.io_piece, e.g. 1MiB or 0 (default: its default)")
    ap.add_argument("--warm-directories", type=int, default=None, help="hostmind's prefetch.warm_directories")
    ap.add_argument("--disk-iops", type=int, default=0, help="emulate a slower disk: read requests/s (with --disk-mbps)")
    ap.add_argument("--disk-mbps", type=int, default=0, help="emulate a slower disk: read MB/s (with --disk-iops)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-prefetch: needs root (drop_caches, eBPF)")
    for tool in ("preload", "gcc", "git", "bash"):
        if not shutil.which(tool):
            sys.exit(f"bench-prefetch: {tool} is missing (scripts/install-deps.sh bench)")

    disk = None
    if args.disk_iops or args.disk_mbps:
        if not (args.disk_iops and args.disk_mbps):
            sys.exit("bench-prefetch: give both --disk-iops and --disk-mbps")
        disk = throttle_disk(args.disk_iops, args.disk_mbps)
        log(f"emulated disk: {disk}")
    ws = tempfile.mkdtemp(prefix="hostmind-bench-prefetch-")
    suite = make_suite(ws, args.repo)
    agent = Agent(os.path.abspath(args.hostmind), ws, free_port(), args.window,
                  0 if args.no_predict else args.preload_cycle, args.io_threads, args.io_piece, args.warm_directories)
    st = agent.status()
    if st.get("tracer") != "ebpf":
        log("warning: hostmind traces with", st.get("tracer"), "-", st.get("degraded", ""))
    preload = Preload(ws, args.preload_cycle)
    try:
        # 1. Train preload: the suite in a warm loop while preload scans (hostmind learns too).
        log(f"training preload for {args.preload_train:.0f} s ...")
        end = time.time() + args.preload_train
        while time.time() < end:
            for cmd in suite.values():
                launch(cmd)
        preload.stop()  # saves the trained state
        preload = Preload(ws, args.preload_cycle)  # and starts again from it
        time.sleep(1)
        preload.pause()
        programs, maps = preload.trained()
        log(f"preload trained: {programs} programs, {maps} mapped files in its state")

        # 2. hostmind's learning launches: cold, observe mode.
        for name, cmd in suite.items():
            for _ in range(args.learn):
                drop_caches()
                time.sleep(args.settle)
                launch(cmd)
        time.sleep(args.window + 2)  # the last traces close and are learnt

        # 3. Measure: every round, each program under each condition, in rotating order.
        conditions = ["none", "preload", "hostmind"]
        times = {n: {c: [] for c in conditions + ["warm"]} for n in suite}
        own = {n: {c: [] for c in conditions} for n in suite}  # bytes read by the launch itself
        runs = {n: [] for n in suite}  # (pid, from ms, to ms) of the hostmind runs
        jobs = {}  # id -> hostmind's prefetch jobs (at exec and predicted)
        for r in range(args.rounds):
            order = conditions[r % 3:] + conditions[:r % 3]
            for name, cmd in suite.items():
                for cond in order:
                    since_ms = time.time() * 1000
                    agent.set_mode("enforce" if cond == "hostmind" else "observe")
                    if cond == "preload":
                        preload.resume()
                    drop_caches()
                    time.sleep(args.settle)
                    pid, secs, read = launch(cmd)
                    preload.pause()
                    times[name][cond].append(secs)
                    own[name][cond].append(read)
                    if cond == "hostmind":
                        runs[name].append((pid, since_ms, time.time() * 1000))
                agent.set_mode("observe")
                launch(cmd)  # warm reference: right after a launch, everything is cached
                pid, secs, _ = launch(cmd)
                times[name]["warm"].append(secs)
            for j in agent.jobs():  # the ledger keeps the latest jobs only: collect as we go
                jobs[j["id"]] = j
            log(f"round {r + 1}/{args.rounds}: " + ", ".join(
                f"{n} {statistics.median(times[n]['none']):.3f}/{statistics.median(times[n]['preload']):.3f}/"
                f"{statistics.median(times[n]['hostmind']):.3f}" for n in suite))
        time.sleep(args.window + 3)  # the last launches' traces close, their hits are counted
        for j in agent.jobs():
            jobs[j["id"]] = j
        status = agent.status()
    finally:
        preload.stop()
        agent.stop()

    # 4. Report.
    def run_jobs(pid, since_ms, to_ms):
        """A hostmind launch's jobs: the one at its exec, and the guesses made from before its
        cache drop to its end (they may be for the programs expected after it)."""
        return [j for j in jobs.values() if (j["reason"] == "exec" and j["pid"] == pid) or
                (j["reason"] == "predicted" and since_ms <= j["ts"] <= to_ms)]

    report = {}
    for name in suite:
        med = {c: statistics.median(v) for c, v in times[name].items()}
        per_run = [run_jobs(*r) for r in runs[name]]
        per_run = [js for js in per_run if js]
        brought = [sum(j["brought_bytes"] for j in js) for js in per_run]
        hit = [sum(j["hit_bytes"] for j in js) for js in per_run]
        report[name] = {
            "median_s": {c: round(v, 4) for c, v in med.items()},
            "speedup_vs_none": round(med["none"] / med["hostmind"], 3),
            "speedup_vs_preload": round(med["preload"] / med["hostmind"], 3),
            "preload_speedup_vs_none": round(med["none"] / med["preload"], 3),
            "warm_speedup_vs_none": round(med["none"] / med["warm"], 3),
            "hostmind_prefetches": len(brought),
            "hostmind_prefetches_stopped_cached": sum(bool(j.get("stopped_cached")) for js in per_run for j in js
                                                      if j["reason"] == "exec"),
            "hostmind_predicted_jobs": sum(j["reason"] == "predicted" for js in per_run for j in js),
            "hit_rate": round(sum(hit) / sum(brought), 3) if sum(brought) else None,
            "brought_bytes_median": int(statistics.median(brought)) if brought else 0,
            "wasted_bytes_median": int(statistics.median([b - h for b, h in zip(brought, hit)])) if brought else 0,
            "own_read_bytes_median": {c: int(statistics.median(v)) for c, v in own[name].items()},
        }
    print(f"{'program':18} {'none s':>8} {'preload':>8} {'hostmind':>9} {'warm':>7} {'x none':>7} "
          f"{'x preload':>9} {'hit':>6} {'brought MiB':>11} {'wasted MiB':>10} {'own MiB none/hm':>15}")
    for name, r in report.items():
        m = r["median_s"]
        hr = f"{r['hit_rate']:.2f}" if r["hit_rate"] is not None else "-"
        print(f"{name:18} {m['none']:8.3f} {m['preload']:8.3f} {m['hostmind']:9.3f} {m['warm']:7.3f} "
              f"{r['speedup_vs_none']:7.2f} {r['speedup_vs_preload']:9.2f} {hr:>6} "
              f"{r['brought_bytes_median'] / 2**20:11.1f} {r['wasted_bytes_median'] / 2**20:10.1f} "
              f"{r['own_read_bytes_median']['none'] / 2**20:7.1f}/{r['own_read_bytes_median']['hostmind'] / 2**20:.1f}")

    def geomean(xs):
        p = 1.0
        for x in xs:
            p *= x
        return p ** (1 / len(xs))

    all_brought = sum(r["brought_bytes_median"] for r in report.values())
    headline = {
        "bench": "prefetch",
        "rounds": args.rounds,
        "settle_s": args.settle,
        "emulated_disk": disk,
        "preload_cycle_s": args.preload_cycle,
        "hostmind_predict_interval_s": None if args.no_predict else args.preload_cycle,
        "preload_state": {"programs": programs, "maps": maps},
        "geomean_speedup_vs_none": round(geomean([r["speedup_vs_none"] for r in report.values()]), 3),
        "geomean_speedup_vs_preload": round(geomean([r["speedup_vs_preload"] for r in report.values()]), 3),
        "geomean_preload_speedup_vs_none": round(geomean([r["preload_speedup_vs_none"] for r in report.values()]), 3),
        "geomean_warm_speedup_vs_none": round(geomean([r["warm_speedup_vs_none"] for r in report.values()]), 3),
        "min_speedup_vs_none": min(r["speedup_vs_none"] for r in report.values()),
        "hit_rate": round(sum((r["hit_rate"] or 0) * r["brought_bytes_median"] for r in report.values()) / all_brought, 3)
        if all_brought else None,
        "wasted_bytes_median_per_launch": {n: r["wasted_bytes_median"] for n, r in report.items()},
        "tracer": status.get("tracer"),
        "tracer_lost_records": status["tracer_stats"]["lost"],
        "prefetches_skipped": status.get("skipped", {}),
        "programs": {n: {"none_s": r["median_s"]["none"], "preload_s": r["median_s"]["preload"],
                         "hostmind_s": r["median_s"]["hostmind"], "warm_s": r["median_s"]["warm"],
                         "speedup_vs_none": r["speedup_vs_none"], "speedup_vs_preload": r["speedup_vs_preload"],
                         "hit_rate": r["hit_rate"], "own_read_bytes": r["own_read_bytes_median"],
                         "prefetches": r["hostmind_prefetches"],
                         "stopped_cached": r["hostmind_prefetches_stopped_cached"],
                         "predicted_jobs": r["hostmind_predicted_jobs"]}
                     for n, r in report.items()},
    }
    shutil.rmtree(ws, ignore_errors=True)
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
