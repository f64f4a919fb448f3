// Package ops is the operators' side of faxpipe's command line: the
// flags and the output of `faxpipe tail` (a live view of events and
// document announcements), `faxpipe replay` (raw callbacks of a time range
// processed again), `faxpipe rejected` (list, show and re-drive
// rejections) and `faxpipe audit` (the access audit trail). Phone numbers
// and callback bodies are masked unless asked for (--reveal), and asking
// is recorded in the audit trail first. Each command is one function taking the broker connection
// and its arguments; the faxpipe binary wires them.
package ops
