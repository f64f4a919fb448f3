# The nats-server image for the local cluster and the container suite:
# nats-server built on the host from the module faxpipe depends on (the
# version in go.mod), so no image has to be pulled. Kubernetes uses the
# official NATS Helm chart instead (deploy/nats/values.yaml).
ARG BASE=gcr.io/distroless/static-debian12:nonroot
FROM ${BASE}
COPY nats-server /nats-server
# /data (the JetStream store) belongs to the server's user, so a fresh
# Docker volume mounted there is writable by it.
COPY --chown=65532:65532 data /data
USER 65532:65532
# 4222: clients; 6222: cluster routes; 8222: monitoring (/healthz).
EXPOSE 4222 6222 8222
ENTRYPOINT ["/nats-server"]
