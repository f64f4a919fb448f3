// Package ops is the operators' side of faxpipe's command line: the
// flags and the output of `faxpipe tail` (a live view of events and
// document announcements), `faxpipe replay` (raw callbacks of a time range
// processed again) and `faxpipe rejected` (list, show and re-drive
// rejections). Each command is one function taking the broker connection
// and its arguments; the faxpipe binary wires them.
package ops
