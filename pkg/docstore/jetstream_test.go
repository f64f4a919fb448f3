package docstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/docstore/docstoretest"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestJetStream runs the conformance test on the JetStream object store.
func TestJetStream(t *testing.T) {
	docstoretest.Run(t, func(t *testing.T) docstore.Store {
		ns := streamtest.Start(t)
		conn := streamtest.Connect(t, ns, config.Default().Streams)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := docstore.OpenJetStream(ctx, conn.JS, stream.DocumentBucket)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
