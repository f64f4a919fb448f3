package stream

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// setEncryption turns on JetStream's encryption at rest in opts when e has
// a key.
func setEncryption(opts *server.Options, e config.Encryption) error {
	if !e.Key.IsSet() {
		return nil
	}
	switch e.Cipher {
	case config.CipherChaCha, "":
		opts.JetStreamCipher = server.ChaCha
	case config.CipherAES:
		opts.JetStreamCipher = server.AES
	default:
		return &config.FieldError{Field: "nats.embedded.encryption.cipher", Msg: fmt.Sprintf("unknown cipher %q", e.Cipher)}
	}
	opts.JetStreamKey = e.Key.Reveal()
	opts.JetStreamOldKey = e.PreviousKey.Reveal()
	return nil
}

// checkStreamsLoaded fails when a stream directory of cfg's data directory
// did not load. nats-server only logs a stream it cannot decrypt and goes
// on without it; faxpipe would then create an empty stream of that name
// over the data.
func checkStreamsLoaded(srv *server.Server, cfg config.Embedded) error {
	onDisk, err := filepath.Glob(filepath.Join(cfg.DataDir, server.JetStreamStoreDir, "*", "streams", "*"))
	if err != nil {
		return err
	}
	info, err := srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true})
	if err != nil {
		return fmt.Errorf("embedded nats-server: list streams: %w", err)
	}
	loaded := map[string]bool{}
	for _, a := range info.AccountDetails {
		for _, s := range a.Streams {
			loaded[a.Name+"/"+s.Name] = true
		}
	}
	var missing []string
	for _, dir := range onDisk {
		name, account := filepath.Base(dir), filepath.Base(filepath.Dir(filepath.Dir(dir)))
		if strings.HasPrefix(name, ".") { // being deleted
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() && !loaded[account+"/"+name] {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return &config.FieldError{Field: "nats.embedded.encryption.key", Msg: fmt.Sprintf(
		"the embedded nats-server could not load the streams %s of %s: they were most likely encrypted with another key, or the key is missing; "+
			"configure the key they were written with (as previous_key while rotating to a new key)", strings.Join(missing, ", "), cfg.DataDir)}
}
