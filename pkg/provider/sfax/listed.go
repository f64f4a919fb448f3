package sfax

import (
	"errors"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// normalizeListed: PLACEHOLDER, implemented with the lister.
func normalizeListed(raw fax.RawMessage) (fax.Event, error) {
	return fax.Event{}, errors.New("not implemented")
}
