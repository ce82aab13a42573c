package keeper

import (
	"bytes"
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Candidate is an executor eligible for a job, with its assignment weight.
type Candidate struct {
	Validator sdk.ValAddress
	Executor  types.Executor
	// Weight is the validator's bonded tokens.
	Weight math.Int
	// ConsAddr is the validator's consensus address (to recognise the block proposer).
	ConsAddr sdk.ConsAddress
}

// EligibleExecutors lists, in validator address order, the executors that may be assigned a job for the
// model: active, serving the model, not in exclude (operator bech32 addresses), whose validator exists, is
// bonded, not jailed and has bonded tokens (its weight).
func (k Keeper) EligibleExecutors(ctx context.Context, model string, exclude map[string]bool) ([]Candidate, error) {
	var out []Candidate
	rng := collections.NewPrefixedPairRange[string, sdk.ValAddress](model)
	err := k.ExecutorsByModel.Walk(ctx, rng, func(key collections.Pair[string, sdk.ValAddress]) (bool, error) {
		val := key.K2()
		e, found, err := k.GetExecutor(ctx, val)
		if err != nil {
			return true, err
		}
		if !found || !e.Active || exclude[e.Validator] {
			return false, nil
		}
		v, err := k.stakingKeeper.Validator(ctx, val)
		if err != nil || v == nil {
			return false, nil // the validator is gone: not eligible
		}
		if !v.IsBonded() || v.IsJailed() {
			return false, nil
		}
		w := v.GetBondedTokens()
		if !w.IsPositive() {
			return false, nil
		}
		consAddr, err := v.GetConsAddr()
		if err != nil {
			return false, nil
		}
		out = append(out, Candidate{Validator: val, Executor: e, Weight: w, ConsAddr: consAddr})
		return false, nil
	})
	return out, err
}

// PickExecutor draws the executor of job jobID among the eligible executors of the model, weighted by bonded
// tokens, with types.AssignmentDraw(block hash, job id). found is false when none is eligible.
//
// The proposer of the block is never drawn while another executor is eligible: it builds the block whose hash
// is the draw, so it could reorder transactions until the draw assigned it the job (its fee, and a result of
// its own choosing). It can still grind the draw among the others (README, "Randomness").
func (k Keeper) PickExecutor(ctx context.Context, model string, jobID uint64, exclude map[string]bool) (c Candidate, found bool, err error) {
	cands, err := k.EligibleExecutors(ctx, model, exclude)
	if err != nil {
		return Candidate{}, false, err
	}
	if proposer := sdk.UnwrapSDKContext(ctx).BlockHeader().ProposerAddress; len(proposer) > 0 && len(cands) > 1 {
		others := cands[:0:0]
		for _, c := range cands {
			if !bytes.Equal(c.ConsAddr, proposer) {
				others = append(others, c)
			}
		}
		if len(others) > 0 {
			cands = others
		}
	}
	weights := make([]math.Int, len(cands))
	for i, cand := range cands {
		weights[i] = cand.Weight
	}
	i := types.WeightedIndex(types.AssignmentDraw(blockHash(ctx), jobID), weights)
	if i < 0 {
		return Candidate{}, false, nil
	}
	return cands[i], true, nil
}

// assign makes c the job's executor for a new attempt starting at the current height and emits
// EventJobAssigned. The caller stores the job.
func (k Keeper) assign(ctx context.Context, p types.Params, job *types.Job, c Candidate) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	job.Status = types.JobStatus_JOB_STATUS_PENDING
	job.Executor = c.Executor.Validator
	job.Attempt++
	job.AssignedHeight = h
	job.DeadlineHeight = h + int64(p.DeadlineBlocks)
	if err := k.DeadlineQueue.Set(ctx, collections.Join(job.DeadlineHeight, job.Id)); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventJobAssigned{
		JobId:          job.Id,
		Model:          job.Model,
		Requester:      job.Requester,
		Executor:       c.Executor.Validator,
		Sidecar:        c.Executor.Sidecar,
		Attempt:        job.Attempt,
		DeadlineHeight: job.DeadlineHeight,
	})
}

// noExecutorErr is the error of a request no executor can take.
func noExecutorErr(model string) error {
	return fmt.Errorf("no executor serves model %s (no active executor whose validator is bonded lists it)", model)
}
