// Command faxpipe receives fax providers' webhooks and turns them into a
// durable, verified, deduplicated event stream on NATS JetStream. Its
// commands live in pkg/cli; `faxpipe help` lists them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/faxpipe/faxpipe/pkg/cli"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "faxpipe:", err)
		os.Exit(1)
	}
}

// run is the whole program (cli.Run): the tests start faxpipe through it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cli.Run(ctx, args, getenv, stdout, stderr)
}
