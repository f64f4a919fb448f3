package processor

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// recoverPanics turns a panic in next into an error, so that one bad message
// cannot stop the processor; repeated, it ends as a rejection (rejectPoison).
func recoverPanics(next handler) handler {
	return func(ctx context.Context, m rawMsg) (out reprocess.Outcome, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %v\n%s", errPanic, r, debug.Stack())
			}
		}()
		return next(ctx, m)
	}
}
