package monitoring

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metric is one exported metric name and the labels it carries.
type metric struct {
	labels map[string]bool // nil: not checked
	source string
}

// repoRoot is the module's root, from this package's directory.
const repoRoot = "../.."

// faxpipeMetrics reads the metrics faxpipe registers from its Go source
// (go/ast, no edit of the services needed): every prometheus.NewCounter,
// NewCounterVec, NewGauge(Vec), NewHistogram(Vec) and NewSummary(Vec) call
// in the module's non-test files outside deploy/, its name built from the
// Namespace, Subsystem and Name of its options and its labels from the
// []string literal of a Vec. A name it cannot resolve (not a string literal)
// fails the test rather than being skipped.
func faxpipeMetrics(t *testing.T) map[string]metric {
	t.Helper()
	out := map[string]metric{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "deploy", "testdata", "vendor", "bin", "data", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(src), "prometheus.New") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "prometheus" {
				return true
			}
			kind := strings.TrimSuffix(strings.TrimPrefix(sel.Sel.Name, "New"), "Vec")
			switch kind {
			case "Counter", "Gauge", "Histogram", "Summary":
			default:
				return true
			}
			if len(call.Args) == 0 {
				return true
			}
			lit, ok := call.Args[0].(*ast.CompositeLit)
			if !ok {
				t.Errorf("%s: %s: options not a literal; extend faxpipeMetrics", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			parts := map[string]string{}
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				k := kv.Key.(*ast.Ident).Name
				if k != "Namespace" && k != "Subsystem" && k != "Name" {
					continue
				}
				bl, ok := kv.Value.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					t.Errorf("%s: %s is not a string literal; extend faxpipeMetrics", fset.Position(kv.Pos()), k)
					continue
				}
				parts[k], _ = strconv.Unquote(bl.Value)
			}
			name := prometheus.BuildFQName(parts["Namespace"], parts["Subsystem"], parts["Name"])
			lbls := map[string]bool{"job": true, "instance": true}
			if strings.HasSuffix(sel.Sel.Name, "Vec") && len(call.Args) > 1 {
				ls, ok := call.Args[1].(*ast.CompositeLit)
				if !ok {
					t.Errorf("%s: labels of %s not a literal; extend faxpipeMetrics", fset.Position(call.Pos()), name)
					return true
				}
				for _, e := range ls.Elts {
					if bl, ok := e.(*ast.BasicLit); ok {
						l, _ := strconv.Unquote(bl.Value)
						lbls[l] = true
					}
				}
			}
			src := fset.Position(call.Pos()).String()
			names := []string{name}
			switch kind {
			case "Histogram": // a classic histogram has no series of its bare name
				names = []string{name + "_sum", name + "_count"}
				bl := map[string]bool{"le": true}
				for l := range lbls {
					bl[l] = true
				}
				out[name+"_bucket"] = metric{labels: bl, source: src}
			case "Summary":
				names = append(names, name+"_sum", name+"_count")
			}
			for _, n := range names {
				out[n] = metric{labels: lbls, source: src}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runtimeMetrics are the Go and process collectors' metrics that pkg/cli/serve.go
// registers beside faxpipe's own, gathered from the real collectors.
func runtimeMetrics(t *testing.T) map[string]metric {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = metric{source: "client_golang collectors"}
	}
	return out
}

// natsExporterMetrics are the metrics of prometheus-nats-exporter that the
// dashboard and rules may use.
//
// JetStream (-jsz=all or -jsz=consumers): the names are constants in
// github.com/nats-io/prometheus-nats-exporter collector/jsz.go (checked at
// commit 0404192e3f2c5b322c01e133bd6b057351fb0775), built with
// prometheus.BuildFQName("jetstream", subsystem, name).
//
// Core server (-varz): collector/collector.go makes one gauge
// gnatsd_varz_<key> for every top-level numeric field of the server's /varz
// JSON (newPrometheusGaugeVec in initMetricsFromServers), so the names are
// derived here from the JSON tags of server.Varz of the nats-server this
// module builds against, keeping only fields that encode as JSON numbers.
func natsExporterMetrics(t *testing.T) map[string]metric {
	t.Helper()
	const src = "prometheus-nats-exporter collector/jsz.go"
	stream := []string{"server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader",
		"account", "account_id", "stream_name", "stream_leader", "is_stream_leader"}
	consumer := append(append([]string{}, stream...), "consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created")
	set := func(ls []string) map[string]bool {
		m := map[string]bool{"job": true, "instance": true}
		for _, l := range ls {
			m[l] = true
		}
		return m
	}
	out := map[string]metric{}
	for _, n := range []string{"server_jetstream_disabled", "server_total_streams", "server_total_consumers",
		"server_total_messages", "server_total_message_bytes", "server_max_memory", "server_max_storage"} {
		out["jetstream_"+n] = metric{labels: set(stream[:6]), source: src}
	}
	for _, n := range []string{"stream_total_messages", "stream_total_bytes", "stream_first_seq", "stream_last_seq", "stream_consumer_count"} {
		out["jetstream_"+n] = metric{labels: set(stream), source: src}
	}
	for _, n := range []string{"consumer_delivered_consumer_seq", "consumer_delivered_stream_seq", "consumer_num_ack_pending",
		"consumer_num_redelivered", "consumer_num_waiting", "consumer_num_pending", "consumer_ack_floor_stream_seq", "consumer_ack_floor_consumer_seq"} {
		out["jetstream_"+n] = metric{labels: set(consumer), source: src}
	}
	vt := reflect.TypeFor[server.Varz]()
	for i := range vt.NumField() {
		f := vt.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			out["gnatsd_varz_"+key] = metric{labels: set([]string{"server_id"}), source: "nats-server server.Varz json tag " + key}
		}
	}
	if _, ok := out["gnatsd_varz_connections"]; !ok {
		t.Fatal("server.Varz has no connections field: the derivation is broken")
	}
	return out
}

// knownMetrics: everything a query may name.
func knownMetrics(t *testing.T) map[string]metric {
	t.Helper()
	known := map[string]metric{
		// Prometheus's own series of its alerts (the dashboard's annotations).
		"ALERTS": {labels: nil, source: "Prometheus"},
	}
	for _, m := range []map[string]metric{faxpipeMetrics(t), runtimeMetrics(t), natsExporterMetrics(t)} {
		for k, v := range m {
			known[k] = v
		}
	}
	return known
}
