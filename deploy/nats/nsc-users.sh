#!/bin/sh
# GENERATED from pkg/stream/permissions.go by
#   go test ./pkg/stream -run TestPermissionsFilesAreGenerated -update
# Do not edit: change permissions.go and generate again.
#
# faxpipe's NATS users, one per role (README, "NATS users and permissions"),
# for an operator-mode cluster (deploy/nats/values.yaml): adds each to the
# nsc account $ACCOUNT (default FAXPIPE) with its permissions and writes its
# credentials to faxpipe-<role>.creds in the current directory.
set -eu
ACCOUNT="${ACCOUNT:-FAXPIPE}"

# ingress
nsc add user --account "$ACCOUNT" --name faxpipe-ingress \
  --allow-pub 'faxpipe.raw.>' \
  --allow-pub 'faxpipe.forged.>' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_RAW' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_FORGED' \
  --allow-sub '_INBOX.ingress.>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-ingress > faxpipe-ingress.creds

# processor
nsc add user --account "$ACCOUNT" --name faxpipe-processor \
  --allow-pub 'faxpipe.events.>' \
  --allow-pub 'faxpipe.rejected.>' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_RAW.faxpipe-processor' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_RAW.faxpipe-processor.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_RAW.faxpipe-processor' \
  --allow-pub '$JS.API.CONSUMER.INFO.FAXPIPE_RAW.faxpipe-processor' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_RAW.faxpipe-processor' \
  --allow-pub '$JS.ACK.FAXPIPE_RAW.faxpipe-processor.>' \
  --allow-pub '$JS.API.INFO' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_RAW' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_RAW' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_RAW' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_FORGED' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_FORGED' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_FORGED' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_REJECTED' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_REJECTED' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_REJECTED' \
  --allow-pub '$JS.API.STREAM.CREATE.FAXPIPE_AUDIT' \
  --allow-pub '$JS.API.STREAM.UPDATE.FAXPIPE_AUDIT' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_AUDIT' \
  --allow-pub '$JS.API.STREAM.CREATE.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.STREAM.UPDATE.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.STREAM.INFO.OBJ_faxpipe-documents' \
  --allow-sub '_INBOX.processor.>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-processor > faxpipe-processor.creds

# downloader
nsc add user --account "$ACCOUNT" --name faxpipe-downloader \
  --allow-pub 'faxpipe.documents.>' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.INFO.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.faxpipe-downloader' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_EVENTS.faxpipe-downloader' \
  --allow-pub '$JS.API.CONSUMER.INFO.FAXPIPE_EVENTS.faxpipe-downloader' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader' \
  --allow-pub '$JS.ACK.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --allow-pub '$JS.API.CONSUMER.CREATE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.INFO.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.DELETE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.NAMES.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.CONSUMER.LIST.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.STREAM.MSG.GET.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.DIRECT.GET.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.DIRECT.GET.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.ACK.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.FC.OBJ_faxpipe-documents.>' \
  --allow-pub '$O.faxpipe-documents.>' \
  --allow-pub '$JS.API.STREAM.PURGE.OBJ_faxpipe-documents' \
  --allow-sub '_INBOX.downloader.>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-downloader > faxpipe-downloader.creds

# reconciler
nsc add user --account "$ACCOUNT" --name faxpipe-reconciler \
  --allow-pub 'faxpipe.raw.>' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_RAW' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.DELETE.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.STREAM.INFO.KV_faxpipe-reconciler' \
  --allow-pub '$JS.API.STREAM.MSG.GET.KV_faxpipe-reconciler' \
  --allow-pub '$JS.API.DIRECT.GET.KV_faxpipe-reconciler' \
  --allow-pub '$JS.API.DIRECT.GET.KV_faxpipe-reconciler.>' \
  --allow-pub '$KV.faxpipe-reconciler.>' \
  --allow-pub '$JS.API.STREAM.INFO.KV_faxpipe-reconciler-leases' \
  --allow-pub '$JS.API.STREAM.MSG.GET.KV_faxpipe-reconciler-leases' \
  --allow-pub '$JS.API.DIRECT.GET.KV_faxpipe-reconciler-leases' \
  --allow-pub '$JS.API.DIRECT.GET.KV_faxpipe-reconciler-leases.>' \
  --allow-pub '$KV.faxpipe-reconciler-leases.>' \
  --allow-pub '$JS.API.INFO' \
  --allow-pub '$JS.API.STREAM.CREATE.KV_faxpipe-reconciler' \
  --allow-pub '$JS.API.STREAM.UPDATE.KV_faxpipe-reconciler' \
  --allow-pub '$JS.API.STREAM.CREATE.KV_faxpipe-reconciler-leases' \
  --allow-pub '$JS.API.STREAM.UPDATE.KV_faxpipe-reconciler-leases' \
  --deny-pub '$JS.API.CONSUMER.*.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.API.CONSUMER.*.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --deny-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.ACK.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --allow-sub '_INBOX.reconciler.>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-reconciler > faxpipe-reconciler.creds

# consumer
nsc add user --account "$ACCOUNT" --name faxpipe-consumer \
  --allow-pub 'faxpipe.audit.>' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.INFO.FAXPIPE_AUDIT' \
  --allow-pub '$JS.API.STREAM.INFO.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.INFO.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.DELETE.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.NAMES.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.CONSUMER.LIST.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.STREAM.MSG.GET.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.DIRECT.GET.FAXPIPE_EVENTS' \
  --allow-pub '$JS.API.DIRECT.GET.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.ACK.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.FC.FAXPIPE_EVENTS.>' \
  --allow-pub '$JS.API.CONSUMER.CREATE.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.INFO.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.DELETE.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.NAMES.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.CONSUMER.LIST.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.STREAM.MSG.GET.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.DIRECT.GET.FAXPIPE_DOCUMENTS' \
  --allow-pub '$JS.API.DIRECT.GET.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.ACK.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.FC.FAXPIPE_DOCUMENTS.>' \
  --allow-pub '$JS.API.CONSUMER.CREATE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.DURABLE.CREATE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.INFO.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.DELETE.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.MSG.NEXT.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.API.CONSUMER.NAMES.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.CONSUMER.LIST.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.STREAM.MSG.GET.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.DIRECT.GET.OBJ_faxpipe-documents' \
  --allow-pub '$JS.API.DIRECT.GET.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.ACK.OBJ_faxpipe-documents.>' \
  --allow-pub '$JS.FC.OBJ_faxpipe-documents.>' \
  --deny-pub '$JS.API.CONSUMER.*.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.API.CONSUMER.*.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --deny-pub '$JS.API.CONSUMER.DURABLE.CREATE.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader' \
  --deny-pub '$JS.ACK.FAXPIPE_EVENTS.faxpipe-downloader.>' \
  --deny-pub '$JS.API.STREAM.CREATE.>' \
  --deny-pub '$JS.API.STREAM.UPDATE.>' \
  --deny-pub '$JS.API.STREAM.DELETE.>' \
  --deny-pub '$JS.API.STREAM.PURGE.>' \
  --deny-pub '$JS.API.STREAM.MSG.DELETE.>' \
  --deny-pub '$KV.>' \
  --deny-pub '$O.>' \
  --allow-sub '_INBOX.consumer.>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-consumer > faxpipe-consumer.creds

# admin
nsc add user --account "$ACCOUNT" --name faxpipe-admin \
  --allow-pub '>' \
  --allow-sub '>'
nsc generate creds --account "$ACCOUNT" --name faxpipe-admin > faxpipe-admin.creds
