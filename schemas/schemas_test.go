package schemas_test

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/faxpipe/faxpipe/schemas"
)

func TestEverySchemaCompilesWithItsID(t *testing.T) {
	names, err := fs.Glob(schemas.FS, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 2 {
		t.Fatalf("embedded schemas = %v, want at least fax-event and rejected", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if _, err := schemas.Compile(name); err != nil {
				t.Fatal(err)
			}
			b, err := fs.ReadFile(schemas.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				ID string `json:"$id"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := doc.ID, schemas.BaseURL+name; got != want {
				t.Errorf("$id = %q, want %q", got, want)
			}
		})
	}
}

func TestCompileRefusesUnknownSchemas(t *testing.T) {
	if _, err := schemas.Compile("no-such.v1.json"); err == nil {
		t.Fatal("Compile of a missing schema succeeded")
	}
}

func TestFaxEventSchemaAssertsFormats(t *testing.T) {
	s, err := schemas.Compile("fax-event.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		event   string
		wantErr bool
	}{
		{name: "valid", event: validEvent},
		{name: "bad time", event: strings.Replace(validEvent, `"time":"2024-05-10T17:54:11Z"`, `"time":"yesterday"`, 1), wantErr: true},
		{name: "id not a uuid", event: strings.Replace(validEvent, `"id":"6f1c0c52-5b7a-5c1e-9a55-0d6c3a0b5d61"`, `"id":"x"`, 1), wantErr: true},
		{name: "numeric fax_id", event: strings.Replace(validEvent, `"fax_id":"7e029808"`, `"fax_id":7029808`, 1), wantErr: true},
		{name: "unknown data member", event: strings.Replace(validEvent, `"test":false`, `"test":false,"extra":1`, 1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(inst); (err != nil) != tt.wantErr {
				t.Fatalf("Validate error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

const validEvent = `{"specversion":"1.0","id":"6f1c0c52-5b7a-5c1e-9a55-0d6c3a0b5d61",` +
	`"source":"faxpipe/efax/acme","type":"faxpipe.fax.inbound.received","subject":"7e029808",` +
	`"time":"2024-05-10T17:54:11Z","datacontenttype":"application/json","data":{` +
	`"provider":"efax","account":"acme","channel":"fax","direction":"inbound","outcome":"received",` +
	`"success":true,"test":false,"fax_id":"7e029808","document":true,` +
	`"raw_ref":{"id":"r1","stream_seq":7},"received_at":"2024-05-10T18:00:00Z","provider_fields":{}}}`
