package docfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error answer is read (for the message).
const maxErrorBody = 4 << 10

// StatusError is an HTTP answer other than 2xx. RetryAfter is what the
// provider asked us to wait (Retry-After), zero when it did not say.
type StatusError struct {
	Code       int
	RetryAfter time.Duration
	Message    string // the start of the body, for logs
}

// Error describes the answer.
func (e *StatusError) Error() string {
	s := "provider answered HTTP " + strconv.Itoa(e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Get sends a GET of url with header (a document or a listing request)
// and returns the answer when it is 2xx;
// any other answer is read (a little), closed and returned as a
// *StatusError. The caller closes the body of a 2xx answer.
func Get(ctx context.Context, hc *http.Client, url string, header http.Header, now time.Time) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("provider API request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("provider API request: %w", redactURL(err))
	}
	if err := CheckStatus(resp, now); err != nil {
		return nil, err
	}
	return resp, nil
}

// CheckStatus returns nil for a 2xx answer. Otherwise it reads up to 4 KiB
// of the body, closes it and returns a *StatusError.
func CheckStatus(resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &StatusError{
		Code:       resp.StatusCode,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), now),
		Message:    strings.TrimSpace(strings.ToValidUTF8(string(b), "")),
	}
}

// ParseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// as a wait from now; zero when absent, unreadable or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redactURL drops the query string (tokens, API keys) from the URL a
// *url.Error names, so that the error can be logged.
func redactURL(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		if u, perr := neturl.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			ue.URL = u.String()
		}
	}
	return err
}

// JoinURL appends path (starting with '/') to base without doubling the
// slash, so a base URL may carry a path prefix (a simulator's).
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + path
}
