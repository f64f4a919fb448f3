// Package fax is faxpipe's domain: the providers it knows, the raw callback
// envelope the ingress captures, the keyed digest that keeps secrets out of
// the streams, the normalized event and its CloudEvent, the announcement of
// a received fax's document (DocumentAnnouncement), the Normalizer each
// provider implements, the subjects of every stream (subjects.go), and the
// rejection reasons the services share.
//
// It imports nothing of NATS, Echo or HTTP servers: adapters depend on it,
// never the other way round.
package fax
