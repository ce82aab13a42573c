package keeper

import (
	"context"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Hooks are the inference module's x/staking hooks: when x/staking deletes a validator (unbonded with no
// delegations left), its executor and that executor's index entries (models, sidecar) go with it, so no
// index keeps pointing at a validator that no longer exists. Its tombstones stay: the same operator key can
// create a validator again.
type Hooks struct{ k Keeper }

var _ stakingtypes.StakingHooks = Hooks{}

// Hooks returns the staking hooks of the inference keeper (app.go adds them to x/staking's multi-hooks).
func (k Keeper) Hooks() Hooks { return Hooks{k} }

// AfterValidatorRemoved removes the validator's executor and its index entries.
func (h Hooks) AfterValidatorRemoved(ctx context.Context, _ sdk.ConsAddress, valAddr sdk.ValAddress) error {
	return h.k.removeExecutor(ctx, valAddr)
}

// removeExecutor deletes an executor with its ExecutorsByModel entries (the sidecar index is the
// IndexedMap's) and emits EventExecutorUpdated (inactive). Its open jobs expire and are reassigned as usual.
func (k Keeper) removeExecutor(ctx context.Context, val sdk.ValAddress) error {
	e, found, err := k.GetExecutor(ctx, val)
	if err != nil || !found {
		return err
	}
	if err := k.setExecutor(ctx, val, types.Executor{}); err != nil { // drops the model index entries
		return err
	}
	if err := k.Executors.Remove(ctx, val); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: false,
		Reason: "removed: its validator was deleted from x/staking",
	})
}

// The other hooks do nothing.

func (Hooks) AfterValidatorCreated(context.Context, sdk.ValAddress) error   { return nil }
func (Hooks) BeforeValidatorModified(context.Context, sdk.ValAddress) error { return nil }
func (Hooks) AfterValidatorBonded(context.Context, sdk.ConsAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) AfterValidatorBeginUnbonding(context.Context, sdk.ConsAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) BeforeDelegationCreated(context.Context, sdk.AccAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) BeforeDelegationSharesModified(context.Context, sdk.AccAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) BeforeDelegationRemoved(context.Context, sdk.AccAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) AfterDelegationModified(context.Context, sdk.AccAddress, sdk.ValAddress) error {
	return nil
}

func (Hooks) BeforeValidatorSlashed(context.Context, sdk.ValAddress, math.LegacyDec) error {
	return nil
}
func (Hooks) AfterUnbondingInitiated(context.Context, uint64) error { return nil }
