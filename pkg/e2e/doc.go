// Package e2e holds faxpipe's end-to-end and reliability suites. They run
// the real binaries — faxpipe and a nats-server built from the module
// faxpipe depends on — as separate processes on loopback, drive them with
// the provider simulator (pkg/tools/sim), kill and restart them, and then read
// back from JetStream what landed. The package has no non-test code beyond
// this comment: everything lives in its _test.go files.
//
// `go test ./pkg/e2e` runs the short versions (part of `make test`);
// `make soak` runs the long ones (FAXPIPE_SOAK=1).
package e2e
