package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment override: FAXPIPE_NATS_URL overrides
// nats.url, FAXPIPE_STREAMS_RAW_MAX_AGE overrides streams.raw.max_age.
const EnvPrefix = "FAXPIPE_"

// Load reads the YAML file at path (none if path is empty), applies
// environment overrides from getenv, resolves every secret and validates.
// accounts.<provider> is decoded as the account type of that provider in
// types; a provider not in types is an error. It is LoadFor with UseAll:
// the configuration of `faxpipe all`.
func Load(path string, getenv func(string) string, types AccountTypes) (*Config, error) {
	return LoadFor(path, getenv, types, UseAll)
}

// LoadFor is Load for a process that does only uses: it resolves and
// validates the secrets those uses need, as Load does, and withholds every
// other (Secret.Withheld): not read, so its environment variable or file
// need not exist, and not validated. A process that runs the embedded
// broker uses its secrets only when nats.url is empty, for only then does
// it start one.
func LoadFor(path string, getenv func(string) string, types AccountTypes, uses Uses) (*Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := decodeYAML(b, &cfg, types); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg.Tracing.applyOTelEnv(getenv)
	cfg.applyAccountDefaults()
	if cfg.NATS.URL != "" && uses&UseOwnBroker == 0 {
		uses &^= UseEmbeddedBroker
	}
	if err := cfg.resolveSecrets(getenv, uses); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &cfg, nil
}

// document is the YAML file: the configuration, and its accounts decoded
// by type.
type document struct {
	Config   `yaml:",inline"`
	Accounts accountsYAML `yaml:"accounts"`
}

// decodeYAML decodes strictly: an unknown field is a typo, not something to
// ignore silently.
func decodeYAML(b []byte, cfg *Config, types AccountTypes) error {
	doc := document{Config: *cfg, Accounts: accountsYAML{types: types}}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	*cfg = doc.Config
	cfg.Accounts = doc.Accounts.decoded
	return nil
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
	secretType   = reflect.TypeFor[Secret]()
)

// applyEnv overrides every scalar field for which FAXPIPE_<PATH> is set,
// PATH being the field's YAML path in upper case joined by underscores.
// Accounts are configured in the file; their secrets come from env or files.
func applyEnv(cfg *Config, getenv func(string) string) error {
	return walkEnv(reflect.ValueOf(cfg).Elem(), strings.TrimSuffix(EnvPrefix, "_"), "", getenv)
}

func walkEnv(v reflect.Value, envName, yamlPath string, getenv func(string) string) error {
	t := v.Type()
	if t == secretType {
		return nil
	}
	if t.Kind() == reflect.Struct && t != durationType {
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			err := walkEnv(v.Field(i), envName+"_"+strings.ToUpper(name), joinPath(yamlPath, name), getenv)
			if err != nil {
				return err
			}
		}
		return nil
	}
	raw := getenv(envName)
	if raw == "" {
		return nil
	}
	if err := setScalar(v, raw); err != nil {
		return &FieldError{Field: yamlPath, Msg: fmt.Sprintf("from %s: %v", envName, err)}
	}
	return nil
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func setScalar(v reflect.Value, raw string) error {
	if v.CanAddr() && v.Addr().Type().Implements(textType) {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw))
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(raw)
		v.SetInt(int64(d))
		return err
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		v.SetBool(b)
		return err
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		v.SetInt(n)
		return err
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		v.SetFloat(f)
		return err
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf(splitList(raw)))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

func splitList(raw string) []string {
	var out []string
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
