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

up() {
  compose up -d --remove-orphans
  wait_ready nats-1 'http://127.0.0.1:18222/healthz?js-enabled-only=true'
  wait_ready ingress http://127.0.0.1:19090/readyz
  wait_ready processor http://127.0.0.1:19091/readyz
  wait_ready downloader http://127.0.0.1:19092/readyz
  cat <<'MSG'

faxpipe is up on a 3-node NATS JetStream cluster.
  callbacks:   http://127.0.0.1:18080/callbacks/{sfax|gofax|efax}/demo
  NATS:        nats://127.0.0.1:14222
  admin:       http://127.0.0.1:19090 (ingress), :19091 (processor), :19092 (downloader)
  documents:   served by the sim service (http://sim:9601 inside, 127.0.0.1:19601 outside)
Send faxes:    bin/faxpipe -config deploy/compose/faxpipe.yaml sim -target http://127.0.0.1:18080 -count 20
Stop:          make cluster-down
MSG
}

case "${1:-}" in
  up) up ;;
  down) compose down --volumes --remove-orphans ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
