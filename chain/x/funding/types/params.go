package types

import (
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Default parameter values.
const (
	DefaultDenom                      = "uinfer"
	DefaultMinContribution     int64  = 1_000
	DefaultMaxContribution     int64  = 1_000_000_000
	DefaultMaxRoundBlocks      uint32 = 1_000_000
	DefaultMaxProjectsPerRound uint32 = 100
	DefaultPayoutsPerBlock     uint32 = 50
	DefaultMaxTitleLength      uint32 = 128
	DefaultMaxURILength        uint32 = 512
)

// Ceilings: the largest values governance may set, also the limits of the stateless ValidateBasic checks.
const (
	CeilingMaxRoundBlocks      uint32 = 100_000_000
	CeilingMaxProjectsPerRound uint32 = 10_000
	CeilingPayoutsPerBlock     uint32 = 10_000
	CeilingMaxTitleLength      uint32 = 1024
	CeilingMaxURILength        uint32 = 8192
)

// DefaultParams returns the default funding parameters: contributions of at least 1000uinfer, at most
// 1,000,000,000uinfer per account per round, rounds of at most 1,000,000 blocks and 100 projects, 50 projects
// paid per block.
func DefaultParams() Params {
	return Params{
		MinContribution:         sdk.NewInt64Coin(DefaultDenom, DefaultMinContribution),
		MaxContributionPerRound: sdk.NewInt64Coin(DefaultDenom, DefaultMaxContribution),
		MaxRoundBlocks:          DefaultMaxRoundBlocks,
		MaxProjectsPerRound:     DefaultMaxProjectsPerRound,
		PayoutsPerBlock:         DefaultPayoutsPerBlock,
		MaxTitleLength:          DefaultMaxTitleLength,
		MaxUriLength:            DefaultMaxURILength,
	}
}

// Denom is the only denom rounds accept: the denom of min_contribution.
func (p Params) Denom() string { return p.MinContribution.Denom }

// Validate checks every parameter.
func (p Params) Validate() error {
	if err := p.MinContribution.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "params.min_contribution: %v", err)
	}
	if !p.MinContribution.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "params.min_contribution: must be positive")
	}
	if err := p.MaxContributionPerRound.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_contribution_per_round: %v", err)
	}
	if p.MaxContributionPerRound.Denom != p.MinContribution.Denom {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_contribution_per_round: denom %q differs from min_contribution denom %q",
			p.MaxContributionPerRound.Denom, p.MinContribution.Denom)
	}
	if p.MaxContributionPerRound.Amount.LT(p.MinContribution.Amount) {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_contribution_per_round: %s is below min_contribution %s",
			p.MaxContributionPerRound, p.MinContribution)
	}
	// bounded so that sum_sqrt^2 and pool * weight stay far inside math.Int's 256 bits
	if p.MaxContributionPerRound.Amount.GT(math.NewIntWithDecimal(1, 30)) {
		return errorsmod.Wrapf(ErrInvalidParams, "params.max_contribution_per_round: %s is above the ceiling 10^30", p.MaxContributionPerRound.Amount)
	}
	for _, f := range []struct {
		name     string
		val, max uint32
	}{
		{"max_round_blocks", p.MaxRoundBlocks, CeilingMaxRoundBlocks},
		{"max_projects_per_round", p.MaxProjectsPerRound, CeilingMaxProjectsPerRound},
		{"payouts_per_block", p.PayoutsPerBlock, CeilingPayoutsPerBlock},
		{"max_title_length", p.MaxTitleLength, CeilingMaxTitleLength},
		{"max_uri_length", p.MaxUriLength, CeilingMaxURILength},
	} {
		if f.val == 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: must be positive", f.name)
		}
		if f.val > f.max {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: %d is above the ceiling %d", f.name, f.val, f.max)
		}
	}
	return nil
}
