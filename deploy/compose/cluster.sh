#!/usr/bin/env bash
# The local cluster of docker-compose.yaml beside this file.
#
#   cluster.sh up     start everything from the images `make image` built
#                     (tag IMAGE_TAG, default dev), wait until every faxpipe
#                     service is ready, print the public callback URL
#   cluster.sh down   remove the containers, the network and the volumes
#
# Works with `docker compose` (v2) and `docker-compose` (v1).
set -euo pipefail
cd "$(dirname "$0")"

project=faxpipe
ready_timeout=${READY_TIMEOUT:-120}
# The published ports (docker-compose.yaml has the same defaults).
export CALLBACK_PORT=${CALLBACK_PORT:-28080} NATS_PORT=${NATS_PORT:-24222} NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-28222} \
  INGRESS_ADMIN_PORT=${INGRESS_ADMIN_PORT:-29090} PROCESSOR_ADMIN_PORT=${PROCESSOR_ADMIN_PORT:-29091} \
  DOWNLOADER_ADMIN_PORT=${DOWNLOADER_ADMIN_PORT:-29092} RECONCILER_ADMIN_PORT=${RECONCILER_ADMIN_PORT:-29093} \
  SIM_PORT=${SIM_PORT:-29601}

compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -p "$project" -f docker-compose.yaml "$@"
  else
    docker-compose -p "$project" -f docker-compose.yaml "$@"
  fi
}

# wait_ready NAME URL: polls URL until it answers 200, up to ready_timeout s.
wait_ready() {
  local name=$1 url=$2 deadline=$((SECONDS + ready_timeout))
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    if ((SECONDS > deadline)); then
      echo "cluster: $name not ready at $url after ${ready_timeout}s; its logs:" >&2
      compose logs --tail 40 "$name" >&2
      return 1
    fi
    sleep 1
  done
  echo "cluster: $name ready"
}

# check_ports fails, naming the variable to change, when a published port
# is taken already (by another local run, say).
check_ports() {
  local var busy=0
  for var in CALLBACK_PORT NATS_PORT NATS_MONITOR_PORT INGRESS_ADMIN_PORT PROCESSOR_ADMIN_PORT DOWNLOADER_ADMIN_PORT \
    RECONCILER_ADMIN_PORT SIM_PORT; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${!var}") 2>/dev/null; then
      echo "cluster: port ${!var} ($var) is in use; choose another, e.g. $var=$((${!var} + 10000)) make cluster-up" >&2
      busy=1
    fi
  done
  return "$busy"
}

up() {
  check_ports
  compose up -d --remove-orphans
  wait_ready nats-1 "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true"
  wait_ready ingress "http://127.0.0.1:$INGRESS_ADMIN_PORT/readyz"
  wait_ready processor "http://127.0.0.1:$PROCESSOR_ADMIN_PORT/readyz"
  wait_ready downloader "http://127.0.0.1:$DOWNLOADER_ADMIN_PORT/readyz"
  wait_ready reconciler "http://127.0.0.1:$RECONCILER_ADMIN_PORT/readyz"
  cat <<MSG

faxpipe is up on a 3-node NATS JetStream cluster.
  callbacks:   http://127.0.0.1:$CALLBACK_PORT/callbacks/{sfax|gofax|efax|telnyx}/demo
  NATS:        nats://127.0.0.1:$NATS_PORT, as user faxpipe-admin, password demo-nats-admin-password (each service is its own user)
  admin:       http://127.0.0.1:$INGRESS_ADMIN_PORT (ingress), :$PROCESSOR_ADMIN_PORT (processor), :$DOWNLOADER_ADMIN_PORT (downloader), :$RECONCILER_ADMIN_PORT (reconciler)
  documents:   the sim service (http://sim:9601 on the cluster's network, 127.0.0.1:$SIM_PORT here)
Send faxes:    make build, then bin/faxpipe -config deploy/compose/faxpipe.yaml sim -target http://127.0.0.1:$CALLBACK_PORT -api-listen 127.0.0.1:0 -linger 0 -count 20
Stop:          make cluster-down
MSG
}

case "${1:-}" in
  up) up ;;
  down) compose down --volumes --remove-orphans ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
