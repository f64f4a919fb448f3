#!/usr/bin/env bash
# Builds the faxpipe and faxpipe-nats images: static binaries first (on the
# host, CGO_ENABLED=0), into a build context directory, then `docker build`.
# Used by `make image` and by the container suite (deploy/docker), so both
# build the same images the same way.
#
# Environment:
#   IMAGE_BASE   base image of both (default scratch: nothing is pulled; set
#                gcr.io/distroless/static-debian12:nonroot where a registry is reachable)
#   IMAGE_TAG    tag of both images (default dev): faxpipe:TAG, faxpipe-nats:TAG
#   CONTEXT_DIR  build context directory (default bin/image), emptied first
#   GO           the go command (default go)
set -euo pipefail
cd "$(dirname "$0")/../.."

base=${IMAGE_BASE:-scratch}
tag=${IMAGE_TAG:-dev}
ctx=${CONTEXT_DIR:-bin/image}
go=${GO:-go}

rm -rf "$ctx"
mkdir -p "$ctx/data"
CGO_ENABLED=0 "$go" build -trimpath -ldflags='-s -w' -o "$ctx/faxpipe" .
CGO_ENABLED=0 "$go" build -trimpath -ldflags='-s -w' -o "$ctx/nats-server" github.com/nats-io/nats-server/v2
cp /etc/ssl/certs/ca-certificates.crt "$ctx/"

for image in faxpipe faxpipe-nats; do
  dockerfile=deploy/docker/Dockerfile
  [ "$image" = faxpipe-nats ] && dockerfile=deploy/docker/nats.Dockerfile
  # The classic builder: BuildKit needs the buildx plugin, which a machine
  # without a registry may lack. Its output only matters when it fails.
  if ! out=$(DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$base" -t "$image:$tag" -f "$dockerfile" "$ctx" 2>&1); then
    echo "$out" >&2
    exit 1
  fi
  echo "built $image:$tag (base $base)"
done
