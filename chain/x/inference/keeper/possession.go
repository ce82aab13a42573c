package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// Proof of possession (README "Proof of possession"). At every height that is a multiple of
// possession_epoch_blocks, each active executor is challenged, for each model it serves, for
// possession_leaves leaves drawn from the entropy (types.ChallengeLeaves). Its sidecar answers with
// MsgProvePossession by deadline_height; a challenge still open after its deadline drops the model from the
// executor (the last model: the executor is deactivated instead, as a model list is never empty).
//
// Work per block: issuing is O(active executors × models per executor) (bounded by the validator set and
// types.MaxModelsPerExecutor) once per epoch; expiry is O(challenges due at this height).

// possessionEpoch returns the epoch that starts at height h, and whether h starts one.
func possessionEpoch(p types.Params, h int64) (uint64, bool) {
	if p.PossessionEpochBlocks == 0 || h <= 0 || uint64(h)%p.PossessionEpochBlocks != 0 {
		return 0, false
	}
	return uint64(h) / p.PossessionEpochBlocks, true
}

// possessionEndBlock expires the challenges due at this height, then issues this epoch's challenges. Expiry
// runs first: a window never outlasts its epoch (params validation), so a binding has one open challenge.
func (k Keeper) possessionEndBlock(ctx sdk.Context, p types.Params, entropy []byte) error {
	h := ctx.BlockHeight()
	rng := new(collections.Range[collections.Triple[int64, string, string]]).
		EndExclusive(collections.Join3(h+1, "", ""))
	it, err := k.PossessionQueue.Iterate(ctx, rng)
	if err != nil {
		return err
	}
	due, err := it.Keys()
	if err != nil {
		return err
	}
	for _, key := range due {
		k.inCache(ctx, "possession expiry", func(cctx sdk.Context) error { return k.expireChallenge(cctx, key) })
	}
	epoch, starts := possessionEpoch(p, h)
	if !starts {
		return nil
	}
	eit, err := k.Executors.Iterate(ctx, nil)
	if err != nil {
		return err
	}
	executors, err := eit.Values()
	if err != nil {
		return err
	}
	for _, e := range executors {
		if !e.Active {
			continue
		}
		for _, m := range e.Models {
			k.inCache(ctx, "possession challenge", func(cctx sdk.Context) error {
				return k.issueChallenge(cctx, p, entropy, e, m, epoch)
			})
		}
	}
	return nil
}

// inCache runs fn in a cache context, writing it only when fn succeeds (one failing binding never halts the
// chain or blocks the others; it is logged).
func (k Keeper) inCache(ctx sdk.Context, what string, fn func(cctx sdk.Context) error) {
	cctx, write := ctx.CacheContext()
	if err := fn(cctx); err != nil {
		k.Logger(ctx).Error("inference: possession step failed", "step", what, "err", err)
		return
	}
	write()
}

func (k Keeper) issueChallenge(ctx sdk.Context, p types.Params, entropy []byte, e types.Executor, model string, epoch uint64) error {
	m, found, err := k.registry.GetModel(ctx, model)
	if err != nil {
		return err
	}
	if !found || len(m.Files) == 0 {
		return nil // nothing to prove against (a model is never deleted from the registry)
	}
	h := ctx.BlockHeight()
	c := types.PossessionChallenge{
		Validator:      e.Validator,
		Model:          model,
		Epoch:          epoch,
		IssuedHeight:   h,
		DeadlineHeight: h + int64(p.PossessionWindowBlocks),
		Leaves:         types.ChallengeLeaves(entropy, e.Validator, model, epoch, m.Files, p.PossessionLeaves),
	}
	key := collections.Join(e.Validator, model)
	if old, err := k.PossessionChallenges.Get(ctx, key); err == nil {
		// cannot happen while window <= epoch; never leave a stale queue entry behind
		if err := k.PossessionQueue.Remove(ctx, collections.Join3(old.DeadlineHeight, old.Validator, old.Model)); err != nil {
			return err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if err := k.PossessionChallenges.Set(ctx, key, c); err != nil {
		return err
	}
	if err := k.PossessionQueue.Set(ctx, collections.Join3(c.DeadlineHeight, c.Validator, c.Model)); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventPossessionChallenge{Challenge: &c, Sidecar: e.Sidecar})
}

// expireChallenge handles a challenge whose window closed unanswered.
func (k Keeper) expireChallenge(ctx sdk.Context, key collections.Triple[int64, string, string]) error {
	if err := k.PossessionQueue.Remove(ctx, key); err != nil {
		return err
	}
	ck := collections.Join(key.K2(), key.K3())
	c, err := k.PossessionChallenges.Get(ctx, ck)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // answered
	}
	if err != nil {
		return err
	}
	if c.DeadlineHeight != key.K1() {
		return nil // stale entry
	}
	if err := k.PossessionChallenges.Remove(ctx, ck); err != nil {
		return err
	}
	val, err := k.validatorAddressCodec.StringToBytes(c.Validator)
	if err != nil {
		return err
	}
	e, found, err := k.GetExecutor(ctx, val)
	if err != nil || !found {
		return err
	}
	idx := -1
	for i, m := range e.Models {
		if m == c.Model {
			idx = i
		}
	}
	if idx < 0 {
		return nil // the operator already removed the model
	}
	outcome := types.PossessionOutcomeModelDropped
	reason := fmt.Sprintf("possession: model %s dropped: epoch %d challenge unanswered by height %d", c.Model, c.Epoch, c.DeadlineHeight)
	if len(e.Models) == 1 {
		// a model list is never empty: the executor leaves every assignment by deactivation instead
		outcome = types.PossessionOutcomeExecutorDeactivated
		reason = fmt.Sprintf("deactivated: possession of its only model %s unproven (epoch %d, deadline %d)", c.Model, c.Epoch, c.DeadlineHeight)
		if e.Active {
			e.Active = false
			e.DeactivatedHeight = ctx.BlockHeight()
		}
	} else {
		e.Models = append(append([]string{}, e.Models[:idx]...), e.Models[idx+1:]...)
	}
	if err := k.setExecutor(ctx, val, e); err != nil {
		return err
	}
	if err := ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: e.Active, Reason: reason,
	}); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventPossessionFailed{
		Validator: c.Validator, Model: c.Model, Epoch: c.Epoch, Outcome: outcome,
	})
}

// ProvePossession checks an answer to an open challenge of the signer's executor and closes the challenge.
// Every check runs before any write: a refused answer changes nothing (the sidecar may retry within the
// window; a wrong answer is not a failure by itself, an unanswered window is).
func (k msgServer) ProvePossession(ctx context.Context, msg *types.MsgProvePossession) (*types.MsgProvePossessionResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if _, err := k.addressCodec.StringToBytes(msg.Sidecar); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "sidecar: %v", err)
	}
	val, err := k.Executors.Indexes.Sidecar.MatchExact(ctx, msg.Sidecar)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "sidecar: %s is not the bound sidecar account of any executor", msg.Sidecar)
	}
	valStr, err := k.validatorAddressCodec.BytesToString(val)
	if err != nil {
		return nil, err
	}
	ck := collections.Join(valStr, msg.Model)
	c, err := k.PossessionChallenges.Get(ctx, ck)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "model: no open possession challenge of executor %s for model %s", valStr, msg.Model)
	}
	if err != nil {
		return nil, err
	}
	if c.Epoch != msg.Epoch {
		return nil, errorsmod.Wrapf(types.ErrInvalidField, "epoch: is %d, the open challenge is for epoch %d", msg.Epoch, c.Epoch)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if h := sdkCtx.BlockHeight(); h > c.DeadlineHeight {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "epoch: the challenge closed at height %d (now %d)", c.DeadlineHeight, h)
	}
	if len(msg.Proofs) != len(c.Leaves) {
		return nil, types.FieldErr("proofs", "has %d entries, the challenge asks for %d leaves", len(msg.Proofs), len(c.Leaves))
	}
	m, found, err := k.registry.GetModel(ctx, c.Model)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "model: %s is not registered", c.Model)
	}
	files := make(map[string]registrytypes.ArtifactFile, len(m.Files))
	for _, f := range m.Files {
		files[f.Path] = f
	}
	for i, want := range c.Leaves {
		if err := types.VerifyLeafProof(i, want, msg.Proofs[i], files[want.Path]); err != nil {
			return nil, err
		}
	}
	if err := k.PossessionChallenges.Remove(ctx, ck); err != nil {
		return nil, err
	}
	if err := k.PossessionQueue.Remove(ctx, collections.Join3(c.DeadlineHeight, c.Validator, c.Model)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventPossessionProved{Validator: c.Validator, Model: c.Model, Epoch: c.Epoch}); err != nil {
		return nil, err
	}
	return &types.MsgProvePossessionResponse{}, nil
}

// PossessionChallenges lists an executor's open challenges (at most one per model it serves).
func (q queryServer) PossessionChallenges(ctx context.Context, req *types.QueryPossessionChallengesRequest) (*types.QueryPossessionChallengesResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if _, err := q.k.validatorAddressCodec.StringToBytes(req.Validator); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "validator: %q is not a valid validator operator address: %v", truncate(req.Validator), err)
	}
	rng := collections.NewPrefixedPairRange[string, string](req.Validator)
	it, err := q.k.PossessionChallenges.Iterate(ctx, rng)
	if err != nil {
		return nil, internal(err)
	}
	vals, err := it.Values()
	if err != nil {
		return nil, internal(err)
	}
	return &types.QueryPossessionChallengesResponse{Challenges: vals}, nil
}
