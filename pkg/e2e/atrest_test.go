package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestNothingInClearAtRest runs `faxpipe all` on its embedded nats-server
// with encryption at rest, the simulator sending real faxes of every
// provider, until every event and document has landed; then stops it and
// scans every file under the data directory for what a stolen disk must
// not give away: the phone numbers (E.164 and as the providers write them),
// pieces of every callback as received (body and query), windows of every
// stored document, and the plain subject names. None may be there.
func TestNothingInClearAtRest(t *testing.T) {
	p, all, data := startAllEncrypted(t)
	s := startSim(t, p, sim.Options{Count: 24, Concurrency: 6, Seed: 41, DuplicateRate: 0.1, RetryScale: 0.01})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	js := connect(t, p.natsURL)
	tl := verify(t, r, awaitLanded(t, js, r, 60*time.Second))
	if tl.documents == 0 {
		t.Fatal("no document stored: the scan would not cover documents")
	}
	needles := map[string][]byte{}
	addPhones(needles, r)
	addCallbacks(ctx, t, js, needles)
	addDocuments(ctx, t, js, needles)
	for _, s := range []string{"faxpipe.raw.", "faxpipe.fax.", "faxpipe.document."} {
		needles["subject "+s] = []byte(s)
	}
	all.Stop()
	if !all.Exited() {
		t.Fatal("faxpipe all did not stop")
	}
	files, size := scanForClear(t, data, needles)
	if files < 10 || size < int64(tl.documents)*1000 {
		t.Errorf("scanned %d files, %d bytes, for %d documents: too little to mean anything", files, size, tl.documents)
	}
	t.Logf("scanned %d files (%d bytes) for %d needles: %d events, %d documents", files, size, len(needles), tl.events, tl.documents)
}

// atRestKey is the encryption key of the test's embedded server.
const atRestKey = "e2e-at-rest-key-0123456789abcdef-0123456789"

// startAllEncrypted starts `faxpipe all` with its embedded server's store
// in a data directory of the test, encrypted, and waits until it is ready.
func startAllEncrypted(t *testing.T) (*pipeline, *proc, string) {
	t.Helper()
	p := &pipeline{t: t, dir: t.TempDir(), admin: map[string]string{}}
	p.simAPI = addr(streamtest.FreePort(t))
	data := filepath.Join(p.dir, "data")
	natsPort, ingressPort, adminPort := streamtest.FreePort(t), streamtest.FreePort(t), streamtest.FreePort(t)
	p.natsURL, p.ingressURL, p.admin["all"] = "nats://"+addr(natsPort), "http://"+addr(ingressPort), "http://"+addr(adminPort)
	cfg := strings.Replace(pipelineConfig("", "http://"+p.simAPI), "\nnats:\n",
		"\nnats:\n  embedded:\n    encryption: {cipher: chacha, key: {value: \""+atRestKey+"\"}}\n", 1)
	p.config = filepath.Join(p.dir, "faxpipe.yaml")
	if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	all := startProc(t, "faxpipe all", bins.faxpipe, []string{
		"FAXPIPE_NATS_EMBEDDED_PORT=" + strconv.Itoa(natsPort), "FAXPIPE_NATS_EMBEDDED_DATA_DIR=" + data,
		"FAXPIPE_INGRESS_LISTEN=" + addr(ingressPort), "FAXPIPE_ADMIN_LISTEN=" + addr(adminPort),
	}, "-config", p.config, "all")
	waitHTTP(t, p.admin["all"]+"/readyz", 30*time.Second, all)
	return p, all, data
}

// addPhones adds every number the simulator sent, in E.164 and without
// the '+' (as Sfax and eFax write them, and as GoFax's come percent-encoded).
func addPhones(needles map[string][]byte, r *sim.Report) {
	for _, f := range r.Faxes {
		for _, n := range []string{f.From, f.To} {
			if len(n) > 8 {
				needles["phone "+n] = []byte(n)
				needles["phone "+n[1:]] = []byte(n[1:])
			}
		}
	}
}

// addCallbacks adds pieces of every callback's body and query as the
// ingress received them (read back through NATS, which decrypts).
func addCallbacks(ctx context.Context, t *testing.T, js jetstream.JetStream, needles map[string][]byte) {
	t.Helper()
	n := 0
	for _, m := range readStream(ctx, t, js, fax.RawStream) {
		var e fax.Envelope
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatalf("raw %s: %v", m.Subject(), err)
		}
		for i, w := range windows(append(e.Body, e.Query...), 24, 3) {
			needles["callback "+e.ID+" #"+strconv.Itoa(i)] = w
			n++
		}
	}
	if n == 0 {
		t.Fatal("no callback piece to look for")
	}
}

// addDocuments adds four 32-byte windows of every stored document.
func addDocuments(ctx context.Context, t *testing.T, js jetstream.JetStream, needles map[string][]byte) {
	t.Helper()
	obs, err := js.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	objects, err := obs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range objects {
		r, err := obs.Get(ctx, info.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range windows(b, 32, 4) {
			needles["document "+info.Name+" #"+strconv.Itoa(i)] = w
		}
	}
}

// windows are n pieces of b, size bytes each, spread over it (none when b
// is shorter than size).
func windows(b []byte, size, n int) [][]byte {
	if len(b) < size {
		return nil
	}
	var out [][]byte
	for i := range n {
		at := (len(b) - size) * (i + 1) / (n + 1)
		out = append(out, b[at:at+size])
	}
	return out
}

// scanForClear reports each needle found in a file under dir, and counts
// the files and bytes scanned.
func scanForClear(t *testing.T, dir string, needles map[string][]byte) (files int, size int64) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files, size = files+1, size+int64(len(b))
		for what, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds %s in clear", strings.TrimPrefix(path, dir), what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, size
}
