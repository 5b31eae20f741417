#!/usr/bin/env bash
# Installs HAProxy from Debian's packages if it is missing (the load balancer of
# deploy/haproxy.cfg), and checks that the configuration parses with the installed version.
# Starts nothing: the cluster scripts run their own HAProxy in the foreground, so the
# package's service is left as the package leaves it. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v haproxy >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq haproxy >/dev/null
fi
# `haproxy -c` prints its version banner on standard error; only a failure is worth showing.
if ! out="$(haproxy -c -f deploy/haproxy.cfg 2>&1)"; then
    printf '%s\n' "$out" >&2
    exit 1
fi
haproxy -v | head -n1
