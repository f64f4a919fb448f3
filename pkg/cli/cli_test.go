package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDemoWaitsForTail: the demo's wait for tail counts document
// announcements only, ends as soon as the last expected one is written, and
// gives up with its context.
func TestDemoWaitsForTail(t *testing.T) {
	var out bytes.Buffer
	shown := newDocumentLines(&out)
	lines := []string{
		"2026-12-03T15:12:10Z #1      faxpipe.fax.inbound.received   sfax/demo fax_id=1  1 pages",
		"2026-12-03T15:12:10Z #1      faxpipe.document.stored        sfax/demo fax_id=1  sfax/demo/1.pdf  16438 bytes",
		"2026-12-03T15:12:10Z #2      faxpipe.document.failed        gofax/demo fax_id=2  reason not_found",
	}
	done := make(chan error, 1)
	go func() { done <- shown.await(context.Background(), 2) }()
	for _, l := range lines[:2] {
		_, _ = fmt.Fprintln(shown, l)
	}
	select {
	case err := <-done:
		t.Fatalf("await returned %v after one document of two", err)
	case <-time.After(50 * time.Millisecond):
	}
	_, _ = fmt.Fprintln(shown, lines[2])
	if err := <-done; err != nil {
		t.Fatalf("await: %v", err)
	}
	if got, want := out.String(), strings.Join(lines, "\n")+"\n"; got != want {
		t.Errorf("passed on %q, want %q", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := shown.await(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("await with an ended context: %v, want context.Canceled", err)
	}
}

func TestRedactedURLs(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no credentials", "nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"a password", "nats://faxpipe:s3cret@nats:4222", "nats://xxxxx@nats:4222"},
		{"a cluster", "nats://a:p1@n1:4222, nats://a:p2@n2:4222", "nats://xxxxx@n1:4222,nats://xxxxx@n2:4222"},
		{"unparsable", "nats://a:%zz@n1", "nats://xxxxx@n1"},
		{"a token", "nats://s3cret-token@n1:4222", "nats://xxxxx@n1:4222"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactedURLs(tt.in); got != tt.want {
				t.Errorf("redactedURLs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
