package monitoring

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	promparser "github.com/prometheus/prometheus/promql/parser"
)

const dashboardFile = "grafana-dashboard.json"

type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

// query is one PromQL expression and where it is.
type query struct{ where, expr string }

// grafanaVars replaces the dashboard's variables with what PromQL parses.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h",
	"$provider", ".*", "$account", ".*", "$job", ".*",
)

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

func dashboardQueries(t *testing.T) (dashboard, []query) {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var qs []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %d %q: no query", p.ID, p.Title)
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %d %q: datasource is not the dashboard's ${datasource} variable", p.ID, p.Title)
			}
			for _, tg := range p.Targets {
				qs = append(qs, query{fmt.Sprintf("panel %d %q %s", p.ID, p.Title, tg.RefID), tg.Expr})
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, s)
			continue
		}
		qs = append(qs, query{"variable " + v.Name, m[1]})
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			qs = append(qs, query{"annotation " + a.Name, a.Expr})
		}
	}
	return d, qs
}

// checkQuery parses one expression and returns what is wrong with the
// metrics it names (every vector selector's name must be known; on a metric
// whose labels are known, every matcher's label must be one of them) and
// the names it uses.
func checkQuery(q query, known map[string]metric) (problems, used []string) {
	expr, err := promparser.NewParser(promparser.Options{}).ParseExpr(grafanaVars.Replace(q.expr))
	if err != nil {
		return []string{fmt.Sprintf("%s: %q: %v", q.where, q.expr, err)}, nil
	}
	promparser.Inspect(expr, func(n promparser.Node, _ []promparser.Node) error {
		vs, ok := n.(*promparser.VectorSelector)
		if !ok {
			return nil
		}
		var names []string
		if vs.Name != "" {
			names = []string{vs.Name}
		} else {
			for _, m := range vs.LabelMatchers {
				if m.Name != model.MetricNameLabel {
					continue
				}
				for k := range known {
					if m.Matches(k) {
						names = append(names, k)
					}
				}
				if len(names) == 0 {
					problems = append(problems, fmt.Sprintf("%s: %s matches no metric faxpipe or the NATS exporter exports", q.where, vs))
				}
			}
		}
		for _, name := range names {
			m, ok := known[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: metric %s is exported neither by faxpipe nor by the NATS exporter", q.where, name))
				continue
			}
			used = append(used, name)
			if m.labels == nil || vs.Name == "" {
				continue
			}
			for _, lm := range vs.LabelMatchers {
				if lm.Name != model.MetricNameLabel && !m.labels[lm.Name] {
					problems = append(problems, fmt.Sprintf("%s: %s has no label %q (%s)", q.where, name, lm.Name, m.source))
				}
			}
		}
		return nil
	})
	return problems, used
}

// TestDashboard: the dashboard parses, and every query of its panels,
// variables and annotations names only metrics faxpipe or the NATS exporter
// exports, with labels they carry.
func TestDashboard(t *testing.T) {
	known := knownMetrics(t)
	d, qs := dashboardQueries(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard without uid or title")
	}
	if len(qs) < 20 {
		t.Fatalf("only %d queries: the dashboard did not decode as expected", len(qs))
	}
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d twice", p.ID)
			}
			ids[p.ID] = true
			walk(p.Panels)
		}
	}
	walk(d.Panels)

	used := map[string]bool{}
	for _, q := range qs {
		problems, u := checkQuery(q, known)
		for _, p := range problems {
			t.Error(p)
		}
		for _, n := range u {
			used[n] = true
		}
	}
	var unused []string
	for n, m := range known {
		if strings.HasPrefix(n, "faxpipe_") && !used[n] && !strings.HasSuffix(n, "_sum") && !strings.HasSuffix(n, "_count") {
			unused = append(unused, n+" ("+m.source+")")
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Logf("faxpipe metrics not on the dashboard: %v", unused)
	}
	t.Logf("%d queries; %d metric names known (%d faxpipe)", len(qs), len(known), countPrefix(known, "faxpipe_"))
}

// TestRuleMetrics: the alert rules name only exported metrics too.
func TestRuleMetrics(t *testing.T) {
	known := knownMetrics(t)
	groups := loadRules(t)
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			problems, _ := checkQuery(query{"rule " + r.Alert, r.Expr}, known)
			for _, p := range problems {
				t.Error(p)
			}
		}
	}
}

// TestFaxpipeMetricsFound guards the source parsing itself: the metrics
// the README documents are found, with their labels.
func TestFaxpipeMetricsFound(t *testing.T) {
	m := faxpipeMetrics(t)
	for name, want := range map[string][]string{
		"faxpipe_ingress_requests_total":                   {"provider", "account", "code"},
		"faxpipe_ingress_publish_duration_seconds_bucket":  {"le"},
		"faxpipe_processor_verification_failures_total":    {"provider", "reason"},
		"faxpipe_processor_consumer_pending":               {},
		"faxpipe_downloader_documents_total":               {"provider", "outcome", "reason"},
		"faxpipe_downloader_fetch_duration_seconds_bucket": {"provider", "le"},
	} {
		got, ok := m[name]
		if !ok {
			t.Errorf("%s not found in the source", name)
			continue
		}
		for _, l := range want {
			if !got.labels[l] {
				t.Errorf("%s: no label %s (%s)", name, l, got.source)
			}
		}
	}
	var names []string
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	t.Logf("faxpipe exports %d series names: %v", len(names), names)
}

func countPrefix(m map[string]metric, p string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, p) {
			n++
		}
	}
	return n
}
