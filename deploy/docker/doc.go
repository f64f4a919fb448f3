// Package docker holds the container images' build (Dockerfile,
// nats.Dockerfile, build-images.sh, which `make image` runs) and their
// suite: faxpipe as containers, built from those images, on a private
// Docker network with a 3-node NATS JetStream cluster (R3 streams), driven by
// the provider simulator as a container, and checked through the published
// ports. The suite needs Docker: without it, it says so loudly and skips, or
// fails when CI is set. The package has no non-test code beyond this comment.
package docker
