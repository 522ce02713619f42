#!/usr/bin/env bash
# Footprint of the agent next to netdata, measured in the same run on the same host:
# both run side by side for DURATION seconds (default 120) with every collector at 1 s; CPU is
# the process tree's utime+stime (children included) over the run as % of one core, memory is
# the peak summed RSS of the tree sampled every second.
#
#   bench/footprint.sh path/to/hostmind [DURATION]
# Ends with one JSON object of the headline figures.
set -euo pipefail
hostmind=$(realpath "$1")
duration=${2:-120}
work=$(mktemp -d /tmp/hostmind-footprint.XXXXXX)
trap 'kill $hm_pid $nd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
clk=$(getconf CLK_TCK)
page_kb=$(( $(getconf PAGESIZE) / 1024 ))

# Every collector at 1 s (the defaults run filesystems, processes and cgroups slower).
cat > "$work/hostmind.yaml" <<YAML
agent: {state_dir: $work/state}
http: {port: 19464}
collect:
  collectors:
    filesystems: {interval: 1s}
    processes: {interval: 1s}
    cgroups: {interval: 1s}
YAML

# netdata with its stock Debian configuration, in the foreground, its own web port.
mkdir -p "$work/netdata"
cat > "$work/netdata.conf" <<CONF
[global]
  run as user = root
[web]
  default port = 19999
[directories]
  cache = $work/netdata/cache
  lib = $work/netdata/lib
  log = $work/netdata/log
CONF
mkdir -p "$work/netdata/cache" "$work/netdata/lib" "$work/netdata/log"

# All descendants of $1, itself included.
tree() {
  local pids=$1 frontier=$1 next
  while [ -n "$frontier" ]; do
    next=$(for p in $frontier; do cat /proc/$p/task/*/children 2>/dev/null; done | tr '\n' ' ')
    pids="$pids $next"
    frontier=$next
  done
  echo $pids
}
# CPU ticks (self + waited-for children) summed over a list of pids.
ticks() { for p in "$@"; do awk '{sub(/^.*\) /, ""); print $12+$13+$14+$15}' /proc/$p/stat 2>/dev/null; done | awk '{s+=$1} END {print s+0}'; }
rss_kb() { for p in "$@"; do awk '{sub(/^.*\) /, ""); print $22}' /proc/$p/stat 2>/dev/null; done | awk -v pk="$page_kb" '{s+=$1} END {print s*pk}'; }

"$hostmind" run --config "$work/hostmind.yaml" > "$work/hostmind.log" 2>&1 &
hm_pid=$!
netdata -D -c "$work/netdata.conf" > "$work/netdata.out" 2>&1 &
nd_pid=$!
sleep 10  # both past start-up (netdata spawns its plugins)

hm_t0=$(ticks $(tree $hm_pid)); nd_t0=$(ticks $(tree $nd_pid))
hm_peak=0; nd_peak=0
for _ in $(seq "$duration"); do
  kill -0 $hm_pid 2>/dev/null || { echo "hostmind exited:"; cat "$work/hostmind.log"; exit 1; }
  r=$(rss_kb $(tree $hm_pid)); [ "$r" -gt "$hm_peak" ] && hm_peak=$r
  if kill -0 $nd_pid 2>/dev/null; then r=$(rss_kb $(tree $nd_pid)); [ "$r" -gt "$nd_peak" ] && nd_peak=$r; fi
  sleep 1
done
hm_t1=$(ticks $(tree $hm_pid)); nd_t1=$(ticks $(tree $nd_pid))
series=$(curl -s localhost:19464/metrics | grep -vc '^#' || true)

awk -v h0="$hm_t0" -v h1="$hm_t1" -v n0="$nd_t0" -v n1="$nd_t1" -v hp="$hm_peak" -v np="$nd_peak" \
    -v d="$duration" -v clk="$clk" -v series="$series" 'BEGIN {
  hc = (h1 - h0) / clk / d * 100; nc = (n1 - n0) / clk / d * 100;
  hr = hp / 1024; nr = np / 1024;
  printf "%-10s %12s %14s\n", "agent", "CPU % core", "peak RSS MiB";
  printf "%-10s %12.3f %14.1f\n", "hostmind", hc, hr;
  printf "%-10s %12.3f %14.1f\n", "netdata", nc, nr;
  printf "hostmind exported %d series\n", series;
  printf "{\"duration_s\": %d, \"hostmind_cpu_pct\": %.3f, \"hostmind_peak_rss_mib\": %.1f, \"netdata_cpu_pct\": %.3f, \"netdata_peak_rss_mib\": %.1f, \"cpu_ratio_netdata_over_hostmind\": %.1f, \"rss_ratio_netdata_over_hostmind\": %.1f, \"hostmind_series\": %d}\n",
         d, hc, hr, nc, nr, (hc > 0 ? nc / hc : 0), (hr > 0 ? nr / hr : 0), series;
}'
