package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// These tests keep asyncapi.yaml true to the code: the topology, the subjects
// the code builds, the reasons, the schema files and its own references.

type object = map[string]any

// loadAsyncAPI returns asyncapi.yaml as JSON values (objects, arrays,
// strings, json.Number, bool), ready for JSON pointers and jsonschema.
func loadAsyncAPI(t *testing.T) object {
	t.Helper()
	b, err := os.ReadFile("asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(b, &y); err != nil {
		t.Fatalf("asyncapi.yaml: %v", err)
	}
	j, err := json.Marshal(y)
	if err != nil {
		t.Fatalf("asyncapi.yaml is not JSON-compatible: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return obj(t, doc, "asyncapi.yaml")
}

// obj is v as an object, or fails the test naming what v is.
func obj(t *testing.T, v any, what string) object {
	t.Helper()
	m, ok := v.(object)
	if !ok {
		t.Fatalf("%s is %T, want an object", what, v)
	}
	return m
}

// at walks doc along keys, following a $ref at every step; nil if absent.
func at(doc object, node any, keys ...string) any {
	for _, k := range keys {
		m, ok := deref(doc, node).(object)
		if !ok {
			return nil
		}
		node = m[k]
	}
	return deref(doc, node)
}

// deref follows node's local $ref ("#/…"), if it has one.
func deref(doc object, node any) any {
	m, ok := node.(object)
	if !ok {
		return node
	}
	ref, ok := m["$ref"].(string)
	if !ok || !strings.HasPrefix(ref, "#/") {
		return node
	}
	v, _ := pointer(doc, ref)
	return v
}

// pointer resolves the local JSON pointer ref ("#/a/b") in doc.
func pointer(doc object, ref string) (any, error) {
	var node any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := node.(object)
		if !ok || m[tok] == nil {
			return nil, fmt.Errorf("$ref %s: no %q", ref, tok)
		}
		node = m[tok]
	}
	return node, nil
}

func str(v any) string { s, _ := v.(string); return s }

func strs(v any) []string {
	var out []string
	for _, e := range asSlice(v) {
		out = append(out, str(e))
	}
	return out
}

// refOf is the $ref of v, or "" if it has none.
func refOf(v any) string { m, _ := v.(object); return str(m["$ref"]) }

func asSlice(v any) []any { s, _ := v.([]any); return s }

func keys(v any) []string {
	m, _ := v.(object)
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// walkRefs calls fn with every $ref in node and where it is.
func walkRefs(node any, where string, fn func(where, ref string)) {
	switch n := node.(type) {
	case object:
		if ref, ok := n["$ref"].(string); ok {
			fn(where, ref)
		}
		for _, k := range keys(n) {
			walkRefs(n[k], where+"/"+k, fn)
		}
	case []any:
		for i, e := range n {
			walkRefs(e, fmt.Sprintf("%s/%d", where, i), fn)
		}
	}
}

var paramPattern = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// addressRegexp turns a channel address into a regexp with one named group
// per parameter, each matching one subject token.
func addressRegexp(address string) *regexp.Regexp {
	var b strings.Builder
	last := 0
	for _, m := range paramPattern.FindAllStringSubmatchIndex(address, -1) {
		b.WriteString(regexp.QuoteMeta(address[last:m[0]]))
		fmt.Fprintf(&b, `(?P<%s>[^.]+)`, address[m[2]:m[3]])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(address[last:]))
	return regexp.MustCompile("^" + b.String() + "$")
}

// subjectMatches reports whether NATS subject matches filter (with * and >).
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s), tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}

// sampleSubject fills each parameter of a channel's address with its first
// enum value or example.
func sampleSubject(doc object, ch object) string {
	return paramPattern.ReplaceAllStringFunc(str(ch["address"]), func(p string) string {
		param := at(doc, ch, "parameters", strings.Trim(p, "{}"))
		for _, k := range []string{"enum", "examples"} {
			if vs := strs(at(doc, param, k)); len(vs) > 0 {
				return vs[0]
			}
		}
		return "x"
	})
}

func TestAsyncAPIDocument(t *testing.T) {
	doc := loadAsyncAPI(t)
	def := config.Default()
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"asyncapi version", doc["asyncapi"], "3.0.0"},
		{"title", at(doc, doc, "info", "title"), "faxpipe"},
		{"version", at(doc, doc, "info", "version"), "1.0.0"},
		{"default content type", doc["defaultContentType"], "application/json"},
		{"object store", at(doc, doc, "info", "x-jetstream-object-store", "bucket"), fax.DocumentBucket},
		{"embedded server host", at(doc, doc, "servers", "embedded", "host"),
			fmt.Sprintf("%s:%d", def.NATS.Embedded.Host, def.NATS.Embedded.Port)},
		{"embedded server protocol", at(doc, doc, "servers", "embedded", "protocol"), "nats"},
		{"cluster server host", at(doc, doc, "servers", "cluster", "host"), "nats:4222"},
		{"cluster server protocol", at(doc, doc, "servers", "cluster", "protocol"), "nats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := str(tt.got); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	desc := str(at(doc, doc, "info", "description"))
	for _, name := range []string{fax.DocumentBucket, "streams.dedupe_ttl"} {
		if !strings.Contains(desc, name) {
			t.Errorf("info.description does not mention %s", name)
		}
	}
}

// TestAsyncAPIChannelsMatchTopology checks that every channel lies in the
// stream it names, and that every stream of the topology has a channel.
func TestAsyncAPIChannelsMatchTopology(t *testing.T) {
	doc := loadAsyncAPI(t)
	topo := stream.NewTopology(config.Default().Streams)
	covered := map[string]bool{}
	channels := obj(t, doc["channels"], "channels")
	for _, id := range keys(channels) {
		t.Run(id, func(t *testing.T) {
			ch := obj(t, at(doc, channels, id), "channels."+id)
			address, name := str(ch["address"]), str(ch["x-jetstream-stream"])
			prefix, _, _ := strings.Cut(address, "{")
			var found []string
			for _, sc := range topo.Streams {
				for _, subj := range sc.Subjects {
					if strings.TrimSuffix(subj, ">") == prefix && subjectMatches(subj, sampleSubject(doc, ch)) {
						found = append(found, sc.Name)
					}
				}
			}
			if len(found) != 1 || found[0] != name {
				t.Fatalf("address %q lies in streams %v, want exactly x-jetstream-stream %q", address, found, name)
			}
			covered[name] = true
			if !strings.Contains(str(ch["description"]), name) {
				t.Errorf("description does not name stream %s", name)
			}
			var inAddress []string
			for _, m := range paramPattern.FindAllStringSubmatch(address, -1) {
				inAddress = append(inAddress, m[1])
			}
			slices.Sort(inAddress)
			if got := keys(ch["parameters"]); !slices.Equal(got, inAddress) {
				t.Errorf("parameters %v, want those of the address %v", got, inAddress)
			}
			for _, p := range inAddress {
				if str(at(doc, ch, "parameters", p, "description")) == "" {
					t.Errorf("parameter %s: no description (or a $ref that does not resolve)", p)
				}
			}
		})
	}
	for _, sc := range topo.Streams {
		if !covered[sc.Name] {
			t.Errorf("stream %s has no channel", sc.Name)
		}
	}
}

// TestAsyncAPISubjectsOfCode checks the subjects the code publishes on
// against the channel addresses and their parameters' enums.
func TestAsyncAPISubjectsOfCode(t *testing.T) {
	doc := loadAsyncAPI(t)
	ev := fax.Event{Provider: fax.EFax, Account: "acme", Channel: fax.ChannelSMS, Direction: fax.Outbound, Outcome: fax.OutcomeDelivered}
	rej := fax.Rejected{Provider: fax.Sfax, Account: "acme", Reason: fax.ReasonTokenExpired}
	tests := []struct {
		name, channel, subject string
		want                   bool
	}{
		{"raw envelope", "raw", fax.RawSubject(fax.GoFax, "acme"), true},
		{"event", "events", ev.Subject(), true},
		{"rejection", "rejected", rej.Subject(), true},
		{"rejection of an unknown provider", "rejected", "faxpipe.rejected.unknown.unknown.unknown_provider", true},
		{"stored document", "documents", "faxpipe.documents.efax.acme.stored", true},
		{"forged record", "forged", fax.ForgedSubject(fax.EFax, "acme"), true},
		{"forged record of no provider", "forged", "faxpipe.forged.nofax.acme", false},
		{"event missing its outcome", "events", "faxpipe.events.efax.acme.fax.inbound", false},
		{"event of no direction", "events", "faxpipe.events.efax.acme.fax.sideways.received", false},
		{"raw of no provider", "raw", "faxpipe.raw.nofax.acme", false},
		{"rejection of no reason", "rejected", "faxpipe.rejected.sfax.acme.bored", false},
		{"document of no status", "documents", "faxpipe.documents.efax.acme.lost", false},
		{"document read", "audit", audit.DocumentRead.Subject(), true},
		{"events revealed", "audit", audit.EventsReveal.Subject(), true},
		{"rejection revealed", "audit", audit.RejectedReveal.Subject(), true},
		{"audit of no verb", "audit", "faxpipe.audit.document", false},
		{"audit of an unknown verb", "audit", "faxpipe.audit.document.shred", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := at(doc, doc, "channels", tt.channel)
			re := addressRegexp(str(at(doc, ch, "address")))
			m := re.FindStringSubmatch(tt.subject)
			ok := m != nil
			for i, p := range re.SubexpNames() {
				if enum := strs(at(doc, ch, "parameters", p, "enum")); ok && i > 0 && len(enum) > 0 {
					ok = slices.Contains(enum, m[i])
				}
			}
			if ok != tt.want {
				t.Errorf("%s on channel %s (%s): accepted %v, want %v", tt.subject, tt.channel, re, ok, tt.want)
			}
		})
	}
}

// jsonEnum reads an enum out of one of the schema files.
func jsonEnum(t *testing.T, file, ptr string) []string {
	t.Helper()
	b, err := fs.ReadFile(FS, file)
	if err != nil {
		t.Fatal(err)
	}
	var s object
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	v, err := pointer(s, ptr)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return strs(v)
}

// names converts typed string constants to strings.
func names[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// providerNames are the names of the registry's providers, in its order.
func providerNames() []string {
	var out []string
	for _, s := range provider.Sims {
		out = append(out, string(s.Spec().Name))
	}
	return out
}

func TestAsyncAPIParameterEnums(t *testing.T) {
	doc := loadAsyncAPI(t)
	tests := []struct {
		name, channel, param string
		want                 []string
	}{
		{"raw provider = fax providers", "raw", "provider", providerNames()},
		{"raw provider = envelope schema", "raw", "provider", jsonEnum(t, "raw-callback.v1.json", "#/properties/provider/enum")},
		{"event provider", "events", "provider", providerNames()},
		{"document provider", "documents", "provider", providerNames()},
		{"channel", "events", "channel", names(fax.ChannelFax, fax.ChannelSMS)},
		{"channel = event schema", "events", "channel", jsonEnum(t, "fax-event.v1.json", "#/$defs/data/properties/channel/enum")},
		{"direction", "events", "direction", names(fax.Inbound, fax.Outbound)},
		{"direction = event schema", "events", "direction", jsonEnum(t, "fax-event.v1.json", "#/$defs/data/properties/direction/enum")},
		{"outcome", "events", "outcome", names(fax.OutcomeReceived, fax.OutcomeDelivered, fax.OutcomeFailed, fax.OutcomePing)},
		{"outcome = event schema", "events", "outcome", jsonEnum(t, "fax-event.v1.json", "#/$defs/data/properties/outcome/enum")},
		{"status", "documents", "status", []string{"stored", "failed"}},
		{"reason = fax.Reasons", "rejected", "reason", names(fax.Reasons...)},
		{"reason = rejected schema", "rejected", "reason", jsonEnum(t, "rejected.v1.json", "#/properties/reason/enum")},
		// A rejection keeps whatever provider token its raw subject had.
		{"rejected provider is open", "rejected", "provider", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strs(at(doc, doc, "channels", tt.channel, "parameters", tt.param, "enum"))
			if !slices.Equal(got, tt.want) {
				t.Errorf("enum of %s.%s = %v, want %v (same order)", tt.channel, tt.param, got, tt.want)
			}
		})
	}
}

// TestAsyncAPIRefs checks every $ref: local pointers resolve, files are
// schemas of FS that compile, and every schema of FS is referenced.
func TestAsyncAPIRefs(t *testing.T) {
	doc := loadAsyncAPI(t)
	used := map[string]bool{}
	walkRefs(doc, "#", func(where, ref string) {
		switch file, isFile := strings.CutPrefix(ref, "./"); {
		case strings.HasPrefix(ref, "#/"):
			if _, err := pointer(doc, ref); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		case isFile:
			used[file] = true
			if _, err := fs.Stat(FS, file); err != nil {
				t.Errorf("%s: $ref %s is not in schemas.FS: %v", where, ref, err)
			} else if _, err := Compile(file); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		default:
			t.Errorf("%s: $ref %q is neither #/… nor ./file.json", where, ref)
		}
	})
	names, err := fs.Glob(FS, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !used[name] {
			t.Errorf("schema %s is referenced by no message payload of asyncapi.yaml", name)
		}
	}
}

func TestAsyncAPIMessages(t *testing.T) {
	doc := loadAsyncAPI(t)
	tests := []struct {
		message, channel, payloadRef string
	}{
		{"RawCallback", "raw", "./raw-callback.v1.json"},
		{"FaxEvent", "events", "./fax-event.v1.json"},
		{"Rejected", "rejected", "./rejected.v1.json"},
		{"Forged", "forged", "./forged.v1.json"},
		{"DocumentAnnouncement", "documents", "./fax-document.v1.json"},
		{"AuditRecord", "audit", "./audit.v1.json"},
	}
	var want []string
	for _, tt := range tests {
		want = append(want, tt.message)
		t.Run(tt.message, func(t *testing.T) {
			msg, ok := at(doc, doc, "components", "messages", tt.message).(object)
			if !ok {
				t.Fatalf("components.messages.%s missing", tt.message)
			}
			if got := str(at(doc, msg, "payload", "$ref")); got != tt.payloadRef {
				t.Errorf("payload $ref = %q, want %q", got, tt.payloadRef)
			}
			// A callback's raw message has no Nats-Msg-Id (ingress.Server.publish);
			// the reconciler's API envelopes on the same channel do.
			if required := slices.Contains(strs(at(doc, msg, "headers", "required")), "Nats-Msg-Id"); required != (tt.message != "RawCallback") {
				t.Errorf("Nats-Msg-Id required: %t, want %t", required, !required)
			}
			if str(at(doc, msg, "headers", "properties", "Nats-Msg-Id", "description")) == "" {
				t.Error("headers do not describe Nats-Msg-Id")
			}
			var onChannel []string
			for _, m := range obj(t, at(doc, doc, "channels", tt.channel, "messages"), tt.channel+".messages") {
				onChannel = append(onChannel, refOf(m))
			}
			if ref := "#/components/messages/" + tt.message; !slices.Contains(onChannel, ref) {
				t.Errorf("channel %s carries %v, want %s", tt.channel, onChannel, ref)
			}
		})
	}
	slices.Sort(want)
	if got := keys(at(doc, doc, "components", "messages")); !slices.Equal(got, want) {
		t.Errorf("components.messages = %v, want %v", got, want)
	}
	for _, id := range keys(doc["channels"]) {
		for name, m := range obj(t, at(doc, doc, "channels", id, "messages"), id+".messages") {
			if ref := refOf(m); !strings.HasPrefix(ref, "#/components/messages/") || at(doc, m) == nil {
				t.Errorf("channels.%s.messages.%s = %q, want a message of components.messages", id, name, ref)
			}
		}
	}
}

func TestAsyncAPIOperations(t *testing.T) {
	doc := loadAsyncAPI(t)
	type use struct{ service, action, channel string }
	var got []use
	used := map[string]bool{}
	ops := obj(t, doc["operations"], "operations")
	for _, id := range keys(ops) {
		op := obj(t, ops[id], "operations."+id)
		chRef := refOf(op["channel"])
		channel, _ := strings.CutPrefix(chRef, "#/channels/")
		if at(doc, doc, "channels", channel) == nil {
			t.Errorf("operation %s: channel %q does not resolve", id, chRef)
		}
		if a := str(op["action"]); a != "send" && a != "receive" {
			t.Errorf("operation %s: action %q", id, a)
		}
		msgs := asSlice(op["messages"])
		if len(msgs) == 0 {
			t.Errorf("operation %s: no messages", id)
		}
		for _, m := range msgs {
			ref := refOf(m)
			if !strings.HasPrefix(ref, chRef+"/messages/") || at(doc, m) == nil {
				t.Errorf("operation %s: message %q is not one of its channel %s", id, ref, chRef)
			}
		}
		used[channel] = true
		got = append(got, use{str(op["x-faxpipe-service"]), str(op["action"]), channel})
	}
	for _, id := range keys(doc["channels"]) {
		if !used[id] {
			t.Errorf("channel %s is used by no operation", id)
		}
	}
	for _, want := range []use{
		{"ingress", "send", "raw"},
		{"ingress", "send", "forged"},
		{"reconciler", "send", "raw"},
		{"processor", "receive", "raw"},
		{"processor", "send", "events"},
		{"processor", "send", "rejected"},
		{"downloader", "receive", "events"},
		{"downloader", "send", "documents"},
		{"downstream", "receive", "events"},
		{"downstream", "receive", "documents"},
		{"downstream", "send", "audit"},
		{"tools", "send", "audit"},
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no operation where %s %ss on %s", want.service, want.action, want.channel)
		}
	}
	cc := stream.ProcessorConsumer(time.Second, 1)
	consumer := at(doc, ops, "processorReceiveRaw", "x-jetstream-consumer")
	if g, w := str(at(doc, consumer, "durable")), cc.Durable; g != w {
		t.Errorf("processor consumer durable = %q, want %q", g, w)
	}
	if g, w := str(at(doc, consumer, "filter_subject")), cc.FilterSubject; g != w {
		t.Errorf("processor consumer filter = %q, want %q", g, w)
	}
}

// compileInline compiles a schema written inside asyncapi.yaml (AsyncAPI
// schemas are a superset of JSON Schema draft-07).
func compileInline(t *testing.T, name string, schema any) *jsonschema.Schema {
	t.Helper()
	url := "https://faxpipe.dev/asyncapi/" + name
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource(url, schema); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// payloadSchema compiles a message's payload: its ./file.json or inline.
func payloadSchema(t *testing.T, name string, payload any) *jsonschema.Schema {
	t.Helper()
	if file, ok := strings.CutPrefix(refOf(payload), "./"); ok {
		s, err := Compile(file)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return compileInline(t, name+"/payload", payload)
}

// TestAsyncAPIExamples validates every message example against the
// message's header and payload schemas and its channel's address.
func TestAsyncAPIExamples(t *testing.T) {
	doc := loadAsyncAPI(t)
	channelOf := map[string]string{}
	for _, id := range keys(doc["channels"]) {
		for _, m := range obj(t, at(doc, doc, "channels", id, "messages"), id+".messages") {
			channelOf[strings.TrimPrefix(refOf(m), "#/components/messages/")] = id
		}
	}
	msgs := obj(t, at(doc, doc, "components", "messages"), "components.messages")
	for _, name := range keys(msgs) {
		t.Run(name, func(t *testing.T) {
			msg := obj(t, msgs[name], "components.messages."+name)
			headers := compileInline(t, name+"/headers", msg["headers"])
			payload := payloadSchema(t, name, msg["payload"])
			address := addressRegexp(str(at(doc, doc, "channels", channelOf[name], "address")))
			examples := asSlice(msg["examples"])
			if len(examples) == 0 && refOf(msg["payload"]) != "" {
				t.Fatal("no example: a message with a schema file must show one")
			}
			for _, ex := range examples {
				ex := obj(t, ex, name+" example")
				if err := headers.Validate(ex["headers"]); err != nil {
					t.Errorf("example %s headers: %v", str(ex["name"]), err)
				}
				if err := payload.Validate(ex["payload"]); err != nil {
					t.Errorf("example %s payload: %v", str(ex["name"]), err)
				}
				if subj := str(ex["x-subject"]); !address.MatchString(subj) {
					t.Errorf("example %s x-subject %q is not on %s", str(ex["name"]), subj, address)
				}
			}
		})
	}
}

// example returns the first example of message name: its subject, its
// Nats-Msg-Id header and its payload decoded into T.
func example[T any](t *testing.T, doc object, name string) (subject, msgID string, payload T) {
	t.Helper()
	ex, _ := at(doc, doc, "components", "messages", name, "examples").([]any)
	if len(ex) == 0 {
		t.Fatalf("%s has no example", name)
	}
	b, err := json.Marshal(at(doc, ex[0], "payload"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &payload); err != nil {
		t.Fatalf("%s example: %v", name, err)
	}
	return str(at(doc, ex[0], "x-subject")), str(at(doc, ex[0], "headers", "Nats-Msg-Id")), payload
}

// TestAsyncAPIExamplesAreWhatTheCodeSends recomputes each example's subject
// and Nats-Msg-Id the way the code does.
func TestAsyncAPIExamplesAreWhatTheCodeSends(t *testing.T) {
	doc := loadAsyncAPI(t)
	type check struct{ what, got, want string }
	tests := []struct {
		name   string
		checks func() []check
	}{
		{"RawCallback", func() []check {
			subject, msgID, env := example[fax.Envelope](t, doc, "RawCallback")
			return []check{
				{"Nats-Msg-Id", msgID, ""},
				{"subject", subject, env.Subject()},
			}
		}},
		{"FaxEvent", func() []check {
			subject, msgID, ce := example[struct {
				ID, Type, Source, Subject string
				Data                      fax.Event
			}](t, doc, "FaxEvent")
			return []check{
				{"Nats-Msg-Id", msgID, ce.ID},
				{"id", ce.ID, ce.Data.ID()},
				{"type", ce.Type, ce.Data.Type()},
				{"source", ce.Source, ce.Data.Source()},
				{"cloudevent subject", ce.Subject, ce.Data.FaxID},
				{"subject", subject, ce.Data.Subject()},
			}
		}},
		{"AuditRecord", func() []check {
			subject, msgID, r := example[audit.Record](t, doc, "AuditRecord")
			return []check{
				{"Nats-Msg-Id", msgID, r.ID},
				{"subject", subject, r.Action.Subject()},
				{"valid", fmt.Sprint(r.Validate()), "<nil>"},
			}
		}},
		{"Rejected", func() []check {
			subject, msgID, r := example[fax.Rejected](t, doc, "Rejected")
			_, _, env := example[fax.Envelope](t, doc, "RawCallback") // the callback it rejects
			if r.Envelope != nil || r.Raw != nil {
				t.Error("example copies the raw callback; a rejection references it")
			}
			want := fax.NewRejected(fax.RawMessage{Envelope: &env, StreamSeq: r.RawSeq}, r.Reason, r.RejectedAt)
			return []check{
				{"Nats-Msg-Id", msgID, "rejected-" + string(r.Reason) + "-" + r.RawID},
				{"subject", subject, r.Subject()},
				{"raw_id", r.RawID, want.RawID},
				{"received_at", r.ReceivedAt.String(), want.ReceivedAt.String()},
				{"body_size", fmt.Sprint(r.BodySize), fmt.Sprint(want.BodySize)},
				{"body_sha256", r.BodySHA256, want.BodySHA256},
			}
		}},
		{"Forged", func() []check {
			subject, msgID, f := example[fax.Forged](t, doc, "Forged")
			return []check{
				{"Nats-Msg-Id", msgID, f.ID},
				{"subject", subject, f.Subject()},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.checks() {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestAsyncAPIRejectedMsgID checks the Nats-Msg-Id pattern of rejections
// against every reason and both forms the processor uses.
func TestAsyncAPIRejectedMsgID(t *testing.T) {
	doc := loadAsyncAPI(t)
	headers := compileInline(t, "Rejected/headers", at(doc, doc, "components", "messages", "Rejected", "headers"))
	const envID = "01890f5e-2b4c-7d3e-8f00-0123456789ab"
	type test struct {
		name, msgID string
		valid       bool
	}
	tests := []test{
		{"undecodable raw message", "rejected-malformed-seq-42", true},
		{"unknown reason", "rejected-bored-" + envID, false},
		{"no reason", "rejected-" + envID, false},
		{"bare envelope id", envID, false},
	}
	for _, r := range fax.Reasons {
		tests = append(tests, test{"envelope " + string(r), "rejected-" + string(r) + "-" + envID, true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := headers.Validate(object{"Nats-Msg-Id": tt.msgID})
			if (err == nil) != tt.valid {
				t.Errorf("Nats-Msg-Id %q: error %v, want valid %v", tt.msgID, err, tt.valid)
			}
		})
	}
}
