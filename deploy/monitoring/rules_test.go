package monitoring

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

const (
	rulesFile          = "faxpipe.rules.yml"
	prometheusRuleFile = "prometheusrule.yaml"
)

var ruleTestFiles = []string{"faxpipe.rules.test.yml", "faxpipe.rules.weekly.test.yml"}

var update = flag.Bool("update", false, "rewrite prometheusrule.yaml from faxpipe.rules.yml")

// TestAlertRules runs the promtool unit tests of the rules.
func TestAlertRules(t *testing.T) {
	for _, f := range ruleTestFiles {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			for _, err := range runUnitTestFile(f) {
				t.Error(err)
			}
		})
	}
}

// TestEveryAlertTested: every alerting rule (an alert name with its static
// labels, so each FaxpipeConsumerLagGrowing rule counts) has a test where it
// fires and one where it does not.
func TestEveryAlertTested(t *testing.T) {
	groups := loadRules(t)
	type cases struct{ firing, quiet bool }
	var tests []alertTestCase
	for _, f := range ruleTestFiles {
		utf, err := readUnitTestFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range utf.Tests {
			tests = append(tests, tg.AlertRuleTests...)
		}
	}
	n := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			var c cases
			for _, tc := range tests {
				if tc.Alertname != r.Alert {
					continue
				}
				if len(tc.ExpAlerts) == 0 {
					c.quiet = true
				}
				for _, a := range tc.ExpAlerts {
					if containsAll(a.ExpLabels, r.Labels) {
						c.firing = true
					}
				}
			}
			if !c.firing || !c.quiet {
				t.Errorf("alert %s %v: tested firing %v, tested quiet %v; want both", r.Alert, r.Labels, c.firing, c.quiet)
			}
			for _, k := range []string{"summary", "description", "runbook"} {
				if r.Annotations[k] == "" {
					t.Errorf("alert %s %v: no %s annotation", r.Alert, r.Labels, k)
				}
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("alert %s: severity %q", r.Alert, s)
			}
		}
	}
	if n == 0 {
		t.Fatal("no alerting rules")
	}
}

func containsAll(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// loadRules parses the rules file as Prometheus does (rulefmt: the
// expressions and templates are checked).
func loadRules(t *testing.T) *rulefmt.RuleGroups {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(b, false, model.UTF8Validation, parser.NewParser(parser.Options{}), promslog.NewNopLogger())
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	return groups
}

// prometheusRule is the Prometheus Operator's PrometheusRule around the rule
// groups of faxpipe.rules.yml, as that file has them.
func prometheusRule(t *testing.T) []byte {
	t.Helper()
	var rules struct {
		Groups []yaml.Node `yaml:"groups"`
	}
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	for i := range rules.Groups {
		stripComments(&rules.Groups[i])
	}
	doc := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "PrometheusRule",
		"metadata": map[string]any{
			"name":   "faxpipe",
			"labels": map[string]string{"app.kubernetes.io/name": "faxpipe", "app.kubernetes.io/component": "alerts"},
		},
		"spec": map[string]any{"groups": rules.Groups},
	}
	var out bytes.Buffer
	out.WriteString("# Generated from faxpipe.rules.yml by\n#   go test ./deploy/monitoring -run TestPrometheusRule -update\n# Do not edit: edit faxpipe.rules.yml and regenerate (the test checks they agree).\n")
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}

// TestPrometheusRule: prometheusrule.yaml is generated from the rules file,
// byte for byte, and its spec decodes to the same rule groups.
func TestPrometheusRule(t *testing.T) {
	want := prometheusRule(t)
	if *update {
		if err := os.WriteFile(prometheusRuleFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(prometheusRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not generated from %s: run go test ./deploy/monitoring -run TestPrometheusRule -update", prometheusRuleFile, rulesFile)
	}

	// Independently of the generator: the same groups, rule by rule.
	var pr struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Spec       struct {
			Groups []rulefmt.RuleGroup `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(got, &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("%s: %s %s, want monitoring.coreos.com/v1 PrometheusRule", prometheusRuleFile, pr.APIVersion, pr.Kind)
	}
	plain := loadRules(t)
	if a, b := fmt.Sprint(plain.Groups), fmt.Sprint(pr.Spec.Groups); a != b {
		t.Errorf("rule groups differ:\n%s\n%s", a, b)
	}
	var names []string
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
		}
	}
	t.Logf("%d alerting rules: %v", len(names), slices.Compact(slices.Sorted(maps.Keys(setOf(names)))))
}

func setOf(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}
