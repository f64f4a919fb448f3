package schemas

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var compiled sync.Map // file name → *jsonschema.Schema

// Validate reports whether data, a JSON document, validates against the
// schema in file name (e.g. "raw-callback.v1.json"). Schemas are compiled
// once and cached; it is safe for concurrent use.
func Validate(name string, data []byte) error {
	s, err := cached(name)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("does not validate against %s: %w", name, err)
	}
	return nil
}

func cached(name string) (*jsonschema.Schema, error) {
	if s, ok := compiled.Load(name); ok {
		return s.(*jsonschema.Schema), nil
	}
	s, err := Compile(name)
	if err != nil {
		return nil, err
	}
	compiled.Store(name, s)
	return s, nil
}
