package consumer

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Filter selects messages by what their subjects say. An empty field
// matches anything. Fields carried by the subject are filtered by the
// broker; the others are filtered here, and the messages that do not match
// are acknowledged without reaching the handler.
type Filter struct {
	Provider  fax.Provider
	Account   string
	Channel   fax.Channel   // fax or sms; documents are always of inbound faxes
	Direction fax.Direction // inbound or outbound
	// Outcome is an event outcome (received, delivered, failed, ping) or a
	// document outcome (stored, failed); "failed" selects both.
	Outcome string
}

var providerToken = regexp.MustCompile(`^[a-z0-9]+$`)

var (
	eventOutcomes    = []string{string(fax.OutcomeReceived), string(fax.OutcomeDelivered), string(fax.OutcomeFailed), string(fax.OutcomePing)}
	documentOutcomes = []string{string(fax.DocumentStored), string(fax.DocumentFailed)}
)

// Validate reports every field that is not a value faxpipe publishes.
func (f Filter) Validate() error {
	var errs []error
	bad := func(field string, v any) {
		errs = append(errs, fmt.Errorf("filter %s %q is not one faxpipe publishes", field, v))
	}
	if f.Provider != "" && !providerToken.MatchString(string(f.Provider)) {
		bad("provider", f.Provider)
	}
	if f.Account != "" && fax.ValidateAccountID(f.Account) != nil {
		bad("account", f.Account)
	}
	if f.Channel != "" && f.Channel != fax.ChannelFax && f.Channel != fax.ChannelSMS {
		bad("channel", f.Channel)
	}
	if f.Direction != "" && f.Direction != fax.Inbound && f.Direction != fax.Outbound {
		bad("direction", f.Direction)
	}
	if f.Outcome != "" && !slices.Contains(eventOutcomes, f.Outcome) && !slices.Contains(documentOutcomes, f.Outcome) {
		bad("outcome", f.Outcome)
	}
	return errors.Join(errs...)
}

// MatchesEvents reports whether any fax event can match f.
func (f Filter) MatchesEvents() bool {
	return f.Outcome == "" || slices.Contains(eventOutcomes, f.Outcome)
}

// MatchesDocuments reports whether any document announcement can match f:
// documents are of inbound faxes, with outcome stored or failed.
func (f Filter) MatchesDocuments() bool {
	return (f.Channel == "" || f.Channel == fax.ChannelFax) &&
		(f.Direction == "" || f.Direction == fax.Inbound) &&
		(f.Outcome == "" || slices.Contains(documentOutcomes, f.Outcome))
}

// EventSubject is the subject filter of f on FAXPIPE_EVENTS, whose subjects
// carry every field: faxpipe.events.{provider}.{account}.{channel}.{direction}.{outcome}.
func (f Filter) EventSubject() string {
	outcome := f.Outcome
	if !f.MatchesEvents() {
		outcome = ""
	}
	return fax.EventSubject(f.Provider, f.Account, f.Channel, f.Direction, fax.Outcome(outcome))
}

// DocumentSubject is the subject filter of f on FAXPIPE_DOCUMENTS:
// faxpipe.documents.{provider}.{account}.{outcome}. Channel and direction
// are not in these subjects; see MatchesDocuments.
func (f Filter) DocumentSubject() string {
	outcome := f.Outcome
	if !slices.Contains(documentOutcomes, outcome) {
		outcome = ""
	}
	return fax.DocumentSubject(f.Provider, f.Account, fax.DocumentOutcome(outcome))
}
