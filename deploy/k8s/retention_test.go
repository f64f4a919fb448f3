package k8s

import (
	"os"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// TestStreamsFitTheBrokersDisks: the streams sections of the cluster
// configurations set every retention explicitly, and what they add up to
// fits, with room for the streams and buckets not configured there, the
// JetStream store of each NATS node (every node keeps a copy of every R3
// stream, and reserves its max_bytes when the stream is created).
func TestStreamsFitTheBrokersDisks(t *testing.T) {
	cases := []struct {
		name, config, store string
		limit               *regexp.Regexp
		unit                string // appended to the captured size
	}{
		{"kubernetes", "base/faxpipe.yaml", "../nats/values.yaml", regexp.MustCompile(`(?m)^\s+size: (\d+Gi)\s*$`), "B"},
		{"compose", "../compose/faxpipe.yaml", "../nats/cluster.conf", regexp.MustCompile(`(?m)^\s+max_file_store: (\d+GB)\s*$`), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var file struct {
				Streams config.Streams `yaml:"streams"`
			}
			if err := yaml.Unmarshal(readDeployFile(t, c.config), &file); err != nil {
				t.Fatal(err)
			}
			var total config.ByteSize
			for name, r := range file.Streams.Bounded() {
				if r.MaxAge <= 0 || r.MaxBytes <= 0 {
					t.Errorf("%s: streams.%s = %+v, want max_age and max_bytes set", c.config, name, r)
				}
				total += r.MaxBytes
			}
			m := c.limit.FindSubmatch(readDeployFile(t, c.store))
			if m == nil {
				t.Fatalf("%s: no store size matching %s", c.store, c.limit)
			}
			store, err := config.ParseByteSize(string(m[1]) + c.unit)
			if err != nil {
				t.Fatal(err)
			}
			if total > store*3/4 {
				t.Errorf("%s: the streams' max_bytes add up to %d bytes, more than 3/4 of %s's %d", c.config, total, c.store, store)
			}
		})
	}
}

func readDeployFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
