#!/usr/bin/env bash
# Installs the Debian packages hostmind needs, and nothing else, from apt only.
# Idempotent: packages already installed are skipped; `apt-get update` runs at most once,
# and only when something is missing.
#
#   scripts/install-deps.sh [build] [test] [bench]     (default: build)
set -euo pipefail

build_pkgs=(
  cmake make g++ pkg-config ccache
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  libxgboost-dev libeigen3-dev libsqlite3-dev libyaml-cpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev libsystemd-dev libnats-dev
  libhyperscan-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Peers the test suite starts for real: promtool/prometheus, alertmanager, nats-server, a
# headless browser; and the package checks: dpkg-shlibdeps, lintian, systemd-analyze.
test_pkgs=(prometheus prometheus-alertmanager nats-server chromium sqlite3 procps psmisc iproute2 stress-ng
           dpkg-dev lintian systemd man-db)
# Side-by-side peers for the benchmarks.
bench_pkgs=(python3 netdata preload stress-ng fio wrk nginx bpftrace prometheus-node-exporter hyperfine linux-perf git)

want=()
[ $# -eq 0 ] && set -- build
for group in "$@"; do
  case "$group" in
    build) want+=("${build_pkgs[@]}") ;;
    test)  want+=("${test_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown group '$group' (build, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# De-duplicate while keeping order (stress-ng sits in two groups).
readarray -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# Services in packages (netdata, nginx, prometheus) must not start on install: the
# benchmarks and tests start them themselves with their own configuration.
if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
