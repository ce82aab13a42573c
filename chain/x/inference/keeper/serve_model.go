package keeper

import (
	"context"
	"fmt"
	"slices"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// AddExecutorModel appends model to the executor's served models (no-op when listed). For x/training: the
// executor that trained a child holds its weights, so it serves the child from the moment it is registered,
// without a MsgUpdateExecutor from the (cold) operator key. The caller checks that the model is registered.
func (k Keeper) AddExecutorModel(ctx context.Context, val sdk.ValAddress, model string) error {
	e, found, err := k.GetExecutor(ctx, val)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no executor for validator %s", sdk.ValAddress(val))
	}
	if slices.Contains(e.Models, model) {
		return nil
	}
	e.Models = append(append([]string(nil), e.Models...), model)
	if err := k.setExecutor(ctx, val, e); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: e.Active, Reason: "serves the child model it trained",
	})
}
