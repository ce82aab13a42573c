package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// EndBlocker concludes audits, decides audits and settles results submitted in earlier blocks, and handles
// expired deadlines.
//
//  0. Every AUDITING job whose AuditQueue height (its reveal deadline, or the block of its last reveal) is at or
//     below the current height is concluded (concludeAudit: slash and refund on fraud, settle otherwise;
//     verifier rewards and missed audits).
//
//  1. Every RESULT_SUBMITTED job submitted at a height below the current one goes through decideAudit: this
//     block's hash decides whether it is audited. An audited job goes AUDITING (settled or refunded at step 0
//     of a later block); any other is settled now.
//     The decision is deferred (the job stays queued) while the block's proposer has a stake in it (the
//     executor's validator, a candidate verifier: decideAudit), and the draw uses the block's entropy, the
//     running hash of every block hash (entropy.go).
//
//  2. Every PENDING job whose deadline_height is at or below the current height has expired: no transaction
//     can submit its result any more (SubmitResult accepts height <= deadline_height, and this block's
//     transactions have all run). Its executor's missed_deadlines is incremented (deactivating it at
//     max_missed_deadlines, when that is positive); the job is reassigned to another eligible executor not yet
//     tried while attempt < max_attempts, and refunded otherwise.
//
//  3. Terminal jobs whose retention is over are pruned (prune.go).
//
// Each job is processed in its own cache context: a job that fails (which no reachable state should cause) is
// logged and left in its queue to be retried in the next block instead of halting the chain or being lost.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	p, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	entropy, err := k.blockEntropy(sdkCtx)
	if err != nil {
		return err
	}

	dueAudits, err := k.queued(ctx, k.AuditQueue, h+1) // conclusion heights <= h
	if err != nil {
		return err
	}
	for _, key := range dueAudits {
		k.processJob(sdkCtx, key.K2(), "conclude audit", func(cctx sdk.Context, job *types.Job) error {
			if err := k.AuditQueue.Remove(cctx, key); err != nil {
				return err
			}
			if job.Status != types.JobStatus_JOB_STATUS_AUDITING {
				return nil // stale entry
			}
			return k.concludeAudit(cctx, p, job)
		})
	}

	ac := &auditContext{entropy: entropy, proposer: sdkCtx.BlockHeader().ProposerAddress}
	toSettle, err := k.queued(ctx, k.SettlementQueue, h) // submitted at heights < h
	if err != nil {
		return err
	}
	for _, key := range toSettle {
		k.processJob(sdkCtx, key.K2(), "settle", func(cctx sdk.Context, job *types.Job) error {
			if job.Status != types.JobStatus_JOB_STATUS_RESULT_SUBMITTED {
				return k.SettlementQueue.Remove(cctx, key) // stale entry
			}
			audited, deferred, err := k.decideAudit(cctx, p, ac, job)
			if err != nil || deferred {
				return err // a deferred decision stays queued for a later block
			}
			if err := k.SettlementQueue.Remove(cctx, key); err != nil {
				return err
			}
			if audited {
				return nil
			}
			return k.settle(cctx, p, job)
		})
	}

	expired, err := k.queued(ctx, k.DeadlineQueue, h+1) // deadlines <= h
	if err != nil {
		return err
	}
	for _, key := range expired {
		k.processJob(sdkCtx, key.K2(), "deadline", func(cctx sdk.Context, job *types.Job) error {
			if err := k.DeadlineQueue.Remove(cctx, key); err != nil {
				return err
			}
			if job.Status != types.JobStatus_JOB_STATUS_PENDING || job.DeadlineHeight != key.K1() {
				return nil // stale entry
			}
			return k.expire(cctx, p, job)
		})
	}
	if err := k.possessionEndBlock(sdkCtx, p, entropy); err != nil { // possession.go
		return err
	}
	return k.prune(sdkCtx)
}

// queued returns the (height, job id) keys of a queue with height < below, in order.
func (k Keeper) queued(ctx context.Context, q collections.KeySet[collections.Pair[int64, uint64]], below int64) ([]collections.Pair[int64, uint64], error) {
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndExclusive(collections.Join(below, uint64(0)))
	it, err := q.Iterate(ctx, rng)
	if err != nil {
		return nil, err
	}
	return it.Keys()
}

// processJob loads a job and runs fn on it in a cache context, writing the cache only when fn succeeds.
func (k Keeper) processJob(ctx sdk.Context, id uint64, what string, fn func(cctx sdk.Context, job *types.Job) error) {
	cctx, write := ctx.CacheContext()
	err := func() error {
		job, found, err := k.GetJob(cctx, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("job %d is queued but not stored", id)
		}
		return fn(cctx, &job)
	}()
	if err != nil {
		k.Logger(ctx).Error("inference: could not process job; will retry next block", "job", id, "step", what, "err", err)
		return
	}
	write()
}

// expire handles a PENDING job whose deadline passed: count the miss against its executor, then reassign or
// refund.
func (k Keeper) expire(ctx sdk.Context, p types.Params, job *types.Job) error {
	missed := job.Executor
	if err := k.countMiss(ctx, p, missed); err != nil {
		return err
	}
	job.Tried = append(job.Tried, missed)

	if job.Attempt >= p.MaxAttempts {
		return k.refund(ctx, job, fmt.Sprintf("no executor answered after %s", attempts(job.Attempt)))
	}
	exclude := make(map[string]bool, len(job.Tried))
	for _, t := range job.Tried {
		exclude[t] = true
	}
	c, found, err := k.PickExecutor(ctx, job.Model, job.Id, exclude)
	if err != nil {
		return err
	}
	if !found {
		return k.refund(ctx, job, fmt.Sprintf("no executor answered after %s and no other executor serves model %s", attempts(job.Attempt), job.Model))
	}
	if err := k.assign(ctx, p, job, c); err != nil {
		return err
	}
	return k.setJob(ctx, *job)
}

// countMiss increments an executor's missed_deadlines (at most once per block) and deactivates it at
// max_missed_deadlines.
func (k Keeper) countMiss(ctx sdk.Context, p types.Params, validator string) error {
	valBz, err := k.validatorAddressCodec.StringToBytes(validator)
	if err != nil {
		return err
	}
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil || !found {
		return err
	}
	// misses count once per block: a burst of jobs assigned together and expiring together is one failure
	// of the executor, not many (it would otherwise be deactivated by a single spike it could not absorb)
	h := ctx.BlockHeight()
	if e.LastMissHeight == h {
		return nil
	}
	e.LastMissHeight = h
	e.MissedDeadlines++
	deactivate := e.Active && p.MaxMissedDeadlines > 0 && e.MissedDeadlines >= uint64(p.MaxMissedDeadlines)
	if deactivate {
		e.Active = false
		e.DeactivatedHeight = h
	}
	if err := k.Executors.Set(ctx, valBz, e); err != nil {
		return err
	}
	if !deactivate {
		return nil
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator,
		Sidecar:   e.Sidecar,
		Models:    e.Models,
		Active:    false,
		Reason:    fmt.Sprintf("deactivated: missed %d consecutive deadlines (max_missed_deadlines %d)", e.MissedDeadlines, p.MaxMissedDeadlines),
	})
}

func attempts(n uint32) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// countRejection counts a MsgRejectJob of an executor in its current window of rejection_window_blocks; past
// max_rejections_per_window rejections in the window, each one counts as a missed deadline (countMiss).
func (k Keeper) countRejection(ctx sdk.Context, p types.Params, val sdk.ValAddress, e types.Executor) error {
	if p.MaxRejectionsPerWindow == 0 {
		return nil
	}
	h := ctx.BlockHeight()
	if h >= e.RejectionWindowStart+int64(p.RejectionWindowBlocks) {
		e.RejectionWindowStart, e.Rejections = h, 0
	}
	e.Rejections++
	if err := k.Executors.Set(ctx, val, e); err != nil {
		return err
	}
	if e.Rejections <= p.MaxRejectionsPerWindow {
		return nil
	}
	return k.countMiss(ctx, p, e.Validator)
}
