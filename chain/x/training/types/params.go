package types

import errorsmod "cosmossdk.io/errors"

// DefaultParams: a day of 5 s blocks to train, runs up to 100k steps of 64 x 2048 tokens, 16 datasets, LoRA rank
// up to 256.
func DefaultParams() Params {
	return Params{DeadlineBlocks: 17_280, MaxSteps: 100_000, MaxDatasets: 16, MaxSeqLen: 2048, MaxBatchSize: 64, MaxLoraRank: 256}
}

// CeilingParams are the largest values governance may set and the limits of the state-independent ValidateBasic.
func CeilingParams() Params {
	return Params{DeadlineBlocks: 1_000_000, MaxSteps: 10_000_000, MaxDatasets: 256, MaxSeqLen: 131_072, MaxBatchSize: 4096, MaxLoraRank: 4096}
}

// Validate checks that every parameter is positive and at most its ceiling.
func (p Params) Validate() error {
	c := CeilingParams()
	for _, f := range []struct {
		name     string
		val, max uint64
	}{
		{"deadline_blocks", p.DeadlineBlocks, c.DeadlineBlocks},
		{"max_steps", p.MaxSteps, c.MaxSteps},
		{"max_datasets", uint64(p.MaxDatasets), uint64(c.MaxDatasets)},
		{"max_seq_len", uint64(p.MaxSeqLen), uint64(c.MaxSeqLen)},
		{"max_batch_size", uint64(p.MaxBatchSize), uint64(c.MaxBatchSize)},
		{"max_lora_rank", uint64(p.MaxLoraRank), uint64(c.MaxLoraRank)},
	} {
		if f.val == 0 || f.val > f.max {
			return errorsmod.Wrapf(ErrInvalidParams, "%s: %d must be in [1, %d]", f.name, f.val, f.max)
		}
	}
	return nil
}
