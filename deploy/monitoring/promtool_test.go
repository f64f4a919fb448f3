package monitoring

// A runner for promtool's `test rules` files, through Prometheus's own
// packages: the loop of cmd/promtool/unittest.go (Prometheus v0.316.0, i.e.
// 3.16), which is in package main and so cannot be imported. Supported: the
// file keys rule_files, evaluation_interval, group_eval_order, tests; in a
// test, interval, input_series, alert_rule_test, name. Anything else (such as
// promql_expr_test) is refused by the strict decoding rather than ignored.
// Alerts are compared as promtool compares them: the firing alerts' full
// label and annotation sets, at eval_time.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"go.yaml.in/yaml/v3"
)

type unitTestFile struct {
	RuleFiles          []string       `yaml:"rule_files"`
	EvaluationInterval model.Duration `yaml:"evaluation_interval"`
	GroupEvalOrder     []string       `yaml:"group_eval_order"`
	Tests              []testGroup    `yaml:"tests"`
}

type testGroup struct {
	Name           string          `yaml:"name"`
	Interval       model.Duration  `yaml:"interval"`
	InputSeries    []inputSeries   `yaml:"input_series"`
	AlertRuleTests []alertTestCase `yaml:"alert_rule_test"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTestCase struct {
	EvalTime  model.Duration `yaml:"eval_time"`
	Alertname string         `yaml:"alertname"`
	ExpAlerts []expAlert     `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// readUnitTestFile decodes a promtool test file strictly and resolves its
// rule files against its directory.
func readUnitTestFile(path string) (unitTestFile, error) {
	var f unitTestFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	for i, rf := range f.RuleFiles {
		if !filepath.IsAbs(rf) {
			f.RuleFiles[i] = filepath.Join(filepath.Dir(path), rf)
		}
	}
	if f.EvaluationInterval == 0 {
		f.EvaluationInterval = model.Duration(time.Minute)
	}
	for i := range f.Tests {
		if f.Tests[i].Interval == 0 {
			f.Tests[i].Interval = f.EvaluationInterval
		}
	}
	return f, nil
}

// runUnitTestFile runs every test group of a promtool test file and returns
// the failures, as promtool reports them.
func runUnitTestFile(path string) []error {
	f, err := readUnitTestFile(path)
	if err != nil {
		return []error{err}
	}
	order := map[string]int{}
	for i, g := range f.GroupEvalOrder {
		order[g] = i
	}
	var errs []error
	for i, tg := range f.Tests {
		name := tg.Name
		if name == "" {
			name = fmt.Sprintf("unnamed#%d", i)
		}
		for _, err := range tg.run(time.Duration(f.EvaluationInterval), order, f.RuleFiles) {
			errs = append(errs, fmt.Errorf("%s: test %s: %w", filepath.Base(path), name, err))
		}
	}
	return errs
}

// run is promtool's testGroup.test, alerts only.
func (tg testGroup) run(evalInterval time.Duration, order map[string]int, ruleFiles []string) (errs []error) {
	p := parser.NewParser(parser.Options{})
	var load strings.Builder
	fmt.Fprintf(&load, "load %v\n", shortDuration(tg.Interval))
	for _, s := range tg.InputSeries {
		fmt.Fprintf(&load, "  %v %v\n", s.Series, s.Values)
	}
	suite, err := promqltest.NewLazyLoader(load.String(), promqltest.LazyLoaderOpts{
		EnableAtModifier: true, EnableNegativeOffset: true, Parser: p,
	})
	if err != nil {
		return []error{err}
	}
	defer func() {
		if err := suite.Close(); err != nil {
			errs = append(errs, err)
		}
	}()
	suite.SubqueryInterval = evalInterval

	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(suite.QueryEngine(), suite.Storage()),
		AppendableV2: suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
		Parser:       p,
	})
	groupsMap, lerrs := m.LoadGroups(time.Duration(tg.Interval), labels.EmptyLabels(), "", nil, false, ruleFiles...)
	if lerrs != nil {
		return lerrs
	}
	groups := make([]*rules.Group, 0, len(groupsMap))
	for _, g := range groupsMap {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return order[groups[i].Name()] < order[groups[j].Name()] })
	for _, g := range groups {
		for _, r := range g.Rules() {
			if ar, ok := r.(*rules.AlertingRule); ok {
				ar.SetRestored(true)
			}
		}
	}

	byTime := map[model.Duration][]alertTestCase{}
	var times []model.Duration
	var maxEval model.Duration
	for _, at := range tg.AlertRuleTests {
		if at.Alertname == "" {
			return []error{fmt.Errorf("an alert_rule_test at eval_time %v has no alertname", at.EvalTime)}
		}
		if _, ok := byTime[at.EvalTime]; !ok {
			times = append(times, at.EvalTime)
		}
		byTime[at.EvalTime] = append(byTime[at.EvalTime], at)
		maxEval = max(maxEval, at.EvalTime)
	}
	slices.Sort(times)

	mint := time.Unix(0, 0).UTC()
	maxt := mint.Add(time.Duration(maxEval))
	curr := 0
	for ts := mint; !ts.After(maxt); ts = ts.Add(evalInterval) {
		var evalErrs []error
		suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				evalErrs = append(evalErrs, err)
				return
			}
			for _, g := range groups {
				g.Eval(suite.Context(), ts)
				for _, r := range g.Rules() {
					if r.LastError() != nil {
						evalErrs = append(evalErrs, fmt.Errorf("rule %s at %s: %w", r.Name(), ts.Sub(mint), r.LastError()))
					}
				}
			}
		})
		if len(evalErrs) > 0 {
			return append(errs, evalErrs...)
		}
		// As promtool: alerts expected at t are compared with the evaluation
		// at ts where ts <= t < ts+evalInterval.
		for curr < len(times) && ts.Sub(mint) <= time.Duration(times[curr]) && time.Duration(times[curr]) < ts.Add(evalInterval).Sub(mint) {
			t := times[curr]
			got := map[string][]string{}
			for _, g := range groups {
				for _, r := range g.Rules() {
					ar, ok := r.(*rules.AlertingRule)
					if !ok {
						continue
					}
					for _, a := range ar.ActiveAlerts() {
						if a.State == rules.StateFiring {
							got[ar.Name()] = append(got[ar.Name()], alertString(a.Labels, a.Annotations))
						}
					}
				}
			}
			for _, tc := range byTime[t] {
				var exp []string
				for _, a := range tc.ExpAlerts {
					lbls := map[string]string{labels.AlertName: tc.Alertname}
					for k, v := range a.ExpLabels {
						lbls[k] = v
					}
					exp = append(exp, alertString(labels.FromMap(lbls), labels.FromMap(a.ExpAnnotations)))
				}
				g := got[tc.Alertname]
				slices.Sort(exp)
				slices.Sort(g)
				if !slices.Equal(exp, g) {
					errs = append(errs, fmt.Errorf("alertname %s, time %v:\n  exp: %s\n  got: %s",
						tc.Alertname, tc.EvalTime, listString(exp), listString(g)))
				}
			}
			curr++
		}
	}
	return errs
}

func alertString(l, a labels.Labels) string {
	return "labels " + l.String() + " annotations " + a.String()
}

func listString(s []string) string {
	if len(s) == 0 {
		return "[] (not firing)"
	}
	return "[\n    " + strings.Join(s, ",\n    ") + "\n  ]"
}

func shortDuration(d model.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
