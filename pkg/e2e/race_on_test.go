//go:build race

package e2e

// raceEnabled: the test binary runs under the race detector, which slows
// the in-process simulator several times over.
const raceEnabled = true
