package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bins are the binaries every test runs, built once by TestMain.
var bins struct {
	faxpipe, natsServer string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faxpipe-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := buildAndRun(m, dir)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func buildAndRun(m *testing.M, dir string) int {
	bins.faxpipe = filepath.Join(dir, "faxpipe")
	bins.natsServer = filepath.Join(dir, "nats-server")
	for _, b := range []struct{ out, pkg string }{
		{bins.faxpipe, "github.com/faxpipe/faxpipe"},
		{bins.natsServer, "github.com/nats-io/nats-server/v2"},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: go build %s: %v\n%s", b.pkg, err, out)
			return 1
		}
	}
	return m.Run()
}

// proc is one running binary owned by a test: its output is kept and shown
// when the test fails; t.Cleanup stops it.
type proc struct {
	t    testing.TB
	name string
	path string
	args []string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// startProc starts path with args and env (added to this process's).
func startProc(t testing.TB, name, path string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, path: path, args: args, env: env, out: &lockedBuffer{}}
	p.start()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("---- %s output ----\n%s", name, p.out.tail(16<<10))
		}
	})
	return p
}

func (p *proc) start() {
	p.t.Helper()
	if err := p.tryStart(); err != nil {
		p.t.Fatal(err)
	}
}

// tryStart is start for goroutines other than the test's, which must not
// fail the test: it returns the error.
func (p *proc) tryStart() error {
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	return nil
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *proc) Kill() { p.signal(syscall.SIGKILL, 10*time.Second) }

// Stop sends SIGTERM and waits up to 20 s, then kills.
func (p *proc) Stop() {
	if !p.signal(syscall.SIGTERM, 20*time.Second) {
		p.Kill()
	}
}

// Pause and Resume freeze and thaw the process (SIGSTOP, SIGCONT).
func (p *proc) Pause()  { p.signal(syscall.SIGSTOP, 0) }
func (p *proc) Resume() { p.signal(syscall.SIGCONT, 0) }

// signal sends sig and, if wait > 0, reports whether the process ended
// within wait.
func (p *proc) signal(sig syscall.Signal, wait time.Duration) bool {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return true
	}
	_ = cmd.Process.Signal(sig)
	if wait == 0 {
		return true
	}
	select {
	case <-done:
		return true
	case <-time.After(wait):
		return false
	}
}

// Restart starts the process again with the same arguments; it must have
// ended.
func (p *proc) Restart() {
	p.t.Helper()
	if err := p.TryRestart(); err != nil {
		p.t.Fatal(err)
	}
}

// TryRestart is Restart for goroutines other than the test's (fault
// injectors), which must not fail the test: it returns the error.
func (p *proc) TryRestart() error {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	<-done
	_, _ = fmt.Fprintf(p.out, "\n---- restarted at %s ----\n", time.Now().Format(time.RFC3339Nano))
	return p.tryStart()
}

// Exited reports whether the process has ended.
func (p *proc) Exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// PID is the process id of the current run.
func (p *proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Output is everything the process wrote so far.
func (p *proc) Output() string { return p.out.String() }

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitHTTP polls url until it answers 200 or timeout passes; a process
// that exits meanwhile fails the test at once.
func waitHTTP(t testing.TB, url string, timeout time.Duration, p *proc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for ctx.Err() == nil {
		if p != nil && p.Exited() {
			t.Fatalf("%s exited before %s answered\n%s", p.name, url, p.out.tail(8<<10))
		}
		if httpOK(ctx, url) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not 200 within %s", url, timeout)
}

func httpOK(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// httpGet is the body of a GET of url.
func httpGet(url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
