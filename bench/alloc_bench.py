#!/usr/bin/env python3
"""bench-alloc: hostmind's cgroup controller next to static limits and a PSI-threshold rule.

On this host's own cgroups (v1, v2 or a hybrid), each phase creates fresh cgroups under
/hostmind-bench and runs, for PHASE seconds:
  svc    latency-critical: nginx (Debian) serving a 4 KiB page, loaded at a paced rate by wrk
         (Debian's wrk 4 has no -R: each of C connections waits DELAY ms between requests)
  batch  stress-ng CPU workers that would take the whole machine, a stress-ng VM worker with
         256 MiB of hot anonymous memory, and a paced scan of a 2 GiB dataset read once per
         phase (an ETL job: the page cache it leaves behind is cold)
  client wrk itself, with the same high CPU weight under every policy
The subtree as a whole has the CPU weight of 8 default processes under every policy, so that
other tenants of a shared machine disturb it less.
under one of three policies, alternating (A B C A B C ...) so that the noise of a shared
machine falls on all of them:
  static    what an operator would set: batch capped at half the machine (1 of 2 CPUs), memory
            unlimited
  psi-rule  a plain PSI-threshold rule, every 2 s: svc CPU stall > 10% -> batch quota -0.25
            CPU; < 5% -> +0.1 CPU (bounds 0.25..2 CPUs); memory unlimited
  hostmind  the agent (`hostmind run`, alloc.mode enforce) with svc latency-critical and batch
            (cpu 0.25..2, memory <= 4 GiB); it restores every original value when stopped
Measured per phase: batch work (stress-ng CPU bogo ops), svc latency from wrk in 10 s windows
(p50, p99; an SLO violation is a window whose p99 exceeds --slo-ms), memory held (svc + batch
memory in use, sampled every second), OOM kills (the cgroups' oom_kill counters).

  bench/alloc_bench.py --hostmind build/release/src/cli/hostmind [--quick] [--phase S] [--rounds N]
Ends with one JSON object of the headline figures.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time

SUB = "/hostmind-bench"
POLICIES = ["static", "psi-rule", "hostmind"]


def mounts():
    """controller -> mount point (v1), and the v2 root; as cgroup_layout.cc reads them."""
    v1, v2 = {}, None
    for line in open("/proc/self/mounts"):
        dev, mnt, fstype, opts = line.split()[:4]
        if fstype == "cgroup2" and v2 is None:
            v2 = mnt
        elif fstype == "cgroup":
            for o in opts.split(","):
                if o in ("cpu", "cpuacct", "memory", "freezer"):
                    v1[o] = mnt
    return v1, v2


V1, V2 = mounts()
V2_CONTROLLERS = open(os.path.join(V2, "cgroup.controllers")).read().split() if V2 else []


def dir_of(controller, path):
    if controller in V1:
        return V1[controller] + path
    if V2 and (controller == "pressure" or controller in V2_CONTROLLERS):
        return V2 + path
    return None


def dirs(path):
    out = []
    for c in ("cpu", "cpuacct", "memory", "pressure"):
        d = dir_of(c, path)
        if d and d not in out:
            out.append(d)
    return out


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def make_cgroups():
    for w in ("svc", "batch", "client"):
        for d in dirs(f"{SUB}/{w}"):
            os.makedirs(d, exist_ok=True)
    # The machine is shared with other engineers' builds: the benchmark's subtree gets the weight
    # of 8 default processes (the same under every policy) so that their noise falls mostly
    # outside it, as on a host where these workloads are the main tenants.
    top = dir_of("cpu", SUB)
    write(top + ("/cpu.shares" if "cpu" in V1 else "/cpu.weight"), 8192 if "cpu" in V1 else 800)


def remove_cgroups():
    for w in ("svc", "batch", "client"):
        for d in dirs(f"{SUB}/{w}"):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
    for d in dirs(SUB):
        try:
            os.rmdir(d)
        except OSError:
            pass


def spawn_in(workload, argv, **kw):
    """Starts argv inside the workload's cgroups (the child moves itself before exec)."""
    procs = [os.path.join(d, "cgroup.procs") for d in dirs(f"{SUB}/{workload}")]

    def enter():
        for p in procs:
            write(p, os.getpid())
    return subprocess.Popen(argv, preexec_fn=enter, **kw)


def cpu_quota(workload, cores):
    d = dir_of("cpu", f"{SUB}/{workload}")
    if "cpu" in V1:
        write(d + "/cpu.cfs_quota_us", -1 if cores is None else int(cores * 100000))
    else:
        write(d + "/cpu.max", "max 100000" if cores is None else f"{int(cores * 100000)} 100000")


def cpu_weight_high(workload):
    d = dir_of("cpu", f"{SUB}/{workload}")
    write(d + ("/cpu.shares" if "cpu" in V1 else "/cpu.weight"), 102400 if "cpu" in V1 else 10000)


def psi_some_total(workload, kind="cpu"):
    d = dir_of("pressure", f"{SUB}/{workload}")
    m = re.search(r"some .*total=(\d+)", read(f"{d}/{kind}.pressure"))
    return int(m.group(1)) if m else None


def memory_in_use(workload):
    d = dir_of("memory", f"{SUB}/{workload}")
    return int(read(d + ("/memory.usage_in_bytes" if "memory" in V1 else "/memory.current"), "0") or 0)


def oom_kills(workload):
    d = dir_of("memory", f"{SUB}/{workload}")
    text = read(d + ("/memory.oom_control" if "memory" in V1 else "/memory.events"))
    m = re.search(r"oom_kill (\d+)", text)
    return int(m.group(1)) if m else 0


class PsiRule(threading.Thread):
    """The baseline rule: batch quota follows svc CPU pressure with fixed thresholds and steps."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.quota = 1.0

    def run(self):
        cpu_quota("batch", self.quota)
        last, last_t = psi_some_total("svc"), time.time()
        while not self.stop.wait(2.0):
            cur, t = psi_some_total("svc"), time.time()
            if cur is None or last is None:
                continue
            stall = (cur - last) / 1e6 / (t - last_t)
            last, last_t = cur, t
            if stall > 0.10:
                self.quota = max(0.25, self.quota - 0.25)
            elif stall < 0.05:
                self.quota = min(2.0, self.quota + 0.1)
            cpu_quota("batch", self.quota)


def nginx_conf(work, port):
    os.makedirs(f"{work}/www", exist_ok=True)
    write(f"{work}/www/index.html", "x" * 4096)
    conf = f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp; fastcgi_temp_path {work}/tmp;
  uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
  server {{ listen 127.0.0.1:{port}; root {work}/www; }}
}}
"""
    os.makedirs(f"{work}/tmp", exist_ok=True)
    write(f"{work}/nginx.conf", conf)


def wrk_window(work, port, seconds, conns, delay_ms):
    """One paced wrk run in the client cgroup; returns (p50_ms, p99_ms, requests/s)."""
    script = f"{work}/pace.lua"
    write(script, f"function delay() return {delay_ms} end\n")
    p = spawn_in("client", ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", script,
                            f"http://127.0.0.1:{port}/index.html"], stdout=subprocess.PIPE, text=True)
    out = p.communicate()[0]

    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return ms("50%"), ms("99%"), float(rps.group(1)) if rps else 0.0


def agent_summary(log_path, since_ms):
    """What the agent's controller ended the phase with, from its own API."""
    ports = re.findall(r"listening on http://[\d.]+:(\d+)/", read(log_path))
    if not ports:
        return {}
    try:
        import urllib.request
        base = f"http://127.0.0.1:{ports[-1]}"
        alloc = json.load(urllib.request.urlopen(base + "/api/v1/alloc", timeout=5))
        actions = json.load(urllib.request.urlopen(base + f"/api/v1/actions?actuator=alloc&limit=10000&since={since_ms}", timeout=5))
        applied = [a for a in actions["actions"] if a["status"] == "applied"]
        # Every action with its reason and inputs, for explaining the figures afterwards.
        with open(os.path.join(os.path.dirname(log_path), "actions.jsonl"), "a") as f:
            for a in actions["actions"]:
                f.write(json.dumps(a) + "\n")
        return {"hostmind_final_batch_allowance": alloc.get("batch_allowance_cores"),
                "hostmind_actions_applied": len(applied),
                "hostmind_reclaims": sum(1 for a in applied if a["knob"] == "memory.reclaim"),
                "hostmind_actions_failed": sum(1 for a in actions["actions"] if a["status"] == "failed")}
    except OSError as e:
        return {"hostmind_api_error": str(e)}


def make_dataset(work, size_mib):
    path = f"{work}/dataset.bin"
    subprocess.run(["dd", "if=/dev/urandom", f"of={path}", "bs=1M", f"count={size_mib}", "status=none"], check=True)
    return path


def evict(path):
    subprocess.run(["dd", f"if={path}", "iflag=nocache", "count=0", "status=none"], check=True)


def scanner_argv(path, size_mib, seconds):
    """Reads the dataset once over the phase in 16 MiB chunks, evenly paced."""
    chunks = max(1, size_mib // 16)
    pause = max(0.0, seconds * 0.9 / chunks)
    return ["sh", "-c", f"i=0; while [ $i -lt {chunks} ]; do dd if={path} of=/dev/null bs=16M skip=$i count=1 "
                        f"status=none; i=$((i+1)); sleep {pause:.3f}; done; sleep {seconds}"]


def run_phase(policy, args, work, port):
    make_cgroups()
    cpu_weight_high("client")
    nginx = spawn_in("svc", ["nginx", "-c", f"{work}/nginx.conf", "-g", "daemon off;"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    evict(args.dataset)
    agent = rule = None
    if policy == "static":
        cpu_quota("batch", 1.0)
    elif policy == "psi-rule":
        rule = PsiRule()
        rule.start()
    else:
        # One state directory for every hostmind phase: like an agent that keeps running, it
        # keeps what it learned (the cgroups are recreated at the same paths each phase).
        state = f"{work}/hm-state"
        write(f"{work}/hostmind.yaml", f"""agent: {{state_dir: {state}, log_level: info}}
http: {{port: 0}}
alloc:
  mode: enforce
  interval: 2s
  workloads:
    - {{name: svc, path: {SUB}/svc, class: latency-critical, latency_target: 0.10}}
    - {{name: batch, path: {SUB}/batch, class: batch, cpu_min: 0.25, cpu_max: 2, memory_max: 4GiB}}
""")
        agent = subprocess.Popen([args.hostmind, "run", "--config", f"{work}/hostmind.yaml"],
                                 stdout=open(f"{work}/agent.log", "a"), stderr=subprocess.STDOUT)
        time.sleep(1.0)
    seconds = args.phase
    phase_start_ms = int(time.time() * 1000)
    stress = spawn_in("batch", ["stress-ng", "--cpu", "2", "--cpu-method", "matrixprod", "--vm", "1",
                                "--vm-bytes", "256M", "--vm-keep", "-t", f"{seconds}s", "--metrics-brief",
                                "--yaml", f"{work}/stress.yaml"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scan = spawn_in("batch", scanner_argv(args.dataset, args.dataset_mib, seconds))
    held, stop = [], threading.Event()

    def sample():
        while not stop.wait(1.0):
            held.append(memory_in_use("svc") + memory_in_use("batch"))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    windows = []
    t_end = time.time() + seconds
    while time.time() + 5 <= t_end:
        w = min(10, int(t_end - time.time()))
        windows.append(wrk_window(work, port, w, args.conns, args.delay_ms))
    stress.wait()
    stop.set()
    sampler.join()
    scan.kill()
    scan.wait()
    kills = oom_kills("batch") + oom_kills("svc")
    if rule:
        rule.stop.set()
        rule.join()
    controller = {}
    if agent:
        controller = agent_summary(f"{work}/agent.log", phase_start_ms)
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
    nginx.send_signal(signal.SIGQUIT)
    nginx.wait(timeout=10)
    time.sleep(0.5)
    remove_cgroups()
    text = read(f"{work}/stress.yaml")
    m = re.search(r"stressor: cpu\s*\n\s*bogo-ops: (\d+)", text)
    bogo = int(m.group(1)) if m else 0
    p50s = [w[0] for w in windows if w[0] is not None]
    p99s = [w[1] for w in windows if w[1] is not None]
    return {
        "policy": policy, "batch_bogo_ops": bogo, "windows": len(windows),
        "p50_ms": statistics.median(p50s) if p50s else None,
        "p99_ms": statistics.median(p99s) if p99s else None,
        "slo_violations": sum(1 for p in p99s if p > args.slo_ms),
        "rps": statistics.mean([w[2] for w in windows]) if windows else 0,
        "memory_held_mib": statistics.mean(held) / 1048576 if held else 0,
        "oom_kills": kills, **controller,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hostmind", required=True)
    ap.add_argument("--quick", action="store_true", help="one round of 45 s phases")
    ap.add_argument("--phase", type=int, default=90, help="seconds per phase")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the three policies")
    ap.add_argument("--slo-ms", type=float, default=20.0, help="p99 bound of a 10 s window")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--delay-ms", type=int, default=10, help="pause between a connection's requests")
    ap.add_argument("--dataset-mib", type=int, default=2048)
    args = ap.parse_args()
    if args.quick:
        args.phase, args.rounds = 45, 1
    if os.geteuid() != 0:
        sys.exit("bench-alloc: must run as root (it creates cgroups)")
    if not dir_of("cpu", "/") or not dir_of("memory", "/"):
        sys.exit("bench-alloc: needs the cpu and memory cgroup controllers")
    for tool in ("nginx", "wrk", "stress-ng"):
        if not shutil.which(tool):
            sys.exit(f"bench-alloc: {tool} is missing (scripts/install-deps.sh bench)")
    args.hostmind = os.path.realpath(args.hostmind)
    work = tempfile.mkdtemp(prefix="hostmind-bench-alloc.")
    port = 18080 + os.getpid() % 1000
    remove_cgroups()
    try:
        nginx_conf(work, port)
        args.dataset = make_dataset(work, args.dataset_mib)
        print(f"bench-alloc: {os.cpu_count()} CPUs, cgroups v1={sorted(V1)} v2={V2}; "
              f"{args.rounds} round(s) x {len(POLICIES)} policies x {args.phase} s; SLO p99 <= {args.slo_ms} ms",
              flush=True)
        phases = []
        for r in range(args.rounds):
            for policy in POLICIES:
                res = run_phase(policy, args, work, port)
                res["round"] = r + 1
                phases.append(res)
                print(json.dumps(res), flush=True)
    finally:
        remove_cgroups()
        for name in ("agent.log", "actions.jsonl"):
            if os.path.exists(f"{work}/{name}"):
                shutil.copy(f"{work}/{name}", f"/tmp/hostmind-bench-alloc-{name}")
        shutil.rmtree(work, ignore_errors=True)

    agg = {}
    for p in POLICIES:
        rs = [x for x in phases if x["policy"] == p]
        agg[p] = {
            "batch_bogo_ops": sum(x["batch_bogo_ops"] for x in rs),
            "p50_ms": statistics.median([x["p50_ms"] for x in rs if x["p50_ms"] is not None] or [0]),
            "p99_ms": statistics.median([x["p99_ms"] for x in rs if x["p99_ms"] is not None] or [0]),
            "slo_violations": sum(x["slo_violations"] for x in rs),
            "windows": sum(x["windows"] for x in rs),
            "memory_held_mib": statistics.mean(x["memory_held_mib"] for x in rs),
            "oom_kills": sum(x["oom_kills"] for x in rs),
        }
    print("\npolicy     batch bogo ops   p50 ms   p99 ms   SLO violations   memory held MiB   OOM kills")
    for p in POLICIES:
        a = agg[p]
        print(f"{p:10} {a['batch_bogo_ops']:>14} {a['p50_ms']:>8.2f} {a['p99_ms']:>8.2f} "
              f"{a['slo_violations']:>7}/{a['windows']:<8} {a['memory_held_mib']:>16.0f} {a['oom_kills']:>11}")
    s, r, h = agg["static"], agg["psi-rule"], agg["hostmind"]
    headline = {
        "bench": "alloc", "phase_s": args.phase, "rounds": args.rounds, "slo_p99_ms": args.slo_ms,
        "batch_work_vs_static": round(h["batch_bogo_ops"] / max(1, s["batch_bogo_ops"]), 3),
        "batch_work_vs_psi_rule": round(h["batch_bogo_ops"] / max(1, r["batch_bogo_ops"]), 3),
        "slo_violation_share": {p: round(agg[p]["slo_violations"] / max(1, agg[p]["windows"]), 3) for p in POLICIES},
        "p99_ms": {p: round(agg[p]["p99_ms"], 2) for p in POLICIES},
        "p50_ms": {p: round(agg[p]["p50_ms"], 2) for p in POLICIES},
        "memory_held_mib": {p: round(agg[p]["memory_held_mib"]) for p in POLICIES},
        "memory_vs_unlimited": round(h["memory_held_mib"] / max(1, s["memory_held_mib"]), 3),
        "oom_kills": {p: agg[p]["oom_kills"] for p in POLICIES},
    }
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
