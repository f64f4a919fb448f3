// Package consumer is how downstream systems read faxpipe: the fax events
// of FAXPIPE_EVENTS and the document announcements of FAXPIPE_DOCUMENTS as
// typed Go values, through a durable (or ephemeral) JetStream consumer of
// their own, from now or from any point in history.
//
//	err := consumer.Events(js, consumer.Config{Durable: "ehr", Start: consumer.StartAll()}).
//		Run(ctx, func(ctx context.Context, m consumer.Message[fax.Event]) error {
//			return ehr.Record(ctx, m.ID, m.Data) // an error retries later, with backoff
//		})
//
// A handler's error hands the message back to be delivered again after a
// growing delay; after Config.MaxDeliver deliveries it is terminated and
// reported as poison, so one bad message never blocks the others.
// DocumentReader (or OpenDocument) reads a stored document from its
// announcement, after recording who reads it in the access audit trail
// (FAXPIPE_AUDIT); History reads a stretch of a stream once, to rebuild
// state from it.
package consumer
