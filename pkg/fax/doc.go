// Package fax is faxpipe's domain: the providers it knows, the raw callback
// envelope the ingress captures, the keyed digest that keeps secrets out of
// the streams, and the error kinds the services share.
//
// It imports nothing of NATS, Echo or HTTP: adapters depend on it, never the
// other way round.
package fax
