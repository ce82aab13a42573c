package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Default parameter values.
const (
	DefaultFeeDenom                  = "uinfer"
	DefaultDeadlineBlocks     uint32 = 20
	DefaultMaxAttempts        uint32 = 3
	DefaultMaxPromptBytes     uint32 = 16384
	DefaultMaxTokensLimit     uint32 = 1024
	DefaultMaxOutputTextBytes uint32 = 65536
	DefaultMaxMissedDeadlines uint32 = 3

	DefaultAuditProbability         = "0.050000000000000000"
	DefaultCommitteeSize     uint32 = 3
	DefaultQuorum            uint32 = 2
	DefaultCommitBlocks      uint32 = 10
	DefaultRevealBlocks      uint32 = 10
	DefaultSlashFraction            = "0.050000000000000000"
	DefaultVerifierReward    int64  = 100
	DefaultMaxVerifierMisses uint32 = 3

	DefaultJailDurationSeconds     uint64 = 600     // x/slashing's default downtime jail
	DefaultTombstoneCooldownBlocks uint64 = 100_800 // about a week of 6 s blocks
	DefaultRetentionBlocks         uint64 = 100_800
	DefaultMaxRejectionsPerWindow  uint32 = 20
	DefaultRejectionWindowBlocks   uint32 = 100
	DefaultMaxOutputBytesPerToken  uint32 = 32
	DefaultAuditMaxDeferBlocks     uint32 = 10
)

// Sampling limits of a request (not params: they bound what the sidecar engine accepts).
const (
	MaxTemperatureMilli uint32 = 5000
	MaxTopK             uint32 = 1000
)

// Ceilings: the largest values governance may set. They also bound the state-independent ValidateBasic checks
// (which cannot read the current params): a message within the current params is within the ceilings.
const (
	CeilingDeadlineBlocks     uint32 = 100_000
	CeilingMaxAttempts        uint32 = 100
	CeilingMaxPromptBytes     uint32 = 1 << 20
	CeilingMaxTokensLimit     uint32 = 1 << 16
	CeilingMaxOutputTextBytes uint32 = 4 << 20
	CeilingCommitteeSize      uint32 = 100
	CeilingAuditBlocks        uint32 = 100_000
	CeilingJailDuration       uint64 = 365 * 24 * 3600
	CeilingBytesPerToken      uint32 = 1024
)

// MinQuorum is the least quorum governance may set: one verifier alone (a bug, a bribe) must never slash.
const MinQuorum uint32 = 2

// DefaultParams returns the default inference parameters: fee 1000uinfer + 10uinfer per token, 20 blocks per
// attempt, 3 attempts, shares executor 0.70 / publisher 0.10 / verifiers 0.10 / community 0.10; audits: 5% of
// results, committee of 3 with quorum 2, 10 blocks to commit then 10 to reveal, 5% slashed on fraud,
// 100uinfer per revealed verdict, jailed after 3 consecutive unrevealed verdicts.
func DefaultParams() Params {
	return Params{
		BaseFee:            sdk.NewInt64Coin(DefaultFeeDenom, 1000),
		FeePerToken:        sdk.NewInt64Coin(DefaultFeeDenom, 10),
		DeadlineBlocks:     DefaultDeadlineBlocks,
		MaxAttempts:        DefaultMaxAttempts,
		ExecutorShare:      "0.700000000000000000",
		PublisherShare:     "0.100000000000000000",
		VerifierShare:      "0.100000000000000000",
		CommunityShare:     "0.100000000000000000",
		MaxPromptBytes:     DefaultMaxPromptBytes,
		MaxTokensLimit:     DefaultMaxTokensLimit,
		MaxOutputTextBytes: DefaultMaxOutputTextBytes,
		MaxMissedDeadlines: DefaultMaxMissedDeadlines,
		AuditProbability:   DefaultAuditProbability,
		CommitteeSize:      DefaultCommitteeSize,
		Quorum:             DefaultQuorum,
		CommitBlocks:       DefaultCommitBlocks,
		RevealBlocks:       DefaultRevealBlocks,
		SlashFraction:      DefaultSlashFraction,
		VerifierReward:     sdk.NewInt64Coin(DefaultFeeDenom, DefaultVerifierReward),
		MaxVerifierMisses:  DefaultMaxVerifierMisses,

		JailDurationSeconds:     DefaultJailDurationSeconds,
		TombstoneCooldownBlocks: DefaultTombstoneCooldownBlocks,
		RetentionBlocks:         DefaultRetentionBlocks,
		MaxRejectionsPerWindow:  DefaultMaxRejectionsPerWindow,
		RejectionWindowBlocks:   DefaultRejectionWindowBlocks,
		MaxOutputBytesPerToken:  DefaultMaxOutputBytesPerToken,
		AuditMaxDeferBlocks:     DefaultAuditMaxDeferBlocks,
		PossessionEpochBlocks:   DefaultPossessionEpochBlocks,
		PossessionLeaves:        DefaultPossessionLeaves,
		PossessionWindowBlocks:  DefaultPossessionWindowBlocks,
		LineageRoyaltyShare:     DefaultLineageRoyaltyShare,
		LineageMaxDepth:         DefaultLineageMaxDepth,
		LineageMaxNodes:         DefaultLineageMaxNodes,
	}
}

// validateSecurity checks the params of jailing, tombstones, retention, rejections and output bounds.
func (p Params) validateSecurity() error {
	if p.JailDurationSeconds > CeilingJailDuration {
		return errorsmod.Wrapf(ErrInvalidParams, "params.jail_duration_seconds: %d is above the ceiling %d (a year)", p.JailDurationSeconds, CeilingJailDuration)
	}
	if p.MaxRejectionsPerWindow > 0 && p.RejectionWindowBlocks == 0 {
		return errorsmod.Wrapf(ErrInvalidParams, "params.rejection_window_blocks: must be positive when max_rejections_per_window is set (%d)", p.MaxRejectionsPerWindow)
	}
	if p.RejectionWindowBlocks > CeilingAuditBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "params.rejection_window_blocks: %d is above the ceiling %d", p.RejectionWindowBlocks, CeilingAuditBlocks)
	}
	if p.MaxOutputBytesPerToken == 0 {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_output_bytes_per_token: must be positive")
	}
	if p.MaxOutputBytesPerToken > CeilingBytesPerToken {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_output_bytes_per_token: %d is above the ceiling %d", p.MaxOutputBytesPerToken, CeilingBytesPerToken)
	}
	if p.AuditMaxDeferBlocks > CeilingAuditBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "params.audit_max_defer_blocks: %d is above the ceiling %d", p.AuditMaxDeferBlocks, CeilingAuditBlocks)
	}
	return nil
}

// parseFraction parses a decimal param that must lie in [0, 1].
func parseFraction(name, val string) (math.LegacyDec, error) {
	d, err := math.LegacyNewDecFromStr(val)
	if err != nil {
		return math.LegacyDec{}, errorsmod.Wrapf(ErrInvalidParams, "params.%s: %q is not a decimal: %v", name, val, err)
	}
	if d.IsNegative() || d.GT(math.LegacyOneDec()) {
		return math.LegacyDec{}, errorsmod.Wrapf(ErrInvalidParams, "params.%s: %s is not in [0, 1]", name, d)
	}
	return d, nil
}

// AuditProbabilityDec parses audit_probability (a decimal in [0, 1]).
func (p Params) AuditProbabilityDec() (math.LegacyDec, error) {
	return parseFraction("audit_probability", p.AuditProbability)
}

// SlashFractionDec parses slash_fraction (a decimal in [0, 1]).
func (p Params) SlashFractionDec() (math.LegacyDec, error) {
	return parseFraction("slash_fraction", p.SlashFraction)
}

// validateAudit checks the audit params.
func (p Params) validateAudit() error {
	if _, err := p.AuditProbabilityDec(); err != nil {
		return err
	}
	if _, err := p.SlashFractionDec(); err != nil {
		return err
	}
	if p.Quorum < MinQuorum {
		return errorsmod.Wrapf(ErrInvalidParams, "params.quorum: %d is below %d: a single verifier must never be able to slash", p.Quorum, MinQuorum)
	}
	if p.CommitteeSize < p.Quorum {
		return errorsmod.Wrapf(ErrInvalidParams, "params.committee_size: %d is below the quorum %d", p.CommitteeSize, p.Quorum)
	}
	if p.CommitteeSize > CeilingCommitteeSize {
		return errorsmod.Wrapf(ErrInvalidParams, "params.committee_size: %d is above the ceiling %d", p.CommitteeSize, CeilingCommitteeSize)
	}
	for _, f := range []struct {
		name string
		val  uint32
	}{{"commit_blocks", p.CommitBlocks}, {"reveal_blocks", p.RevealBlocks}} {
		if f.val == 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: must be positive", f.name)
		}
		if f.val > CeilingAuditBlocks {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: %d is above the ceiling %d", f.name, f.val, CeilingAuditBlocks)
		}
	}
	if err := p.VerifierReward.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "params.verifier_reward: %v", err)
	}
	if p.VerifierReward.Denom != p.BaseFee.Denom {
		return errorsmod.Wrapf(ErrInvalidParams, "params.verifier_reward: denom %q differs from base_fee denom %q", p.VerifierReward.Denom, p.BaseFee.Denom)
	}
	return nil
}

// Shares are the parsed fee shares of the params.
type Shares struct {
	Executor, Publisher, Verifier, Community math.LegacyDec
}

// ParseShares parses and checks the four shares: each a decimal in [0, 1], summing to exactly 1.
func (p Params) ParseShares() (Shares, error) {
	var s Shares
	var sum math.LegacyDec = math.LegacyZeroDec()
	for _, f := range []struct {
		name string
		val  string
		dst  *math.LegacyDec
	}{
		{"executor_share", p.ExecutorShare, &s.Executor},
		{"publisher_share", p.PublisherShare, &s.Publisher},
		{"verifier_share", p.VerifierShare, &s.Verifier},
		{"community_share", p.CommunityShare, &s.Community},
	} {
		d, err := math.LegacyNewDecFromStr(f.val)
		if err != nil {
			return Shares{}, errorsmod.Wrapf(ErrInvalidParams, "params.%s: %q is not a decimal: %v", f.name, f.val, err)
		}
		if d.IsNegative() || d.GT(math.LegacyOneDec()) {
			return Shares{}, errorsmod.Wrapf(ErrInvalidParams, "params.%s: %s is not in [0, 1]", f.name, d)
		}
		*f.dst = d
		sum = sum.Add(d)
	}
	if !sum.Equal(math.LegacyOneDec()) {
		return Shares{}, errorsmod.Wrapf(ErrInvalidParams, "params: executor_share + publisher_share + verifier_share + community_share must be exactly 1, got %s", sum)
	}
	return s, nil
}

// MinFee is the least max_fee a request for maxTokens tokens must escrow: base_fee + fee_per_token * maxTokens.
func (p Params) MinFee(maxTokens uint32) sdk.Coin {
	return sdk.NewCoin(p.BaseFee.Denom, p.BaseFee.Amount.Add(p.FeePerToken.Amount.MulRaw(int64(maxTokens))))
}

// Validate checks every parameter.
func (p Params) Validate() error {
	if err := p.BaseFee.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "params.base_fee: %v", err)
	}
	if err := p.FeePerToken.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "params.fee_per_token: %v", err)
	}
	if p.FeePerToken.Denom != p.BaseFee.Denom {
		return errorsmod.Wrapf(ErrInvalidParams, "params.fee_per_token: denom %q differs from base_fee denom %q", p.FeePerToken.Denom, p.BaseFee.Denom)
	}
	for _, f := range []struct {
		name     string
		val, max uint32
	}{
		{"deadline_blocks", p.DeadlineBlocks, CeilingDeadlineBlocks},
		{"max_attempts", p.MaxAttempts, CeilingMaxAttempts},
		{"max_prompt_bytes", p.MaxPromptBytes, CeilingMaxPromptBytes},
		{"max_tokens_limit", p.MaxTokensLimit, CeilingMaxTokensLimit},
		{"max_output_text_bytes", p.MaxOutputTextBytes, CeilingMaxOutputTextBytes},
	} {
		if f.val == 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: must be positive", f.name)
		}
		if f.val > f.max {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: %d is above the ceiling %d", f.name, f.val, f.max)
		}
	}
	if _, err := p.ParseShares(); err != nil {
		return err
	}
	if err := p.validateLineage(); err != nil {
		return err
	}
	if err := p.validateAudit(); err != nil {
		return err
	}
	if err := p.validateSecurity(); err != nil {
		return err
	}
	return p.validatePossession()
}

// String implements fmt.Stringer for logs.
func (s Shares) String() string {
	return fmt.Sprintf("executor=%s publisher=%s verifier=%s community=%s", s.Executor, s.Publisher, s.Verifier, s.Community)
}
