package form_test

import (
	"errors"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/form"
)

func TestParseTolerates(t *testing.T) {
	tests := []struct {
		name, in, field, want string
	}{
		{name: "plus is a space", in: "a=b+c", field: "a", want: "b c"},
		{name: "escapes", in: "a=%2B%26", field: "a", want: "+&"},
		{name: "bad escape kept as written", in: "a=50%&b=1", field: "a", want: "50%"},
		{name: "semicolon is no separator", in: "a=x;y&b=1", field: "a", want: "x;y"},
		{name: "trailing ampersand", in: "a=1&", field: "a", want: "1"},
		{name: "name matched in any case", in: "FaxID=7", field: "faxid", want: "7"},
		{name: "no value", in: "a", field: "a", want: ""},
		{name: "escaped name", in: "f%61x=1", field: "fax", want: "1"},
		{name: "same value twice", in: "a=1&a=1", field: "a", want: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := form.Parse(tt.in)
			if got := f.Take(tt.field); got != tt.want {
				t.Errorf("Take(%q) = %q, want %q", tt.field, got, tt.want)
			}
			if err := f.Err(); err != nil {
				t.Errorf("Err = %v", err)
			}
		})
	}
}

func TestAmbiguousFieldIsMalformed(t *testing.T) {
	f := form.Parse("a=1&A=2")
	if got := f.Take("a"); got != "" {
		t.Errorf("Take = %q, want \"\"", got)
	}
	if !errors.Is(f.Err(), fax.ReasonMalformed) {
		t.Errorf("Err = %v, want malformed", f.Err())
	}
}

func TestRequire(t *testing.T) {
	f := form.Parse("a=&b=1")
	f.Require("b")
	if f.Err() != nil {
		t.Fatalf("Require of a present field: %v", f.Err())
	}
	f.Require("a")
	first := f.Err()
	f.Require("c")
	if !errors.Is(first, fax.ReasonMalformed) || f.Err() != first { //nolint:errorlint // the very same error value must be kept
		t.Errorf("Err = %v, want the first failure %v kept", f.Err(), first)
	}
}

func TestIntAndTime(t *testing.T) {
	f := form.Parse("pages=3&secs=-1&n=x&at=2015-03-06T23:59:04Z&bad=2015-03-06")
	if p := f.Int("pages"); p == nil || *p != 3 {
		t.Errorf("Int(pages) = %v, want 3", p)
	}
	if p := f.Int("secs"); p != nil {
		t.Errorf("Int(secs) = %d, want nil for a negative count", *p)
	}
	if p := f.Int("n"); p != nil {
		t.Errorf("Int(n) = %d, want nil", *p)
	}
	if p := f.Int("absent"); p != nil {
		t.Errorf("Int(absent) = %d, want nil", *p)
	}
	want := time.Date(2015, 3, 6, 23, 59, 4, 0, time.UTC)
	if at := f.Time("at"); at == nil || !at.Equal(want) || at.Location() != time.UTC {
		t.Errorf("Time(at) = %v, want %s", at, want)
	}
	if at := f.Time("bad"); at != nil {
		t.Errorf("Time(bad) = %v, want nil", at)
	}
	rest := f.Rest()
	for _, kept := range []string{"secs", "n", "bad"} {
		if _, ok := rest[kept]; !ok {
			t.Errorf("unparsable %s not kept in Rest %v", kept, rest)
		}
	}
	for _, taken := range []string{"pages", "at"} {
		if _, ok := rest[taken]; ok {
			t.Errorf("mapped %s still in Rest", taken)
		}
	}
}

func TestRestIsVerbatim(t *testing.T) {
	f := form.Parse("ID=1&Subject=Email+to+Fax&tag=a&tag=b&Empty=")
	f.Take("id")
	rest := f.Rest()
	want := map[string]string{"Subject": `"Email to Fax"`, "tag": `["a","b"]`, "Empty": `""`}
	if len(rest) != len(want) {
		t.Errorf("Rest = %v, want %v", rest, want)
	}
	for k, v := range want {
		if got := string(rest[k]); got != v {
			t.Errorf("Rest[%s] = %s, want %s", k, got, v)
		}
	}
}

func TestMergeAndCount(t *testing.T) {
	f := form.Parse("a=1")
	f.Merge(form.Parse("b=2&A=1"))
	if got := f.Count("a"); got != 2 {
		t.Errorf("Count(a) = %d, want 2", got)
	}
	if got := f.Take("b"); got != "2" {
		t.Errorf("Take(b) = %q, want 2", got)
	}
}
