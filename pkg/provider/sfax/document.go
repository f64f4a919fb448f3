package sfax

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// maxErrorJSON bounds the JSON error answer read from a 2xx.
const maxErrorJSON = 64 << 10

// documentClient downloads inbound faxes through the Sfax API.
type documentClient struct {
	accounts map[string]Account
	opts     docfetch.Options
}

// NewDocumentClient returns the docfetch.Client of the Sfax accounts. Each
// request carries a token generated for it (EncryptToken with the account's
// credentials, GenDT now). It fails on a repeated account id, or on an
// account whose API credentials the process did not load.
func NewDocumentClient(accounts []Account, opts docfetch.Options) (docfetch.Client, error) {
	byID, err := providerdef.Index(accounts, func(a Account) (Account, error) { return a, a.requireAPISecrets() })
	if err != nil {
		return nil, err
	}
	return &documentClient{accounts: byID, opts: opts}, nil
}

// Fetch downloads GET {api_base_url}/api/DownloadInboundFaxAsPdf (AsTif for
// TIFF) and returns the file. Sfax answers its errors as JSON
// {"isSuccess":false,"message":…}, even with a 200 [lib]: such an answer is
// docfetch.ErrRefused.
func (c *documentClient) Fetch(ctx context.Context, req docfetch.Request) (io.ReadCloser, error) {
	acc, ok := c.accounts[req.Event.Account]
	if !ok {
		return nil, fmt.Errorf("sfax account %q: %w", req.Event.Account, docfetch.ErrUnknownAccount)
	}
	u, err := c.documentURL(acc, req)
	if err != nil {
		return nil, err
	}
	resp, err := docfetch.Get(ctx, c.opts.HTTP, u, nil, c.opts.Clock()())
	if err != nil {
		return nil, err
	}
	body := bufio.NewReaderSize(resp.Body, 512)
	if err := refusal(body); err != nil {
		_ = resp.Body.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{body, resp.Body}, nil
}

// documentURL is the download URL of req with a fresh token.
func (c *documentClient) documentURL(acc Account, req docfetch.Request) (string, error) {
	tok, err := EncryptToken(Token{Username: acc.Username, APIKey: acc.APIKey.Reveal(), GenDT: c.opts.Clock()()},
		[]byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
	if err != nil {
		return "", fmt.Errorf("sfax token: %w", err)
	}
	op := "/api/DownloadInboundFaxAsPdf"
	if req.Format == docfetch.TIFF {
		op = "/api/DownloadInboundFaxAsTif"
	}
	q := url.Values{"token": {tok}, "ApiKey": {acc.APIKey.Reveal()}, "FaxId": {req.Event.FaxID}}
	return docfetch.JoinURL(acc.APIBaseURL, op) + "?" + q.Encode(), nil
}

// refusal peeks at body: a document never starts with '{', an Sfax error
// always does. It returns ErrRefused with the provider's message, or
// ErrMalformed for a JSON answer that is not an Sfax result.
func refusal(body *bufio.Reader) error {
	if b, err := body.Peek(1); err != nil || b[0] != '{' {
		return nil // an empty or failing body shows up when it is read
	}
	var res struct {
		IsSuccess *bool  `json:"isSuccess"`
		Message   string `json:"message"`
	}
	if err := json.NewDecoder(io.LimitReader(body, maxErrorJSON)).Decode(&res); err != nil {
		return fmt.Errorf("sfax answered JSON that does not read: %w: %w", docfetch.ErrMalformed, err)
	}
	if res.IsSuccess != nil && !*res.IsSuccess {
		return fmt.Errorf("sfax: %q: %w", res.Message, docfetch.ErrRefused)
	}
	return fmt.Errorf("sfax answered JSON instead of a document: %w", docfetch.ErrMalformed)
}
