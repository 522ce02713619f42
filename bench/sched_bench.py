#!/usr/bin/env python3
"""bench-sched: the agent's scheduling hints (sched_hints) on and off, side by side.

The mix, per phase of PHASE seconds:
  long jobs   2 x CPUs CPU-bound workers (a counting loop: throughput = loop iterations/s)
  probe       a latency probe on the default class: every 2 ms it sleeps 1 ms and records how
              late it woke (wake-up latency), then makes one request/response round trip to
              an echo process over a pipe (request latency)
Before the phases, the workers run once to completion with the agent watching (sched_hints
off), so that the run-time predictor has their history: in the `on` phases the agent predicts
them long from that history and, once it has seen them CPU-bound, gives them SCHED_BATCH and a
longer EEVDF slice (sched_hints.mode enforce); in the `off` phases it only logs what it would
do (mode observe). Phases alternate (off on off on ...) so a shared machine's noise falls on
both. Measured per phase: context switches per second (/proc/stat ctxt, the whole host) and
the workers' own involuntary switches (nonvoluntary_ctxt_switches), all switches of the workers
and of the probe with its echo process (voluntary + involuntary: how much of the host's count
is whose), the probe's p50/p99 wake-up and request latency, and the workers' throughput.

  bench/sched_bench.py --hostmind build/release/src/cli/hostmind [--phase S] [--rounds N] [--slice MS]
Ends with one JSON object of the headline figures.
"""
import argparse, json, os, signal, statistics, subprocess, sys, tempfile, time, urllib.request

WORKER = r'''
import os, sys, time, json
end = time.monotonic() + float(os.environ["BENCH_SECONDS"])
n = 0
while time.monotonic() < end:
    for _ in range(20000):
        n += 1
status = dict(l.split(":\t") for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
print(json.dumps({"iterations": n, "nonvoluntary": int(status["nonvoluntary_ctxt_switches"]),
                  "voluntary": int(status["voluntary_ctxt_switches"]),
                  "batch": os.sched_getscheduler(0) == os.SCHED_BATCH}))
'''

PROBE = r'''
import os, sys, time, json
seconds = float(sys.argv[1])
req_r, req_w = os.pipe(); rep_r, rep_w = os.pipe()
echo = os.fork()
if echo == 0:
    os.close(req_w); os.close(rep_r)  # else its own copy of req_w keeps it from ever seeing EOF
    while True:
        b = os.read(req_r, 1)
        if not b: os._exit(0)
        os.write(rep_w, b)
os.close(req_r); os.close(rep_w)
wake, rtt = [], []
end = time.monotonic() + seconds
while time.monotonic() < end:
    t0 = time.monotonic_ns(); time.sleep(0.001); t1 = time.monotonic_ns()
    wake.append((t1 - t0 - 1_000_000) / 1000)
    os.write(req_w, b"x"); os.read(rep_r, 1); t2 = time.monotonic_ns()
    rtt.append((t2 - t1) / 1000)
    time.sleep(0.001)
def switches(pid):  # voluntary + involuntary context switches of one process so far
    status = dict(l.split(":\t") for l in open(f"/proc/{pid}/status").read().splitlines() if ":\t" in l)
    return int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])
own = switches("self") + switches(echo)
os.close(req_w)
def q(v, p): v = sorted(v); return v[min(len(v) - 1, int(p * len(v)))]
print(json.dumps({"wake_p50_us": q(wake, .5), "wake_p99_us": q(wake, .99),
                  "rtt_p50_us": q(rtt, .5), "rtt_p99_us": q(rtt, .99), "samples": len(wake),
                  "probe_switches": own}))
'''


def ctxt():
    for line in open("/proc/stat"):
        if line.startswith("ctxt "):
            return int(line.split()[1])
    return 0


class Agent:
    def __init__(self, binary, workdir, slice_ms):
        self.binary, self.workdir, self.slice_ms, self.proc = binary, workdir, slice_ms, None

    def start(self, mode):
        cfg = os.path.join(self.workdir, "hostmind.yaml")
        with open(cfg, "w") as f:
            f.write(f"""agent:
  state_dir: {self.workdir}/state
http:
  port: 0
sched_hints:
  enabled: true
  mode: {mode}
  long_after: 5s
  min_age: 1s
""" + (f"  slice: {self.slice_ms}ms\n" if self.slice_ms is not None else ""))
        log = open(os.path.join(self.workdir, f"agent-{mode}.log"), "w")
        self.log_path = log.name
        self.proc = subprocess.Popen([self.binary, "run", "--config", cfg], stdout=log, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(self.log_path).read()
            if "listening on http://" in text:
                self.port = int(text.split("listening on http://")[1].split(":")[1].split("/")[0])
                return
            if self.proc.poll() is not None:
                sys.exit("the agent exited:\n" + text)
            time.sleep(0.1)
        sys.exit("the agent did not start")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def run_mix(workdir, workers, seconds):
    script = os.path.join(workdir, "worker.py")
    probe = os.path.join(workdir, "probe.py")
    env = dict(os.environ, BENCH_SECONDS=str(seconds))
    c0, t0 = ctxt(), time.time()
    ws = [subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, env=env) for _ in range(workers)]
    p = subprocess.Popen([sys.executable, probe, str(seconds)], stdout=subprocess.PIPE)
    outs = [json.loads(w.communicate()[0]) for w in ws]
    pout = json.loads(p.communicate()[0])
    elapsed = time.time() - t0
    return {
        "workers_batch": sum(o["batch"] for o in outs),
        "ctxt_per_s": (ctxt() - c0) / elapsed,
        "worker_nonvoluntary_per_s": sum(o["nonvoluntary"] for o in outs) / seconds,
        "worker_switches_per_s": sum(o["nonvoluntary"] + o["voluntary"] for o in outs) / seconds,
        "probe_switches_per_s": pout.pop("probe_switches") / seconds,
        "throughput_iter_per_s": sum(o["iterations"] for o in outs) / seconds,
        **pout,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hostmind", required=True)
    ap.add_argument("--phase", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2 * os.cpu_count())
    ap.add_argument("--slice", type=int, help="sched_hints.slice in ms (default: the agent's own)")
    a = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="hostmind-sched-bench-")
    open(os.path.join(workdir, "worker.py"), "w").write(WORKER)
    open(os.path.join(workdir, "probe.py"), "w").write(PROBE)
    agent = Agent(os.path.abspath(a.hostmind), workdir, a.slice)

    print(f"learning: {a.workers} workers run {a.phase:.0f} s once with the agent watching", flush=True)
    agent.start("observe")
    run_mix(workdir, a.workers, a.phase)
    agent.stop()

    phases = {"off": [], "on": []}
    hinted = 0
    for r in range(a.rounds):
        for mode, name in (("observe", "off"), ("enforce", "on")):
            agent.start(mode)
            time.sleep(1)
            since_ms = int(time.time() * 1000)
            m = run_mix(workdir, a.workers, a.phase)
            if name == "on":
                # This phase's hints only (the audit outlives the agent's restarts), and how long
                # after the phase began each came: the time the workers ran unhinted.
                acts = [x for x in agent.get(f"/api/v1/actions?actuator=sched_hints&since={since_ms}&limit=1000")["actions"]
                        if x["status"] == "applied"]
                m["hinted"] = len(acts)
                m["hint_delay_s"] = statistics.mean((x["ts"] - since_ms) / 1000 for x in acts) if acts else float("nan")
                hinted += m["hinted"]
            agent.stop()
            phases[name].append(m)
            print(f"round {r + 1} {name:3}: " + ", ".join(f"{k} {v:.1f}" for k, v in m.items()), flush=True)

    keys = ["ctxt_per_s", "worker_nonvoluntary_per_s", "worker_switches_per_s", "probe_switches_per_s", "wake_p50_us", "wake_p99_us", "rtt_p50_us", "rtt_p99_us",
            "throughput_iter_per_s"]
    summary = {n: {k: statistics.mean(m[k] for m in ms) for k in keys} for n, ms in phases.items()}
    print(f"\n{'':28} {'hints off':>12} {'hints on':>12} {'change':>8}")
    for k in keys:
        off, on = summary["off"][k], summary["on"][k]
        print(f"{k:28} {off:12.1f} {on:12.1f} {100 * (on - off) / off if off else 0:7.1f}%")
    result = {
        "bench": "sched",
        "workers": a.workers,
        "phase_s": a.phase,
        "slice_ms": a.slice,
        "rounds": a.rounds,
        "processes_hinted": hinted,
        "off": summary["off"],
        "on": summary["on"],
        "ctxt_reduction": 1 - summary["on"]["ctxt_per_s"] / summary["off"]["ctxt_per_s"],
        "worker_switch_reduction": 1 - summary["on"]["worker_nonvoluntary_per_s"] / max(summary["off"]["worker_nonvoluntary_per_s"], 1e-9),
        "throughput_change": summary["on"]["throughput_iter_per_s"] / summary["off"]["throughput_iter_per_s"] - 1,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
