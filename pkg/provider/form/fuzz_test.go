package form_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/provider/form"
)

// FuzzParse: any input parses; Take never panics; what Rest returns is
// valid JSON and holds no field that was taken.
func FuzzParse(f *testing.F) {
	f.Add("FaxID=4851543&Number=61712344321&Message=COMPLETE", "faxid")
	f.Add("a=%zz;b&&=&a=2", "a")
	f.Fuzz(func(t *testing.T, s, name string) {
		fs := form.Parse(s)
		fs.Take(name)
		fs.Int(name + "n")
		fs.Time(name + "t")
		for k, v := range fs.Rest() {
			if !json.Valid(v) {
				t.Fatalf("Rest[%q] = %s is not JSON", k, v)
			}
			if fs.Err() == nil && strings.EqualFold(k, name) {
				t.Fatalf("taken field %q still in Rest", k)
			}
		}
	})
}
