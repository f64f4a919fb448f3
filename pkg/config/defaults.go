package config

import "time"

// Default returns the configuration used where the file and environment are
// silent: an embedded broker on 127.0.0.1:4222 with data in ./data, R1
// streams with finite retention, the ingress on :8080 and the admin server
// on 127.0.0.1:9090.
func Default() Config {
	return Config{
		Pipeline: Pipeline{KeyID: "k1"},
		NATS: NATS{
			Name:          "faxpipe",
			ConnectWait:   5 * time.Second,
			ReconnectWait: time.Second,
			Embedded: Embedded{
				Host: "127.0.0.1", Port: 4222, DataDir: "./data",
				SyncInterval: 2 * time.Minute, // nats-server's own default
				Encryption:   Encryption{Cipher: CipherChaCha},
			},
		},
		Streams: Streams{
			Replicas:        1,
			DuplicateWindow: 10 * time.Minute,
			DedupeTTL:       7 * 24 * time.Hour,
			// Finite everywhere, and small enough for a laptop's disk: the
			// broker reserves every max_bytes against its store limit when
			// it creates the stream. Size them for production from the
			// README's "Retention and sizing".
			Raw:           Retention{MaxAge: 14 * 24 * time.Hour, MaxBytes: 1 << 30},
			Events:        Retention{MaxAge: 90 * 24 * time.Hour, MaxBytes: 512 << 20},
			Documents:     Retention{MaxAge: 90 * 24 * time.Hour, MaxBytes: 128 << 20},
			Rejected:      Retention{MaxAge: 30 * 24 * time.Hour, MaxBytes: 128 << 20},
			DocumentStore: Retention{MaxAge: 90 * 24 * time.Hour, MaxBytes: 2 << 30},
			Forged:        Retention{MaxAge: 7 * 24 * time.Hour, MaxBytes: 32 << 20},
			Audit:         Retention{MaxAge: AuditMaxAge, MaxBytes: 128 << 20},
		},
		Ingress: Ingress{
			Listen:            ":8080",
			BodyLimit:         1 << 20,
			PublishTimeout:    3 * time.Second,
			RetryAfter:        5 * time.Second,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       90 * time.Second,
			ShutdownTimeout:   20 * time.Second,
			MaxPending:        4096,
			RateLimit:         RateLimit{AccountRPS: 200, AccountBurst: 400, ClientRPS: 100, ClientBurst: 200},
		},
		Processor: Processor{Concurrency: 64, MaxDeliver: 10, AckWait: 30 * time.Second, RetryDelay: time.Second},
		Downloader: Downloader{
			Concurrency: 16, ProviderConcurrency: 8, MaxDocumentSize: 50 << 20,
			RequestTimeout: 2 * time.Minute, StallTimeout: 30 * time.Second, NotFoundGrace: 10 * time.Minute,
			RetryBudget: 2 * time.Minute, InitialBackoff: time.Second, MaxBackoff: time.Minute,
			MaxDeliver: 50, AckWait: time.Minute, Format: "pdf",
		},
		Reconciler: Reconciler{
			Interval: 5 * time.Minute, Overlap: time.Hour, Settle: 2 * time.Minute, CatchUp: 6 * 24 * time.Hour,
			Chunk: 6 * time.Hour, LeaseTTL: 30 * time.Second, Memory: 8 * 24 * time.Hour,
			RequestTimeout: 30 * time.Second, InitialBackoff: 5 * time.Second, MaxBackoff: 5 * time.Minute,
		},
		Admin:   Admin{Listen: "127.0.0.1:9090"},
		Log:     Log{Level: "info", Format: "json"},
		Tracing: Tracing{SampleRatio: 1, ServiceName: "faxpipe"},
	}
}
