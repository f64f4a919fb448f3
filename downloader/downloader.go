// Package downloader fetches received faxes' documents from provider APIs,
// stores them and announces them. Until it is built (issue 4) it starts,
// says so, and idles, so that `faxpipe all` already runs the whole shape of
// the pipeline.
package downloader

import (
	"context"

	"go.uber.org/zap"
)

// Downloader is the document fetcher.
type Downloader struct {
	log *zap.Logger
}

// New returns the downloader.
func New(log *zap.Logger) *Downloader { return &Downloader{log: log} }

// Run idles until ctx ends.
func (d *Downloader) Run(ctx context.Context) error {
	d.log.Warn("downloader is not built yet: no document is fetched")
	<-ctx.Done()
	return nil
}
