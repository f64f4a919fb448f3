package telnyxsim

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

// demoSeed makes the demo key pair. Its public key, DemoPublicKey, is in
// the example configurations; anyone can sign with it, like every demo
// secret: never configure it for a real account.
var demoSeed = sha256.Sum256([]byte("faxpipe demo Telnyx webhook signing key: public, never for a real account"))

// DemoPublicKey is the demo key pair's public key, base64 as Mission
// Control shows one (TestDemoPublicKey checks it).
const DemoPublicKey = "LobeGcxycbKxu+vVnYZx6uLtAbKjWCAseI6GAi9OaME="

// keys are the private keys the simulator signs with, by public key.
var keys sync.Map // string(ed25519.PublicKey) → ed25519.PrivateKey

func init() { register(DemoPrivateKey()) }

// DemoPrivateKey is the private half of DemoPublicKey, public by design
// like every demo secret: what the simulator signs the demo accounts'
// webhooks with, and tests theirs.
func DemoPrivateKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(demoSeed[:]) }

// register keeps priv for signing and returns its public key, base64.
func register(priv ed25519.PrivateKey) string {
	pub := priv.Public().(ed25519.PublicKey) //nolint:forcetypeassert // always an ed25519.PublicKey
	keys.Store(string(pub), priv)
	return base64.StdEncoding.EncodeToString(pub)
}

// GenerateKey makes a new key pair, keeps its private key for this
// process's simulators, and returns its public key, base64: the
// public_key of an account the simulator signs for.
func GenerateKey() (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	return register(priv), nil
}

// signingKey is the private key of acc's public key.
func signingKey(acc *telnyx.Account) (ed25519.PrivateKey, error) {
	pub, err := telnyx.ParsePublicKey(acc.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("telnyxsim: account %q: %w", acc.ID, err)
	}
	k, ok := keys.Load(string(pub))
	if !ok {
		return nil, fmt.Errorf("telnyxsim: account %q: no private key for its public_key (use telnyxsim.DemoPublicKey, or one from telnyxsim.GenerateKey)", acc.ID)
	}
	return k.(ed25519.PrivateKey), nil //nolint:forcetypeassert // only ed25519.PrivateKey is stored
}
