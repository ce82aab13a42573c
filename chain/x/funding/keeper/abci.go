package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// EndBlocker finalizes rounds, with bounded work per block: a budget of payouts_per_block units, where fixing a
// round's matches costs one unit per project (at least 1), paying a project one unit and closing a round (the
// remainder transfer) one unit.
//
//  1. Every OPEN round whose end_height is at or below the current height (this block's transactions, the last
//     that could contribute, have run) goes FINALIZING: its total QF weight is fixed (the pool and the
//     contributions can no longer change). Rounds past their end that do not fit in the budget wait for the
//     next block; the first one always fits, so finalization always progresses.
//  2. FINALIZING rounds, in id order, pay their projects in id order: contributions + floor(pool · w / W) to
//     the recipient. When the last project is paid, the remainder pool − Σ matches (rounding dust, a pool with
//     no weight at all) goes to the community pool and the round is FINALIZED.
//
// Each round step runs in its own cache context: one that fails (which no reachable state should cause) is
// logged and retried in the next block instead of halting the chain, and never half-applied.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	p, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	budget := int64(p.PayoutsPerBlock)

	var due []collections.Pair[int64, uint64]
	if err := k.EndQueue.Walk(ctx, new(collections.Range[collections.Pair[int64, uint64]]).
		EndExclusive(collections.Join(h+1, uint64(0))), func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key)
		return int64(len(due)) >= budget, nil // each costs at least one unit: no more can start this block
	}); err != nil {
		return err
	}
	first := true
	for _, key := range due {
		if budget <= 0 && !first {
			break
		}
		first = false
		var cost int64 = 1
		k.step(sdkCtx, key.K2(), "start finalization", func(cctx sdk.Context, r *types.Round) error {
			if err := k.EndQueue.Remove(cctx, key); err != nil {
				return err
			}
			if r.Status != types.RoundStatus_ROUND_STATUS_OPEN {
				return nil // stale entry
			}
			if r.ProjectCount > 1 {
				cost = int64(r.ProjectCount)
			}
			_, total, err := k.estimates(cctx, *r)
			if err != nil {
				return err
			}
			r.TotalWeight = total
			r.Status = types.RoundStatus_ROUND_STATUS_FINALIZING
			r.NextPayout = 1
			return k.FinalizeQueue.Set(cctx, r.Id)
		})
		budget -= cost
	}

	var finalizing []uint64
	if err := k.FinalizeQueue.Walk(ctx, nil, func(id uint64) (bool, error) {
		finalizing = append(finalizing, id)
		return int64(len(finalizing)) >= int64(p.PayoutsPerBlock), nil // each costs at least one unit
	}); err != nil {
		return err
	}
	for _, id := range finalizing {
		if budget <= 0 {
			break
		}
		k.step(sdkCtx, id, "pay out", func(cctx sdk.Context, r *types.Round) error {
			if r.Status != types.RoundStatus_ROUND_STATUS_FINALIZING {
				return k.FinalizeQueue.Remove(cctx, id) // stale entry
			}
			for ; r.NextPayout <= r.ProjectCount && budget > 0; r.NextPayout++ {
				if err := k.payProject(cctx, r, r.NextPayout); err != nil {
					return err
				}
				budget--
			}
			if r.NextPayout <= r.ProjectCount || budget <= 0 {
				return nil
			}
			budget-- // the remainder transfer
			return k.finish(cctx, r)
		})
	}
	return nil
}

// step loads a round, runs fn on it in a cache context and, when fn succeeds, stores the round and commits.
func (k Keeper) step(ctx sdk.Context, id uint64, what string, fn func(cctx sdk.Context, r *types.Round) error) {
	cctx, write := ctx.CacheContext()
	err := func() error {
		r, err := k.Rounds.Get(cctx, id)
		if err != nil {
			return err
		}
		if err := fn(cctx, &r); err != nil {
			return err
		}
		return k.Rounds.Set(cctx, id, r)
	}()
	if err != nil {
		k.Logger(ctx).Error("funding round step failed; retrying next block", "round", id, "step", what, "err", err)
		return
	}
	write()
}

// payProject pays one project its contributions and its match. A recipient that cannot receive funds (an
// address that no longer decodes or became a module account) forfeits both to the community pool.
func (k Keeper) payProject(ctx sdk.Context, r *types.Round, projectID uint64) error {
	pk := collections.Join(r.Id, projectID)
	pr, err := k.Projects.Get(ctx, pk)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // ids are dense; nothing to pay
	} else if err != nil {
		return err
	}
	if pr.Paid {
		return nil
	}
	match := types.Match(r.MatchingPool.Amount, types.Weight(pr.SumSqrt, pr.Total), r.TotalWeight)
	amount := sdk.NewCoin(r.MatchingPool.Denom, pr.Total.Add(match))
	r.Matched = r.Matched.Add(match)
	pr.Match, pr.Paid = match, true
	if err := k.Projects.Set(ctx, pk, pr); err != nil {
		return err
	}
	recipient, err := k.addressCodec.StringToBytes(pr.Recipient)
	if amount.IsPositive() {
		if err != nil || k.bankKeeper.BlockedAddr(recipient) {
			r.Remainder = r.Remainder.Add(amount.Amount)
			if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(amount), k.ModuleAddress()); err != nil {
				return err
			}
		} else if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, recipient, sdk.NewCoins(amount)); err != nil {
			return err
		}
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventProjectPaid{
		RoundId: r.Id, ProjectId: pr.Id, Recipient: pr.Recipient,
		Contributions: sdk.NewCoin(r.MatchingPool.Denom, pr.Total).String(), Match: sdk.NewCoin(r.MatchingPool.Denom, match).String(),
	})
}

// finish sends the unmatched pool to the community pool and marks the round FINALIZED.
func (k Keeper) finish(ctx sdk.Context, r *types.Round) error {
	rest := r.MatchingPool.Amount.Sub(r.Matched)
	if rest.IsNegative() { // unreachable: Σ floor(pool·w_p/W) ≤ pool
		return errors.New("matches exceed the matching pool")
	}
	if rest.IsPositive() {
		if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(sdk.NewCoin(r.MatchingPool.Denom, rest)), k.ModuleAddress()); err != nil {
			return err
		}
	}
	r.Remainder = r.Remainder.Add(rest)
	r.Status = types.RoundStatus_ROUND_STATUS_FINALIZED
	r.FinalizedHeight = ctx.BlockHeight()
	if err := k.FinalizeQueue.Remove(ctx, r.Id); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventRoundFinalized{
		RoundId: r.Id, TotalContributions: r.TotalContributions.String(),
		Matched: r.Matched.String(), Remainder: r.Remainder.String(),
	})
}
