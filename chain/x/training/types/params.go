package types

import (
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Audit defaults: a training job is rarer and dearer than an inference job, so a larger share is replayed
// (10 %); a replay of one interval takes about 1/n of the training, hence the longer commit window (10 min of
// 5 s blocks) than inference's.
const (
	DefaultAuditProbability = "0.100000000000000000"
	DefaultCommitteeSize    = 3
	DefaultQuorum           = 2
	DefaultCommitBlocks     = 120
	DefaultRevealBlocks     = 60
	DefaultSlashFraction    = "0.050000000000000000"
	DefaultFeeDenom         = "uinfer"
	DefaultVerifierReward   = 100
	// MaxCommitteeSize bounds committee_size (each member is a replay).
	MaxCommitteeSize = 16
	// MaxAuditBlocks bounds commit_blocks and reveal_blocks.
	MaxAuditBlocks = 100_000
)

// DefaultParams: a day of 5 s blocks to train, runs up to 100k steps of 64 x 2048 tokens, 16 datasets, LoRA rank
// up to 256.
func DefaultParams() Params {
	return Params{
		DeadlineBlocks: 17_280, MaxSteps: 100_000, MaxDatasets: 16, MaxSeqLen: 2048, MaxBatchSize: 64, MaxLoraRank: 256,
		AuditProbability: DefaultAuditProbability, CommitteeSize: DefaultCommitteeSize, Quorum: DefaultQuorum,
		CommitBlocks: DefaultCommitBlocks, RevealBlocks: DefaultRevealBlocks, SlashFraction: DefaultSlashFraction,
		VerifierReward: sdk.NewInt64Coin(DefaultFeeDenom, DefaultVerifierReward),
	}
}

// CeilingParams are the largest values governance may set and the limits of the state-independent ValidateBasic.
func CeilingParams() Params {
	return Params{DeadlineBlocks: 1_000_000, MaxSteps: 10_000_000, MaxDatasets: 256, MaxSeqLen: 131_072, MaxBatchSize: 4096, MaxLoraRank: 4096,
		CommitteeSize: MaxCommitteeSize, CommitBlocks: MaxAuditBlocks, RevealBlocks: MaxAuditBlocks}
}

// Validate checks that every parameter is positive and at most its ceiling, the fractions are decimals in
// [0, 1], 1 <= quorum <= committee_size, and verifier_reward is a valid coin.
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
		{"committee_size", uint64(p.CommitteeSize), uint64(c.CommitteeSize)},
		{"commit_blocks", p.CommitBlocks, c.CommitBlocks},
		{"reveal_blocks", p.RevealBlocks, c.RevealBlocks},
		{"max_lora_rank", uint64(p.MaxLoraRank), uint64(c.MaxLoraRank)},
	} {
		if f.val == 0 || f.val > f.max {
			return errorsmod.Wrapf(ErrInvalidParams, "%s: %d must be in [1, %d]", f.name, f.val, f.max)
		}
	}
	if p.Quorum == 0 || p.Quorum > p.CommitteeSize {
		return errorsmod.Wrapf(ErrInvalidParams, "quorum: %d must be in [1, committee_size %d]", p.Quorum, p.CommitteeSize)
	}
	if _, err := p.AuditProbabilityDec(); err != nil {
		return err
	}
	if _, err := p.SlashFractionDec(); err != nil {
		return err
	}
	if err := p.VerifierReward.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "verifier_reward: %v", err)
	}
	return nil
}
