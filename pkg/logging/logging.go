// Package logging builds faxpipe's zap loggers and the fields that keep
// personal data out of logs at info level.
package logging

import (
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a logger writing to w at level ("debug", "info", …) in format
// "json" or "console".
func New(w io.Writer, level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	encCfg.EncodeDuration = zapcore.StringDurationEncoder // "1.5s", not 1.5
	enc := zapcore.NewJSONEncoder(encCfg)
	if format == "console" {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl) // w need not be safe for concurrent use
	// The caller costs a stack walk per line, one per callback at info; it
	// is worth it only when debugging.
	var opts []zap.Option
	if lvl == zapcore.DebugLevel {
		opts = append(opts, zap.AddCaller())
	}
	return zap.New(core, opts...), nil
}

// Phone is a log field for a phone number: in full only when log debugs,
// else masked to its last four digits (see MaskPhone), because at info level
// logs leave the building and a fax number is personal data.
func Phone(log *zap.Logger, key, number string) zap.Field {
	if log.Core().Enabled(zapcore.DebugLevel) {
		return zap.String(key, number)
	}
	return zap.String(key, MaskPhone(number))
}

// MaskPhone replaces every digit but the last four with '*':
// "+1-555-555-1212" → "+*-***-***-1212".
func MaskPhone(number string) string {
	b := []byte(number)
	keep := 4
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '0' || b[i] > '9' {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		b[i] = '*'
	}
	return string(b)
}
