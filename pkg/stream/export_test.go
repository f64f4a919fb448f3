package stream

// Batches is how many batches b has sent.
func (b *Batcher) Batches() int64 { return b.batches.Load() }

// BeforeBatch has b's sender run f each time it takes a batch, before it
// checks who still waits.
func BeforeBatch(b *Batcher, f func()) { b.beforeBatch = f }
