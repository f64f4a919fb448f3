// Package audittest reads back the audit trail in tests.
package audittest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/schemas"
)

// Stored is a record as FAXPIPE_AUDIT holds it.
type Stored struct {
	audit.Record
	Subject string
	Seq     uint64
}

// Records is every record in FAXPIPE_AUDIT, oldest first, each checked
// against schemas/audit.v1.json; it fails the test if the stream is missing
// or a record is not valid.
func Records(t testing.TB, js jetstream.JetStream) []Stored {
	t.Helper()
	st, err := js.Stream(t.Context(), fax.AuditStream)
	if err != nil {
		t.Fatalf("audit stream: %v", err)
	}
	info, err := st.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []Stored
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(t.Context(), seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate("audit.v1.json", m.Data); err != nil {
			t.Fatalf("audit record #%d: %v\n%s", seq, err, m.Data)
		}
		var r audit.Record
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, Stored{Record: r, Subject: m.Subject, Seq: seq})
	}
	return out
}
