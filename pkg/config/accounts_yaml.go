package config

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// accountsYAML decodes the accounts section: accounts.<provider> is a list
// of that provider's account type, in types.
type accountsYAML struct {
	types   AccountTypes
	decoded Accounts
}

// UnmarshalYAML decodes with the file's own decoder (the obsolete form of
// yaml.Unmarshaler is the one that keeps KnownFields), into a struct with
// one list per known provider; accounts come out in the file's order.
func (y *accountsYAML) UnmarshalYAML(unmarshal func(any) error) error {
	var section map[string]yaml.Node
	if err := unmarshal(&section); err != nil {
		return err
	}
	order, err := y.providers(section)
	if err != nil {
		return err
	}
	lists := reflect.New(y.listsType())
	if err := unmarshal(lists.Interface()); err != nil {
		return err
	}
	for _, i := range order {
		list := lists.Elem().Field(i)
		for j := range list.Len() {
			if list.Index(j).IsNil() {
				return &FieldError{Field: fmt.Sprintf("accounts.%s[%d]", y.types[i].Provider(), j), Msg: "must be an account, not empty"}
			}
			y.decoded = append(y.decoded, list.Index(j).Interface().(ProviderAccount)) //nolint:forcetypeassert // a list of y.types[i]'s type
		}
	}
	return nil
}

// providers returns the index in types of each provider the section
// lists, in the file's order; an unknown provider is an error.
func (y *accountsYAML) providers(section map[string]yaml.Node) ([]int, error) {
	names := slices.SortedFunc(maps.Keys(section), func(a, b string) int {
		na, nb := section[a], section[b]
		return cmp.Or(cmp.Compare(na.Line, nb.Line), cmp.Compare(na.Column, nb.Column))
	})
	order := make([]int, len(names))
	for i, name := range names {
		n := slices.IndexFunc(y.types, func(t ProviderAccount) bool { return t.Provider() == fax.Provider(name) })
		if n < 0 {
			return nil, &FieldError{Field: "accounts." + name, Msg: fmt.Sprintf("unknown provider (want one of %s)", y.names())}
		}
		order[i] = n
	}
	return order, nil
}

// listsType is struct{ P0 []*sfax.Account `yaml:"sfax"`; … }, a field per
// type.
func (y *accountsYAML) listsType() reflect.Type {
	fields := make([]reflect.StructField, len(y.types))
	for i, t := range y.types {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("P%d", i),
			Type: reflect.SliceOf(reflect.TypeOf(t)),
			Tag:  reflect.StructTag(fmt.Sprintf("yaml:%q", t.Provider())),
		}
	}
	return reflect.StructOf(fields)
}

// names lists the known providers.
func (y *accountsYAML) names() string {
	names := make([]string, len(y.types))
	for i, t := range y.types {
		names[i] = string(t.Provider())
	}
	return strings.Join(names, ", ")
}
