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

// PanicError is a panic turned into an error: "handler panicked: <value>",
// wrapping ErrPanic. The stack is kept for the logs, not in the message,
// which may end in a rejection record or a Term reason.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("%v: %v", ErrPanic, e.Value) }
func (e *PanicError) Unwrap() error { return ErrPanic }

// Recover turns a panic in next into a *PanicError, so that one bad
// message cannot stop a service: it is retried like any failure and,
// repeated, ends under Poison.
func Recover(next Handler) Handler {
	return func(ctx context.Context, m jetstream.Msg) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		return next(ctx, m)
	}
}
