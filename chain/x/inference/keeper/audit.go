package keeper

import (
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Sampled audits (DESIGN.md "Verification").
//
// Lifecycle of a result:
//
//  1. decideAudit, in the EndBlocker of a block after the result's block: types.AuditDraw(block hash, job id)
//     selects the job with probability audit_probability. Not selected, or selected with no other eligible
//     executor serving the model (SKIPPED): the audit record is kept on the job and it settles at once, as
//     before audits existed. Selected: a committee of up to committee_size other executors is drawn
//     (types.PickCommittee), the job goes AUDITING, escrow kept, commit phase until commit_deadline, reveal
//     phase until reveal_deadline. EventAuditDecided is emitted for every decision.
//  2. MsgCommitVerdict (commit phase) then MsgRevealVerdict (after the commit phase: past commit_deadline, or
//     once every member committed; until reveal_deadline), from the committee members' sidecars.
//  3. concludeAudit, in the EndBlocker at the reveal deadline or of the block of the last reveal: FRAUD votes
//     >= quorum → the executor's validator is slashed (slash_fraction), its executor deactivated, the requester
//     refunded max_fee, each FRAUD voter rewarded; otherwise HONEST → settled as usual, each member that
//     revealed rewarded. Members that did not reveal get nothing and count a missed audit (jailed at
//     max_verifier_misses). EventAuditConcluded.

// zeroCoin is a zero amount that marshals the same before and after a store round trip.
func zeroCoin(denom string) sdk.Coin { return sdk.Coin{Denom: denom, Amount: math.ZeroInt()} }

// decideAudit decides whether a job whose result was submitted in an earlier block is audited. It sets
// job.Audit and emits EventAuditDecided in every case. When the job is audited it also moves it to AUDITING,
// queues its conclusion, indexes its committee and stores it, and returns true; otherwise the caller settles it
// (which stores it).
func (k Keeper) decideAudit(ctx sdk.Context, p types.Params, job *types.Job) (audited bool, err error) {
	prob, err := p.AuditProbabilityDec()
	if err != nil {
		return false, err
	}
	h := ctx.BlockHeight()
	draw := types.AuditDraw(blockHash(ctx), job.Id)
	a := &types.Audit{DecidedHeight: h, Slashed: zeroCoin("")}
	job.Audit = a
	ev := &types.EventAuditDecided{JobId: job.Id, Model: job.Model, Executor: job.Executor}
	emit := func() error {
		ev.Outcome, ev.Note = a.Outcome, a.Note
		return ctx.EventManager().EmitTypedEvent(ev)
	}

	if !types.AuditSelected(draw, prob) {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_NOT_SELECTED
		return false, emit()
	}
	cands, err := k.EligibleExecutors(ctx, job.Model, map[string]bool{job.Executor: true})
	if err != nil {
		return false, err
	}
	weights := make([]math.Int, len(cands))
	for i, c := range cands {
		weights[i] = c.Weight
	}
	picks := types.PickCommittee(draw, weights, int(p.CommitteeSize))
	if len(picks) == 0 {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_SKIPPED
		a.Note = types.NoteNoOtherExecutor
		return false, emit()
	}

	a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS
	a.Note = types.CommitteeNote(len(picks), int(p.CommitteeSize))
	a.Quorum = min(p.Quorum, uint32(len(picks)))
	a.CommitDeadline = h + int64(p.CommitBlocks)
	a.RevealDeadline = a.CommitDeadline + int64(p.RevealBlocks)
	for _, i := range picks {
		member := cands[i].Executor
		a.Committee = append(a.Committee, member.Validator)
		a.Votes = append(a.Votes, types.VerifierVote{Verifier: member.Validator, Reward: zeroCoin(p.VerifierReward.Denom)})
		ev.Committee = append(ev.Committee, member.Validator)
		ev.CommitteeSidecars = append(ev.CommitteeSidecars, member.Sidecar)
		if err := k.JobsByVerifier.Set(ctx, collections.Join(member.Validator, job.Id)); err != nil {
			return false, err
		}
	}
	ev.CommitDeadline, ev.RevealDeadline = a.CommitDeadline, a.RevealDeadline
	job.Status = types.JobStatus_JOB_STATUS_AUDITING
	if err := k.AuditQueue.Set(ctx, collections.Join(a.RevealDeadline, job.Id)); err != nil {
		return false, err
	}
	if err := k.setJob(ctx, *job); err != nil {
		return false, err
	}
	return true, emit()
}

// auditConclusionHeight is the AuditQueue height of an audit in progress: the height of the last reveal once
// every member revealed, the reveal deadline otherwise.
func auditConclusionHeight(a *types.Audit) int64 {
	last := int64(0)
	for _, v := range a.Votes {
		if v.RevealedHeight == 0 {
			return a.RevealDeadline
		}
		last = max(last, v.RevealedHeight)
	}
	return last
}

// concludeAudit concludes an AUDITING job whose reveal phase is over (or fully revealed): see the package
// comment above. The caller has removed its AuditQueue entry. Slashing and jailing run in their own cache
// contexts and never fail the conclusion: a failure is logged and recorded (zero slashed) instead.
func (k Keeper) concludeAudit(ctx sdk.Context, p types.Params, job *types.Job) error {
	a := job.Audit
	if a == nil || job.Result == nil {
		return fmt.Errorf("job %d is AUDITING without an audit or a result", job.Id)
	}
	revealed, fraud := 0, 0
	for _, v := range a.Votes {
		if v.RevealedHeight != 0 {
			revealed++
			if v.Verdict == types.Verdict_VERDICT_FRAUD {
				fraud++
			}
		}
	}
	bondDenom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return err
	}
	a.Slashed = zeroCoin(bondDenom)
	a.ConcludedHeight = ctx.BlockHeight()

	if uint32(fraud) >= a.Quorum {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_FRAUD
		slashed, note := k.slashExecutor(ctx, p, job)
		a.Slashed = sdk.NewCoin(bondDenom, slashed)
		if note != "" {
			a.Note = joinNote(a.Note, note)
		}
		if err := k.deactivateExecutor(ctx, job.Executor,
			fmt.Sprintf("deactivated: the audit of job %d found fraud (%d of %d verifiers, quorum %d); slashed %s", job.Id, fraud, len(a.Committee), a.Quorum, a.Slashed)); err != nil {
			return err
		}
		reason := fmt.Sprintf("fraud: the audit committee found the result of executor %s invalid (%d of %d FRAUD verdicts, quorum %d)", job.Executor, fraud, len(a.Committee), a.Quorum)
		if err := k.refund(ctx, job, reason); err != nil {
			return err
		}
	} else {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_HONEST
		if err := k.settle(ctx, p, job); err != nil {
			return err
		}
	}

	// rewards (after settlement: the pool holds this job's verifier share too) and misses
	var missed []string
	for i := range a.Votes {
		v := &a.Votes[i]
		valBz, err := k.validatorAddressCodec.StringToBytes(v.Verifier)
		if err != nil {
			return fmt.Errorf("job %d: committee member %q: %w", job.Id, v.Verifier, err)
		}
		if v.RevealedHeight == 0 {
			missed = append(missed, v.Verifier)
			v.Reward = zeroCoin(p.VerifierReward.Denom)
			if err := k.countAuditMiss(ctx, p, valBz, job.Id); err != nil {
				return err
			}
			continue
		}
		if a.Outcome == types.AuditOutcome_AUDIT_OUTCOME_FRAUD && v.Verdict != types.Verdict_VERDICT_FRAUD {
			v.Reward = zeroCoin(p.VerifierReward.Denom) // outvoted
			continue
		}
		if v.Reward, err = k.payFromPool(ctx, sdk.AccAddress(valBz), p.VerifierReward); err != nil {
			return err
		}
	}
	if err := k.setJob(ctx, *job); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventAuditConcluded{
		JobId: job.Id, Executor: job.Executor, Outcome: a.Outcome, Slashed: &a.Slashed, Missed: missed,
	})
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// payFromPool pays want (or what the verifier pool holds, if less) from the verifier pool to an account and
// returns what was paid. An account that cannot receive funds gets nothing (the reward stays in the pool).
func (k Keeper) payFromPool(ctx sdk.Context, to sdk.AccAddress, want sdk.Coin) (sdk.Coin, error) {
	paid := zeroCoin(want.Denom)
	if !want.IsPositive() || k.bankKeeper.BlockedAddr(to) {
		return paid, nil
	}
	pool := k.accountKeeper.GetModuleAddress(types.VerifierPoolName)
	bal := k.bankKeeper.GetBalance(ctx, pool, want.Denom)
	amt := math.MinInt(want.Amount, bal.Amount)
	if !amt.IsPositive() {
		return paid, nil
	}
	paid = sdk.NewCoin(want.Denom, amt)
	if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.VerifierPoolName, to, sdk.NewCoins(paid)); err != nil {
		return sdk.Coin{}, err
	}
	return paid, nil
}

// tryStaking runs fn in a cache context, writing it only when fn succeeds; a panic (x/staking panics on some
// unreachable states) becomes an error. Slashing and jailing never fail the EndBlocker.
func tryStaking(ctx sdk.Context, fn func(cctx sdk.Context) error) (err error) {
	cctx, write := ctx.CacheContext()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	if err := fn(cctx); err != nil {
		return err
	}
	write()
	return nil
}

// slashExecutor slashes slash_fraction of the job executor's validator, at its current consensus power, for
// an infraction at the height the result was submitted. It returns the tokens burned and, when nothing could
// be slashed, a note saying why.
func (k Keeper) slashExecutor(ctx sdk.Context, p types.Params, job *types.Job) (math.Int, string) {
	fraction, err := p.SlashFractionDec()
	if err != nil {
		return math.ZeroInt(), "not slashed: " + err.Error()
	}
	valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
	if err != nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: executor %q: %v", job.Executor, err)
	}
	v, err := k.stakingKeeper.Validator(ctx, valBz)
	if err != nil || v == nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s not found", job.Executor)
	}
	if v.IsUnbonded() {
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s is unbonded", job.Executor)
	}
	consAddr, err := v.GetConsAddr()
	if err != nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s: %v", job.Executor, err)
	}
	power := v.GetConsensusPower(k.stakingKeeper.PowerReduction(ctx))
	slashed := math.ZeroInt()
	if err := tryStaking(ctx, func(cctx sdk.Context) error {
		amt, err := k.stakingKeeper.Slash(cctx, consAddr, job.Result.SubmittedHeight, power, fraction)
		if err == nil {
			slashed = amt
		}
		return err
	}); err != nil {
		k.Logger(ctx).Error("inference: could not slash a fraudulent executor", "job", job.Id, "validator", job.Executor, "err", err)
		return math.ZeroInt(), fmt.Sprintf("not slashed: %v", err)
	}
	return slashed, ""
}

// deactivateExecutor marks an executor inactive (if it is active) and emits EventExecutorUpdated with the reason.
func (k Keeper) deactivateExecutor(ctx sdk.Context, validator, reason string) error {
	valBz, err := k.validatorAddressCodec.StringToBytes(validator)
	if err != nil {
		return err
	}
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil || !found || !e.Active {
		return err
	}
	e.Active = false
	if err := k.Executors.Set(ctx, valBz, e); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: false, Reason: reason,
	})
}

// countAuditMiss increments a committee member's missed_audits; at max_verifier_misses (when positive) its
// validator is jailed (unless it already is) and its executor deactivated.
func (k Keeper) countAuditMiss(ctx sdk.Context, p types.Params, valBz sdk.ValAddress, jobID uint64) error {
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil || !found {
		return err
	}
	e.MissedAudits++
	if err := k.Executors.Set(ctx, valBz, e); err != nil {
		return err
	}
	if p.MaxVerifierMisses == 0 || e.MissedAudits < uint64(p.MaxVerifierMisses) {
		return nil
	}
	jailed := "validator jailed"
	v, err := k.stakingKeeper.Validator(ctx, valBz)
	switch {
	case err != nil || v == nil:
		jailed = "validator not found, not jailed"
	case v.IsJailed():
		jailed = "validator already jailed"
	default:
		if err := tryStaking(ctx, func(cctx sdk.Context) error {
			consAddr, err := v.GetConsAddr()
			if err != nil {
				return err
			}
			return k.stakingKeeper.Jail(cctx, consAddr)
		}); err != nil {
			k.Logger(ctx).Error("inference: could not jail a verifier", "job", jobID, "validator", e.Validator, "err", err)
			jailed = fmt.Sprintf("could not jail the validator: %v", err)
		}
	}
	reason := fmt.Sprintf("deactivated: did not reveal a verdict in %d consecutive audits (max_verifier_misses %d, last job %d); %s",
		e.MissedAudits, p.MaxVerifierMisses, jobID, jailed)
	if !e.Active {
		// still say that the validator was jailed
		return ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
			Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: false, Reason: reason,
		})
	}
	return k.deactivateExecutor(ctx, e.Validator, reason)
}
