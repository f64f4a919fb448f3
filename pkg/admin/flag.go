package admin

import (
	"context"
	"errors"
	"sync/atomic"
)

// Flag is a readiness check that fails, saying what is awaited, until Set.
// It is safe for concurrent use; the zero Flag is not usable (see NewFlag).
type Flag struct {
	awaited error
	set     atomic.Bool
}

// NewFlag returns an unset Flag whose check fails with "not ready: awaited".
func NewFlag(awaited string) *Flag { return &Flag{awaited: errors.New("not ready: " + awaited)} }

// Set makes the check pass from now on.
func (f *Flag) Set() { f.set.Store(true) }

// Check is the readiness check (a Check).
func (f *Flag) Check(context.Context) error {
	if f.set.Load() {
		return nil
	}
	return f.awaited
}
