package config

import (
	"errors"
	"fmt"
	"strings"
)

// Uses is a set of the things a process does that need secrets: the
// services it runs, whether it connects to NATS, whether it runs the
// embedded broker, whether it plays the providers. LoadFor reads only the
// secrets of the process's uses; Load reads every one (UseAll).
type Uses uint16

// The uses, one bit each.
const (
	UseIngress        Uses = 1 << iota // faxpipe ingress
	UseProcessor                       // faxpipe processor, and replay's reprocessing
	UseDownloader                      // faxpipe downloader
	UseReconciler                      // faxpipe reconciler, and `faxpipe reconcile`
	UseNATS                            // any NATS client: every service and the broker tools
	UseEmbeddedBroker                  // the in-process nats-server of `faxpipe all` without nats.url
	UseSimulator                       // `faxpipe sim`, which plays the providers with the accounts' own secrets
	// UseOwnBroker is a command that starts its own embedded server
	// whatever nats.url says (`faxpipe demo`): its secrets are loaded even
	// with a nats.url.
	UseOwnBroker

	// UseAll is every use: `faxpipe all`, the demo, and Load.
	UseAll = UseIngress | UseProcessor | UseDownloader | UseReconciler | UseNATS | UseEmbeddedBroker | UseSimulator
)

// Who uses which secrets, by what the secret is for.
const (
	// VerifiesCallbacks: a secret that proves a callback came from the
	// provider. The ingress verifies at the edge and the processor again
	// from the stream; the reconciler builds the processor's normalizers to
	// compute event ids, and a normalizer refuses a verifying account
	// without its secrets, although the reconciler only ever normalizes its
	// own sealed envelopes, which need none of them.
	VerifiesCallbacks = UseIngress | UseProcessor | UseReconciler
	// CallsProviderAPI: a credential of the provider's API, for documents
	// (downloader) and listings of received faxes (reconciler).
	CallsProviderAPI = UseDownloader | UseReconciler
	// SealsEnvelopes: the pipeline key, which digests the secrets of raw
	// callbacks (ingress, checked by the processor) and seals the
	// reconciler's envelopes. The downloader has no use for it.
	SealsEnvelopes = UseIngress | UseProcessor | UseReconciler
	// RunsAdminServer: every service serves /healthz, /readyz and
	// /metrics on admin.listen; the tools do not.
	RunsAdminServer = UseIngress | UseProcessor | UseDownloader | UseReconciler
)

var useNames = []string{"ingress", "processor", "downloader", "reconciler", "nats", "embedded-broker", "sim"}

// String names the uses, e.g. "ingress+processor"; "none" for none.
func (u Uses) String() string {
	var names []string
	for i, n := range useNames {
		if u&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// UsedSecret is one secret of an account and the uses that need it.
type UsedSecret struct {
	Secret *Secret
	By     Uses
}

// UsedBy returns s with the uses that need it, for Secrets of an account.
func UsedBy(s *Secret, by Uses) UsedSecret { return UsedSecret{Secret: s, By: by} }

// usesOfPath is who uses a secret outside the accounts, by its YAML path.
// A path it does not know is used by every process: a new secret is
// required everywhere until it says otherwise.
func usesOfPath(field string) Uses {
	switch {
	case field == "pipeline.key" || strings.HasPrefix(field, "pipeline.previous_keys["):
		return SealsEnvelopes
	case strings.HasPrefix(field, "admin."):
		return RunsAdminServer
	case strings.HasPrefix(field, "nats.embedded."):
		return UseEmbeddedBroker
	case strings.HasPrefix(field, "nats."):
		return UseNATS
	}
	return UseAll
}

// RequireLoaded returns an error naming each secret of acc among names
// (paths inside the account, as Secrets gives them) that the loader
// withheld, because the process does not use it (see LoadFor); nil when
// there is none. A constructor of a client or verifier calls it with the
// secrets it uses, so that none is ever built with a credential that was
// not read.
func RequireLoaded(acc ProviderAccount, names ...string) error {
	var errs []error
	secrets := acc.Secrets()
	for _, name := range names {
		s, ok := secrets[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s account %q has no secret %s", acc.Provider(), acc.Base().ID, name))
		case s.Secret.Withheld():
			errs = append(errs, fmt.Errorf("%s account %q: %s was not loaded: it is for %s, which this process does not run",
				acc.Provider(), acc.Base().ID, name, s.By))
		}
	}
	return errors.Join(errs...)
}
