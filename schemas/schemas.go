// Package schemas holds faxpipe's JSON Schemas (draft 2020-12), embedded so
// that services and tests validate against exactly the files in this
// directory, and compiles them without any network access.
package schemas

import (
	"embed"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BaseURL is the prefix of every schema's $id: the $id of file name is
// BaseURL+name, e.g. https://faxpipe.dev/schemas/fax-event.v1.json.
const BaseURL = "https://faxpipe.dev/schemas/"

// FS holds every *.json file of this directory.
//
//go:embed *.json
var FS embed.FS

// Compile compiles the schema in file name (e.g. "fax-event.v1.json"),
// resolving references to the other files here by their $id, with format
// assertions (date-time, uuid, …) on. It reads nothing but FS.
func Compile(name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(embedLoader{})
	s, err := c.Compile(BaseURL + name)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", name, err)
	}
	return s, nil
}

// embedLoader serves BaseURL+name from FS and refuses every other URL.
type embedLoader struct{}

// Load implements jsonschema.URLLoader.
func (embedLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, BaseURL)
	if !ok {
		return nil, fmt.Errorf("schema %s is not one of faxpipe's (%s…)", url, BaseURL)
	}
	f, err := FS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", url, err)
	}
	defer func() { _ = f.Close() }()
	return jsonschema.UnmarshalJSON(f)
}
