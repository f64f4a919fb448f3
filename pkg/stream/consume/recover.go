package consume

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrPanic is the error of a handler that panicked.
var ErrPanic = errors.New("handler panicked")

// Recover turns a panic in next into an error wrapping ErrPanic (with the
// stack), so that one bad message cannot stop a service: it is retried
// like any failure and, repeated, ends under Poison.
func Recover(next Handler) Handler {
	return func(ctx context.Context, m jetstream.Msg) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %v\n%s", ErrPanic, r, debug.Stack())
			}
		}()
		return next(ctx, m)
	}
}
