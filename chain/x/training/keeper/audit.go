package keeper

import (
	"context"
	"fmt"
	"strings"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
	"github.com/inferchain/inferchain/chain/x/training/types"
)

// Replay audits of training results (README "Verification"). Lifecycle of a result:
//
//  1. MsgSubmitTrainingResult registers the child, held PENDING in x/registry (listed, not servable), and keeps
//     the fee in escrow: the job is SUBMITTED and queued in SettlementQueue at its height.
//  2. decideAudit, in the EndBlocker of a later block (unless that block's proposer has a stake in the
//     decision: x/inference's deferral rule), draws from x/inference's entropy of that block:
//     types.AuditDraw(entropy, job id) selects the job with audit_probability, picks a committee of
//     committee_size other executors serving the base model (stake-weighted, x/inference's PickCommittee) and the
//     interval i = IntervalIndex(draw, steps/K). The executor committed its checkpoint root before any of this
//     was fixed. Not selected (or fewer eligible verifiers than quorum): settled at once. Selected: AUDITING,
//     commit phase until commit_deadline, reveal phase until reveal_deadline.
//  3. Members replay steps (i*K, (i+1)*K] from the state at i*K (served by the executor, proven against the
//     root) and commit, then reveal MATCH / MISMATCH / ABSTAIN (msg_server_audit.go).
//  4. concludeAudit at the reveal deadline (or the block of the last reveal): FRAUD when at least quorum
//     MISMATCH outnumber MATCH: the executor is slashed slash_fraction of its stake recorded at submission, jailed
//     and deactivated (x/inference's PunishFraud, the inference fraud path), the child revoked in x/registry, the
//     requester refunded in full; otherwise settled: the executor is paid and the child becomes ACTIVE (settleWith,
//     the only path to COMPLETED: not selected, insufficient committee, HONEST, INCONCLUSIVE). Revealers of the winning verdict of a
//     decided audit get verifier_reward (from the escrow when HONEST, from x/inference's verifier pool when
//     FRAUD); silent and outvoted members are unpaid and count a missed audit in x/inference.

func zeroCoin(denom string) sdk.Coin { return sdk.Coin{Denom: denom, Amount: math.ZeroInt()} }

// decideAudit decides whether a SUBMITTED job is audited. deferred: the block's proposer is conflicted (the
// job stays queued). audited: the job is now AUDITING (stored); otherwise job.Audit is set and the caller settles.
func (k Keeper) decideAudit(ctx sdk.Context, p types.Params, entropy []byte, job *types.TrainingJob) (audited, deferred bool, err error) {
	prob, err := p.AuditProbabilityDec()
	if err != nil {
		return false, false, err
	}
	cands, err := k.inference.EligibleExecutors(ctx, job.BaseModel, map[string]bool{job.Executor: true})
	if err != nil {
		return false, false, err
	}
	if prob.IsPositive() && len(cands) >= int(p.Quorum) {
		def, _, err := k.inference.DeferAuditDecision(ctx, job.Executor, job.Result.SubmittedHeight, cands)
		if err != nil || def {
			return false, def, err
		}
	}
	h := ctx.BlockHeight()
	draw := types.AuditDraw(entropy, job.Id)
	n := job.HyperParams.Steps / job.HyperParams.CheckpointInterval
	i := types.IntervalIndex(draw, n)
	K := job.HyperParams.CheckpointInterval
	a := &types.TrainingAudit{DecidedHeight: h, Interval: i, FromStep: i * K, ToStep: (i + 1) * K, Slashed: zeroCoin(p.VerifierReward.Denom)}
	job.Audit = a
	ev := &types.EventTrainingAuditDecided{JobId: job.Id, Executor: job.Executor, Interval: i, FromStep: a.FromStep, ToStep: a.ToStep}
	emit := func() error {
		ev.Outcome, ev.Note = a.Outcome, a.Note
		return ctx.EventManager().EmitTypedEvent(ev)
	}
	if !inferencetypes.AuditSelected(draw, prob) {
		a.Outcome = types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_NOT_SELECTED
		return false, false, emit()
	}
	weights := make([]math.Int, len(cands))
	for j, c := range cands {
		weights[j] = c.Weight
	}
	picks := inferencetypes.PickCommittee(draw, weights, int(p.CommitteeSize))
	if len(picks) < int(p.Quorum) {
		a.Outcome = types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE
		a.Note = fmt.Sprintf("selected, but only %d other executors serve the base model (quorum %d): settled unaudited", len(picks), p.Quorum)
		return false, false, emit()
	}
	a.Outcome = types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_IN_PROGRESS
	a.Quorum = p.Quorum
	a.CommitDeadline = h + int64(p.CommitBlocks)
	a.RevealDeadline = a.CommitDeadline + int64(p.RevealBlocks)
	for _, j := range picks {
		m := cands[j].Executor
		a.Committee = append(a.Committee, m.Validator)
		a.Votes = append(a.Votes, types.TrainingVote{Verifier: m.Validator, Reward: zeroCoin(p.VerifierReward.Denom)})
		ev.Committee = append(ev.Committee, m.Validator)
		ev.CommitteeSidecars = append(ev.CommitteeSidecars, m.Sidecar)
		if err := k.OpenAudits.Set(ctx, collections.Join(m.Validator, job.Id)); err != nil {
			return false, false, err
		}
	}
	ev.CommitDeadline, ev.RevealDeadline = a.CommitDeadline, a.RevealDeadline
	job.Status = types.TrainingStatus_TRAINING_STATUS_AUDITING
	if err := k.registry.HoldModelPending(ctx, job.Result.ChildModel, pendingReason(job.Id, fmt.Sprintf("audited until block %d", a.RevealDeadline))); err != nil {
		return false, false, err
	}
	if err := k.AuditQueue.Set(ctx, collections.Join(a.RevealDeadline, job.Id)); err != nil {
		return false, false, err
	}
	if err := k.Jobs.Set(ctx, job.Id, *job); err != nil {
		return false, false, err
	}
	return true, false, emit()
}

// auditConclusionHeight: the height of the last reveal once every member revealed, the reveal deadline otherwise.
func auditConclusionHeight(a *types.TrainingAudit) int64 {
	last := int64(0)
	for _, v := range a.Votes {
		if v.RevealedHeight == 0 {
			return a.RevealDeadline
		}
		last = max(last, v.RevealedHeight)
	}
	return last
}

// tally: FRAUD when at least quorum members revealed MISMATCH and they outnumber MATCH; HONEST when at least
// quorum revealed MATCH and they are at least as many (a tie never slashes); INCONCLUSIVE otherwise. ABSTAIN
// counts for neither side.
func tally(a *types.TrainingAudit) (outcome types.TrainingAuditOutcome, match, mismatch int) {
	for _, v := range a.Votes {
		if v.RevealedHeight == 0 {
			continue
		}
		switch v.Verdict {
		case types.TrainingVerdict_TRAINING_VERDICT_MATCH:
			match++
		case types.TrainingVerdict_TRAINING_VERDICT_MISMATCH:
			mismatch++
		}
	}
	switch q := int(a.Quorum); {
	case q > 0 && mismatch >= q && mismatch > match:
		return types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_FRAUD, match, mismatch
	case q > 0 && match >= q && match >= mismatch:
		return types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_HONEST, match, mismatch
	default:
		return types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_INCONCLUSIVE, match, mismatch
	}
}

// concludeAudit concludes an AUDITING job (its AuditQueue entry already removed): see the package comment.
func (k Keeper) concludeAudit(ctx sdk.Context, p types.Params, job *types.TrainingJob) error {
	a := job.Audit
	if a == nil || job.Result == nil {
		return fmt.Errorf("training job %d is AUDITING without an audit or a result", job.Id)
	}
	outcome, match, mismatch := tally(a)
	bondDenom, err := k.inference.BondDenom(ctx)
	if err != nil {
		return err
	}
	a.Outcome = outcome
	a.ConcludedHeight = ctx.BlockHeight()
	a.Slashed = zeroCoin(bondDenom)
	fraud := outcome == types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_FRAUD
	decided := fraud || outcome == types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_HONEST
	winning := types.TrainingVerdict_TRAINING_VERDICT_MATCH
	if fraud {
		winning = types.TrainingVerdict_TRAINING_VERDICT_MISMATCH
	}

	// rewards first on HONEST: they come out of the escrow the settlement then pays out
	var missed []string
	escrowLeft := job.MaxFee
	for i := range a.Votes {
		v := &a.Votes[i]
		v.Reward = zeroCoin(p.VerifierReward.Denom)
		valBz, err := k.validatorAddressCodec.StringToBytes(v.Verifier)
		if err != nil {
			return fmt.Errorf("training job %d: committee member %q: %w", job.Id, v.Verifier, err)
		}
		if err := k.OpenAudits.Remove(ctx, collections.Join(v.Verifier, job.Id)); err != nil {
			return err
		}
		switch {
		case v.RevealedHeight == 0:
			missed = append(missed, v.Verifier)
			if err := k.inference.CountVerifierMiss(ctx, valBz, fmt.Sprintf("training job %d: did not reveal a verdict", job.Id)); err != nil {
				return err
			}
		case v.Verdict == types.TrainingVerdict_TRAINING_VERDICT_ABSTAIN || (!decided && v.Verdict != winning):
			// neither paid nor counted
		case v.Verdict != winning:
			v.Outvoted = true
			missed = append(missed, v.Verifier)
			if err := k.inference.CountVerifierMiss(ctx, valBz, fmt.Sprintf("training job %d: revealed %s against the outcome", job.Id, v.Verdict)); err != nil {
				return err
			}
		case !decided:
			// an INCONCLUSIVE audit pays nobody (no quorum confirmed the verdict)
		default:
			to := sdk.AccAddress(valBz)
			if fraud {
				if v.Reward, err = k.inference.PayVerifierReward(ctx, to, p.VerifierReward); err != nil {
					return err
				}
			} else if v.Reward, escrowLeft, err = k.payFromEscrow(ctx, to, p.VerifierReward, escrowLeft); err != nil {
				return err
			}
			if err := k.inference.ResetVerifierMisses(ctx, valBz); err != nil {
				return err
			}
		}
	}

	if fraud {
		fraction, err := p.SlashFractionDec()
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("the replay audit of training job %d found a forged checkpoint (%d of %d MISMATCH, quorum %d, interval %d)", job.Id, mismatch, len(a.Committee), a.Quorum, a.Interval)
		slashed, note, err := k.inference.PunishFraud(ctx, job.Executor, job.Result.SubmittedHeight, job.Result.ExecutorPower, fraction, fmt.Sprintf("training job %d", job.Id), reason)
		if err != nil {
			return err
		}
		a.Slashed = sdk.NewCoin(bondDenom, slashed)
		if note != "" {
			a.Note = joinNote(a.Note, note)
		}
		if err := k.registry.RevokeModel(ctx, job.Result.ChildModel, reason); err != nil {
			return err
		}
		if err := k.payEscrow(ctx, job.Requester, job.MaxFee); err != nil {
			return err
		}
		job.Status = types.TrainingStatus_TRAINING_STATUS_FRAUD
		job.StatusReason = reason + "; executor slashed " + a.Slashed.String() + ", requester refunded, child revoked"
		if err := ctx.EventManager().EmitTypedEvent(&types.EventTrainingRefunded{JobId: job.Id, Reason: job.StatusReason}); err != nil {
			return err
		}
	} else {
		if !decided {
			a.Note = joinNote(a.Note, fmt.Sprintf("inconclusive: %d MATCH and %d MISMATCH verdicts, quorum %d; settled", match, mismatch, a.Quorum))
		}
		if err := k.settleWith(ctx, job, escrowLeft); err != nil {
			return err
		}
	}
	if err := k.Jobs.Set(ctx, job.Id, *job); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventTrainingAuditConcluded{
		JobId: job.Id, Executor: job.Executor, Outcome: a.Outcome, Slashed: &a.Slashed, Missed: missed,
	})
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// payFromEscrow pays want (at most what is left of this job's escrow) to an account; returns what was paid and
// what is left. A blocked address gets nothing.
func (k Keeper) payFromEscrow(ctx context.Context, to sdk.AccAddress, want, left sdk.Coin) (paid, rest sdk.Coin, err error) {
	paid = zeroCoin(want.Denom)
	if !want.IsPositive() || want.Denom != left.Denom || k.bank.BlockedAddr(to) {
		return paid, left, nil
	}
	amt := math.MinInt(want.Amount, left.Amount)
	if !amt.IsPositive() {
		return paid, left, nil
	}
	paid = sdk.NewCoin(want.Denom, amt)
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(paid)); err != nil {
		return sdk.Coin{}, left, err
	}
	return paid, left.Sub(paid), nil
}

// payEscrow pays amt from the training escrow to a bech32 account.
func (k Keeper) payEscrow(ctx context.Context, to string, amt sdk.Coin) error {
	if !amt.IsPositive() {
		return nil
	}
	bz, err := k.addressCodec.StringToBytes(to)
	if err != nil {
		return err
	}
	return k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, bz, sdk.NewCoins(amt))
}

// pendingReason is the status reason of a child held pending by job id (what a refused request for it reads).
func pendingReason(id uint64, state string) string {
	return fmt.Sprintf("trained by training job %d, %s", id, state)
}

func outcomeName(a *types.TrainingAudit) string {
	if a == nil {
		return "not decided"
	}
	return strings.ToLower(strings.TrimPrefix(a.Outcome.String(), "TRAINING_AUDIT_OUTCOME_"))
}

// settleWith pays what is left of the escrow to the executor's operator account (the requester when that is a
// blocked address), marks the job COMPLETED and makes its child ACTIVE.
func (k Keeper) settleWith(ctx sdk.Context, job *types.TrainingJob, left sdk.Coin) error {
	valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
	if err != nil {
		return err
	}
	payee := sdk.AccAddress(valBz)
	if k.bank.BlockedAddr(payee) {
		if payee, err = k.addressCodec.StringToBytes(job.Requester); err != nil {
			return err
		}
	}
	if left.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, payee, sdk.NewCoins(left)); err != nil {
			return err
		}
	}
	job.Status = types.TrainingStatus_TRAINING_STATUS_COMPLETED
	if err := k.registry.ActivateModel(ctx, job.Result.ChildModel, fmt.Sprintf("training job %d settled (audit %s)", job.Id, outcomeName(job.Audit))); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventTrainingSettled{JobId: job.Id, Executor: job.Executor, Paid: &left})
}

// processJob runs fn on a job in a cache context, writing it only when fn succeeds: a job that fails is logged
// and left queued for the next block rather than halting the chain.
func (k Keeper) processJob(ctx sdk.Context, id uint64, what string, fn func(cctx sdk.Context, job *types.TrainingJob) error) {
	cctx, write := ctx.CacheContext()
	job, found, err := k.GetJob(cctx, id)
	if err == nil && !found {
		err = fmt.Errorf("no such job")
	}
	if err == nil {
		err = fn(cctx, &job)
	}
	if err != nil {
		ctx.Logger().Error("training: end block step failed; retrying next block", "step", what, "job", id, "err", err)
		return
	}
	write()
}

func (k Keeper) queued(ctx context.Context, q collections.KeySet[collections.Pair[int64, uint64]], below int64) ([]collections.Pair[int64, uint64], error) {
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndExclusive(collections.Join(below, uint64(0)))
	var out []collections.Pair[int64, uint64]
	err := q.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		out = append(out, key)
		return false, nil
	})
	return out, err
}

// auditEndBlock concludes due audits, then decides the audits of results submitted in earlier blocks.
func (k Keeper) auditEndBlock(ctx sdk.Context) error {
	h := ctx.BlockHeight()
	p, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	due, err := k.queued(ctx, k.AuditQueue, h+1)
	if err != nil {
		return err
	}
	for _, key := range due {
		k.processJob(ctx, key.K2(), "conclude audit", func(cctx sdk.Context, job *types.TrainingJob) error {
			if err := k.AuditQueue.Remove(cctx, key); err != nil {
				return err
			}
			if job.Status != types.TrainingStatus_TRAINING_STATUS_AUDITING {
				return nil
			}
			return k.concludeAudit(cctx, p, job)
		})
	}
	toDecide, err := k.queued(ctx, k.SettlementQueue, h) // submitted at heights < h
	if err != nil || len(toDecide) == 0 {
		return err
	}
	entropy, err := k.inference.CurrentEntropy(ctx)
	if err != nil {
		return fmt.Errorf("training: no entropy for this block: %w", err)
	}
	for _, key := range toDecide {
		k.processJob(ctx, key.K2(), "decide audit", func(cctx sdk.Context, job *types.TrainingJob) error {
			if job.Status != types.TrainingStatus_TRAINING_STATUS_SUBMITTED {
				return k.SettlementQueue.Remove(cctx, key)
			}
			audited, deferred, err := k.decideAudit(cctx, p, entropy, job)
			if err != nil || deferred {
				return err
			}
			if err := k.SettlementQueue.Remove(cctx, key); err != nil {
				return err
			}
			if audited {
				return nil
			}
			if err := k.settleWith(cctx, job, job.MaxFee); err != nil {
				return err
			}
			return k.Jobs.Set(cctx, job.Id, *job)
		})
	}
	return nil
}
