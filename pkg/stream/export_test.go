package stream

// Batches is how many batches b has sent.
func (b *Batcher) Batches() int64 { return b.batches.Load() }
