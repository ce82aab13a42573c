package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// The fraud and reward paths of inference audits, for other modules' audits (x/training's replay audits): the
// same slashing (from recorded power, at the infraction height), jailing, deactivation, verifier-miss counting
// and verifier pool as an inference fraud verdict, so a cheater is punished the same whichever job it forged.

// CurrentEntropy returns the entropy accumulator of this block (entropy.go). Modules whose EndBlocker runs after
// x/inference's read this block's value; it depends on every block hash so far.
func (k Keeper) CurrentEntropy(ctx context.Context) ([]byte, error) { return k.Entropy.Get(ctx) }

// ValidatorPower is the consensus power of a validator now (0 when it is unknown).
func (k Keeper) ValidatorPower(ctx context.Context, val sdk.ValAddress) int64 {
	v, err := k.stakingKeeper.Validator(ctx, val)
	if err != nil || v == nil {
		return 0
	}
	return v.GetConsensusPower(k.stakingKeeper.PowerReduction(ctx))
}

// PunishFraud slashes fraction of the stake the executor's validator had at infractionHeight (power recorded
// then), jails it for x/inference's jail_duration_seconds and deactivates its executor with reason (+ what was
// done). It returns the tokens burned and a note when nothing could be slashed; slashing and jailing never fail.
func (k Keeper) PunishFraud(ctx context.Context, valoper string, infractionHeight, power int64, fraction math.LegacyDec, what, reason string) (math.Int, string, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p, err := k.GetParams(ctx)
	if err != nil {
		return math.ZeroInt(), "", err
	}
	slashed, note := k.slashValidator(sdkCtx, fraction, valoper, infractionHeight, power, what)
	valBz, err := k.validatorAddressCodec.StringToBytes(valoper)
	if err != nil {
		return slashed, note, err
	}
	jailNote := k.jail(sdkCtx, p, valBz, 0)
	bondDenom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return slashed, note, err
	}
	full := fmt.Sprintf("deactivated: %s; slashed %s; %s", reason, sdk.NewCoin(bondDenom, slashed), jailNote)
	if note != "" {
		full += "; " + note
	}
	return slashed, note, k.deactivateExecutor(sdkCtx, valoper, full)
}

// PayVerifierReward pays want (or what x/inference's verifier pool holds, if less) to an account from the pool.
func (k Keeper) PayVerifierReward(ctx context.Context, to sdk.AccAddress, want sdk.Coin) (sdk.Coin, error) {
	return k.payFromPool(sdk.UnwrapSDKContext(ctx), to, want)
}

// CountVerifierMiss counts a missed audit for a committee member (jailed and deactivated at
// max_verifier_misses), as for an inference audit; what says why.
func (k Keeper) CountVerifierMiss(ctx context.Context, val sdk.ValAddress, what string) error {
	p, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	return k.countAuditMiss(sdk.UnwrapSDKContext(ctx), p, val, 0, what)
}

// ResetVerifierMisses ends a committee member's streak of missed audits.
func (k Keeper) ResetVerifierMisses(ctx context.Context, val sdk.ValAddress) error {
	return k.resetAuditMisses(sdk.UnwrapSDKContext(ctx), val)
}

// DeferAuditDecision reports whether this block's proposer has a stake in the audit decision of a result of
// executor submitted at submittedHeight with candidate verifiers cands, and how many blocks the decision has
// waited: the same rule as inference audits (deferAudit, README "Randomness"; x/inference's
// audit_max_defer_blocks), so a proposer cannot grind the entropy of the block that decides its own audit.
func (k Keeper) DeferAuditDecision(ctx context.Context, executor string, submittedHeight int64, cands []Candidate) (bool, uint32, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return false, 0, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	ac := &auditContext{proposer: sdkCtx.BlockHeader().ProposerAddress}
	d, w := k.deferDecision(sdkCtx, p, ac, executor, submittedHeight, cands)
	return d, w, nil
}

// BondDenom is the staking bond denom (what PunishFraud burns).
func (k Keeper) BondDenom(ctx context.Context) (string, error) { return k.stakingKeeper.BondDenom(ctx) }
