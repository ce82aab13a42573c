package keeper

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// tombstone bars the fraudulent executor's validator from the job's model: the model leaves its executor's
// list at once, and MsgRegisterExecutor / MsgUpdateExecutor refuse it until until_height (block +
// tombstone_cooldown_blocks; 0 = until governance clears it with MsgClearTombstone).
func (k Keeper) tombstone(ctx sdk.Context, p types.Params, job *types.Job) error {
	h := ctx.BlockHeight()
	t := types.ExecutorTombstone{Validator: job.Executor, Model: job.Model, JobId: job.Id, Height: h}
	if p.TombstoneCooldownBlocks > 0 {
		t.UntilHeight = h + int64(p.TombstoneCooldownBlocks)
	}
	if err := k.Tombstones.Set(ctx, collections.Join(t.Validator, t.Model), t); err != nil {
		return err
	}
	valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
	if err != nil {
		return err
	}
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil {
		return err
	}
	if found && slices.Contains(e.Models, job.Model) {
		e.Models = slices.DeleteFunc(slices.Clone(e.Models), func(m string) bool { return m == job.Model })
		if err := k.setExecutor(ctx, valBz, e); err != nil {
			return err
		}
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventExecutorTombstoned{Tombstone: &t})
}

// checkNotTombstoned refuses a model list with a model the validator is barred from.
func (k Keeper) checkNotTombstoned(ctx context.Context, valStr string, models []string) error {
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	for i, m := range models {
		t, err := k.Tombstones.Get(ctx, collections.Join(valStr, m))
		if errors.Is(err, collections.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if t.UntilHeight != 0 && h >= t.UntilHeight {
			continue // the cooldown is over
		}
		until := "until governance clears it (MsgClearTombstone)"
		if t.UntilHeight != 0 {
			until = fmt.Sprintf("until height %d or until governance clears it", t.UntilHeight)
		}
		return errorsmod.Wrapf(types.ErrTombstoned, "models[%d]: validator %s is barred from model %s since the audit of job %d found fraud (height %d), %s", i, valStr, m, t.JobId, t.Height, until)
	}
	return nil
}

// ClearTombstone lifts a tombstone (authority only).
func (k msgServer) ClearTombstone(ctx context.Context, msg *types.MsgClearTombstone) (*types.MsgClearTombstoneResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := k.checkAuthority(msg.Authority); err != nil {
		return nil, err
	}
	valStr, _, err := k.canonicalValidator("validator", msg.Validator)
	if err != nil {
		return nil, err
	}
	key := collections.Join(valStr, msg.Model)
	if has, err := k.Tombstones.Has(ctx, key); err != nil {
		return nil, err
	} else if !has {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "model: validator %s is not barred from model %q", valStr, msg.Model)
	}
	if err := k.Tombstones.Remove(ctx, key); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTombstoneCleared{Validator: valStr, Model: msg.Model}); err != nil {
		return nil, err
	}
	return &types.MsgClearTombstoneResponse{}, nil
}
