package keeper

import (
	"encoding/hex"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Sampled audits (DESIGN.md "Verification"; the rules and the threat model: ../README.md).
//
// Lifecycle of a result:
//
//  1. decideAudit, in the EndBlocker of a block after the result's block, unless that block's proposer has a
//     stake in the decision (deferAudit): types.AuditDraw(block entropy, job id) selects the job with
//     probability audit_probability. Not selected, or selected with fewer eligible verifiers than quorum
//     (SKIPPED / INSUFFICIENT_COMMITTEE): the audit record is kept on the job and it settles at once. Selected:
//     a committee of committee_size other executors is drawn (types.PickCommittee), the job goes AUDITING,
//     escrow kept, commit phase until commit_deadline, reveal phase until reveal_deadline. EventAuditDecided.
//  2. MsgCommitVerdict (commit phase) then MsgRevealVerdict (after the commit phase: past commit_deadline, or
//     once every member committed; until reveal_deadline), from the committee members' sidecars.
//  3. concludeAudit, in the EndBlocker at the reveal deadline or of the block of the last reveal: tally (FRAUD,
//     HONEST or INCONCLUSIVE); on FRAUD the executor's validator is slashed from its recorded stake, jailed with
//     a JailedUntil, tombstoned for the model, deactivated, and the requester refunded; otherwise the job
//     settles. Verdicts that agree with the outcome are paid; outvoted and silent members count a missed
//     audit (jailed at max_verifier_misses). EventAuditConcluded.

// zeroCoin is a zero amount that marshals the same before and after a store round trip.
func zeroCoin(denom string) sdk.Coin { return sdk.Coin{Denom: denom, Amount: math.ZeroInt()} }

// auditContext is what the EndBlocker computes once per block for every audit decision: the block's entropy
// (entropy.go), its proposer and, lazily, the consensus addresses of the bonded validators.
type auditContext struct {
	entropy  []byte
	proposer sdk.ConsAddress // empty where the context carries no header (unit tests without one)
	bonded   [][]byte        // nil until loaded
	loaded   bool
}

// neutralExists reports whether some bonded validator is outside conflicted (consensus addresses, hex): if
// none is, waiting for a neutral proposer would wait forever.
func (k Keeper) neutralExists(ctx sdk.Context, ac *auditContext, conflicted map[string]bool) bool {
	if !ac.loaded {
		ac.loaded = true
		vals, err := k.stakingKeeper.GetBondedValidatorsByPower(ctx)
		if err == nil {
			for _, v := range vals {
				if c, err := v.GetConsAddr(); err == nil {
					ac.bonded = append(ac.bonded, c)
				}
			}
		}
	}
	for _, c := range ac.bonded {
		if !conflicted[hex.EncodeToString(c)] {
			return true
		}
	}
	return false
}

// consAddrOf returns the hex consensus address of a validator ("" when it cannot be found).
func (k Keeper) consAddrOf(ctx sdk.Context, valoper string) string {
	bz, err := k.validatorAddressCodec.StringToBytes(valoper)
	if err != nil {
		return ""
	}
	v, err := k.stakingKeeper.Validator(ctx, bz)
	if err != nil || v == nil {
		return ""
	}
	c, err := v.GetConsAddr()
	if err != nil {
		return ""
	}
	return hex.EncodeToString(c)
}

// deferAudit reports whether the proposer of this block has a stake in the audit decision of job and must
// leave it to a later block (see the README, "Randomness"): within audit_max_defer_blocks of the result, the
// executor's validator and every candidate verifier are conflicted (when a bonded validator outside them
// exists); for as many blocks again, only the executor's validator is; after that anyone decides (liveness:
// a validator holding nearly all the power proposes nearly every block).
func (k Keeper) deferAudit(ctx sdk.Context, p types.Params, ac *auditContext, job *types.Job, cands []Candidate) (bool, uint32) {
	return k.deferDecision(ctx, p, ac, job.Executor, job.Result.SubmittedHeight, cands)
}

// deferDecision is deferAudit for a result of executor submitted at submittedHeight (any module's job).
func (k Keeper) deferDecision(ctx sdk.Context, p types.Params, ac *auditContext, executor string, submittedHeight int64, cands []Candidate) (bool, uint32) {
	waited := ctx.BlockHeight() - submittedHeight - 1
	if len(ac.proposer) == 0 || p.AuditMaxDeferBlocks == 0 || waited < 0 {
		return false, 0
	}
	w := uint32(min(waited, int64(2*p.AuditMaxDeferBlocks)))
	if waited >= int64(2*p.AuditMaxDeferBlocks) {
		return false, w
	}
	proposer := hex.EncodeToString(ac.proposer)
	conflicted := map[string]bool{k.consAddrOf(ctx, executor): true}
	if waited < int64(p.AuditMaxDeferBlocks) {
		for _, c := range cands {
			conflicted[k.consAddrOf(ctx, c.Executor.Validator)] = true
		}
		if conflicted[proposer] && k.neutralExists(ctx, ac, conflicted) {
			return true, w
		}
		conflicted = map[string]bool{k.consAddrOf(ctx, executor): true}
	}
	return conflicted[proposer], w
}

// decideAudit decides whether a job whose result was submitted in an earlier block is audited. When the
// block's proposer has a stake in the decision (deferAudit) it emits EventAuditDeferred and returns deferred:
// the job stays in the settlement queue. Otherwise it sets job.Audit and emits EventAuditDecided. When the job
// is audited it also moves it to AUDITING, queues its conclusion, indexes its committee and stores it, and
// returns audited; otherwise the caller settles it (which stores it).
//
// The committee is never smaller than quorum: with fewer eligible verifiers the job settles unaudited
// (INSUFFICIENT_COMMITTEE), because a committee below quorum could never prove fraud and a single verifier
// must never be able to slash.
func (k Keeper) decideAudit(ctx sdk.Context, p types.Params, ac *auditContext, job *types.Job) (audited, deferred bool, err error) {
	prob, err := p.AuditProbabilityDec()
	if err != nil {
		return false, false, err
	}
	cands, err := k.EligibleExecutors(ctx, job.Model, map[string]bool{job.Executor: true})
	if err != nil {
		return false, false, err
	}
	var waited uint32
	if prob.IsPositive() && len(cands) >= int(p.Quorum) {
		// only a decision that could lead to an audit is worth grinding
		var def bool
		if def, waited = k.deferAudit(ctx, p, ac, job, cands); def {
			return false, true, ctx.EventManager().EmitTypedEvent(&types.EventAuditDeferred{
				JobId: job.Id, Proposer: hex.EncodeToString(ac.proposer), DeferredBlocks: waited,
			})
		}
	}

	h := ctx.BlockHeight()
	draw := types.AuditDraw(ac.entropy, job.Id)
	a := &types.Audit{DecidedHeight: h, Slashed: zeroCoin(""), DecidedBy: hex.EncodeToString(ac.proposer), DeferredBlocks: waited}
	job.Audit = a
	ev := &types.EventAuditDecided{JobId: job.Id, Model: job.Model, Executor: job.Executor}
	emit := func() error {
		ev.Outcome, ev.Note = a.Outcome, a.Note
		return ctx.EventManager().EmitTypedEvent(ev)
	}

	if !types.AuditSelected(draw, prob) {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_NOT_SELECTED
		return false, false, emit()
	}
	weights := make([]math.Int, len(cands))
	for i, c := range cands {
		weights[i] = c.Weight
	}
	picks := types.PickCommittee(draw, weights, int(p.CommitteeSize))
	if len(picks) == 0 {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_SKIPPED
		a.Note = types.NoteNoOtherExecutor
		return false, false, emit()
	}
	if len(picks) < int(p.Quorum) {
		a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE
		a.Note = types.InsufficientCommitteeNote(len(picks), p.Quorum)
		return false, false, emit()
	}

	a.Outcome = types.AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS
	a.Note = types.CommitteeNote(len(picks), int(p.CommitteeSize))
	a.Quorum = p.Quorum
	a.CommitDeadline = h + int64(p.CommitBlocks)
	a.RevealDeadline = a.CommitDeadline + int64(p.RevealBlocks)
	for _, i := range picks {
		member := cands[i].Executor
		a.Committee = append(a.Committee, member.Validator)
		a.Votes = append(a.Votes, types.VerifierVote{Verifier: member.Validator, Reward: zeroCoin(p.VerifierReward.Denom)})
		ev.Committee = append(ev.Committee, member.Validator)
		ev.CommitteeSidecars = append(ev.CommitteeSidecars, member.Sidecar)
		if err := k.JobsByVerifier.Set(ctx, collections.Join(member.Validator, job.Id)); err != nil {
			return false, false, err
		}
		if err := k.OpenAudits.Set(ctx, collections.Join(member.Validator, job.Id)); err != nil {
			return false, false, err
		}
	}
	ev.CommitDeadline, ev.RevealDeadline = a.CommitDeadline, a.RevealDeadline
	job.Status = types.JobStatus_JOB_STATUS_AUDITING
	if err := k.AuditQueue.Set(ctx, collections.Join(a.RevealDeadline, job.Id)); err != nil {
		return false, false, err
	}
	if err := k.setJob(ctx, *job); err != nil {
		return false, false, err
	}
	return true, false, emit()
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

// tally decides an audit from its revealed votes (ABSTAIN counts for neither side): FRAUD when at least
// quorum members found fraud and they outnumber the VALID ones; HONEST when at least quorum found it valid and
// they are at least as many as the FRAUD ones (a tie never slashes); INCONCLUSIVE otherwise.
func tally(a *types.Audit) (outcome types.AuditOutcome, valid, fraud int) {
	for _, v := range a.Votes {
		if v.RevealedHeight == 0 {
			continue
		}
		switch v.Verdict {
		case types.Verdict_VERDICT_VALID:
			valid++
		case types.Verdict_VERDICT_FRAUD:
			fraud++
		}
	}
	switch q := int(a.Quorum); {
	case q > 0 && fraud >= q && fraud > valid:
		return types.AuditOutcome_AUDIT_OUTCOME_FRAUD, valid, fraud
	case q > 0 && valid >= q && valid >= fraud:
		return types.AuditOutcome_AUDIT_OUTCOME_HONEST, valid, fraud
	default:
		return types.AuditOutcome_AUDIT_OUTCOME_INCONCLUSIVE, valid, fraud
	}
}

// concludeAudit concludes an AUDITING job whose reveal phase is over (or fully revealed): see the package
// comment above. The caller has removed its AuditQueue entry. Slashing and jailing run in their own cache
// contexts and never fail the conclusion: a failure is logged and recorded (zero slashed) instead.
//
// Incentives: only a verdict that agrees with what happened to the job is paid (VALID when it settled, FRAUD
// when it was refunded), and it ends the member's streak of misses; so a member that votes FRAUD without
// checking is never paid for an honest job. A member that revealed the losing verdict of a decided audit
// (HONEST or FRAUD) is not paid and counts a missed audit (outvoted), as does a member that did not reveal.
// ABSTAIN is neither paid nor counted; nor is a FRAUD verdict of an INCONCLUSIVE audit (no quorum confirmed
// or refuted it).
func (k Keeper) concludeAudit(ctx sdk.Context, p types.Params, job *types.Job) error {
	a := job.Audit
	if a == nil || job.Result == nil {
		return fmt.Errorf("job %d is AUDITING without an audit or a result", job.Id)
	}
	outcome, valid, fraud := tally(a)
	bondDenom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return err
	}
	a.Slashed = zeroCoin(bondDenom)
	a.ConcludedHeight = ctx.BlockHeight()
	a.Outcome = outcome

	switch outcome {
	case types.AuditOutcome_AUDIT_OUTCOME_FRAUD:
		slashed, note := k.slashExecutor(ctx, p, job)
		a.Slashed = sdk.NewCoin(bondDenom, slashed)
		if note != "" {
			a.Note = joinNote(a.Note, note)
		}
		valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
		if err != nil {
			return err
		}
		jailNote := k.jail(ctx, p, valBz, job.Id)
		if err := k.tombstone(ctx, p, job); err != nil {
			return err
		}
		if err := k.deactivateExecutor(ctx, job.Executor,
			fmt.Sprintf("deactivated: the audit of job %d found fraud (%d of %d verifiers, quorum %d); slashed %s; %s; barred from model %s", job.Id, fraud, len(a.Committee), a.Quorum, a.Slashed, jailNote, job.Model)); err != nil {
			return err
		}
		reason := fmt.Sprintf("fraud: the audit committee found the result of executor %s invalid (%d of %d FRAUD verdicts, quorum %d)", job.Executor, fraud, len(a.Committee), a.Quorum)
		if err := k.refund(ctx, job, reason); err != nil {
			return err
		}
	case types.AuditOutcome_AUDIT_OUTCOME_HONEST:
		if err := k.settle(ctx, p, job); err != nil {
			return err
		}
	default:
		a.Note = joinNote(a.Note, fmt.Sprintf("inconclusive: %d VALID and %d FRAUD verdicts, quorum %d; settled unaudited", valid, fraud, a.Quorum))
		if err := k.settle(ctx, p, job); err != nil {
			return err
		}
	}
	// the verdict that agrees with what happened to the job: VALID when it settled (HONEST, INCONCLUSIVE), FRAUD
	// when it was refunded and slashed
	decided := outcome == types.AuditOutcome_AUDIT_OUTCOME_FRAUD || outcome == types.AuditOutcome_AUDIT_OUTCOME_HONEST
	winning := types.Verdict_VERDICT_VALID
	if outcome == types.AuditOutcome_AUDIT_OUTCOME_FRAUD {
		winning = types.Verdict_VERDICT_FRAUD
	}

	// rewards (after settlement: the pool holds this job's verifier share too) and misses
	var missed []string
	for i := range a.Votes {
		v := &a.Votes[i]
		v.Reward = zeroCoin(p.VerifierReward.Denom)
		valBz, err := k.validatorAddressCodec.StringToBytes(v.Verifier)
		if err != nil {
			return fmt.Errorf("job %d: committee member %q: %w", job.Id, v.Verifier, err)
		}
		if err := k.OpenAudits.Remove(ctx, collections.Join(v.Verifier, job.Id)); err != nil {
			return err
		}
		switch {
		case v.RevealedHeight == 0:
			missed = append(missed, v.Verifier)
			if err := k.countAuditMiss(ctx, p, valBz, job.Id, "did not reveal a verdict"); err != nil {
				return err
			}
		case v.Verdict == types.Verdict_VERDICT_ABSTAIN || (!decided && v.Verdict != winning):
			// neither paid nor counted: an abstention, or a FRAUD verdict no quorum confirmed nor refuted
		case v.Verdict != winning:
			v.Outvoted = true
			missed = append(missed, v.Verifier)
			if err := k.countAuditMiss(ctx, p, valBz, job.Id, "revealed "+v.Verdict.String()+" against the outcome"); err != nil {
				return err
			}
		default:
			if v.Reward, err = k.payFromPool(ctx, sdk.AccAddress(valBz), p.VerifierReward); err != nil {
				return err
			}
			if err := k.resetAuditMisses(ctx, valBz); err != nil {
				return err
			}
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

// slashExecutor slashes slash_fraction of the stake the job executor's validator had when it submitted the
// result (Result.executor_power, recorded by MsgSubmitResult), for an infraction at the submission height, the
// way x/evidence slashes a double sign: x/staking then also slashes the unbonding delegations and
// redelegations that started since, so leaving the active set during the audit (raising min-self-delegation,
// undelegating, redelegating: power 0 now) changes nothing. It returns the tokens burned in all (measured on
// the bond denom's supply: x/staking's Slash returns only the validator's part) and, when nothing could be
// slashed, a note saying why.
func (k Keeper) slashExecutor(ctx sdk.Context, p types.Params, job *types.Job) (math.Int, string) {
	fraction, err := p.SlashFractionDec()
	if err != nil {
		return math.ZeroInt(), "not slashed: " + err.Error()
	}
	return k.slashValidator(ctx, fraction, job.Executor, job.Result.SubmittedHeight, job.Result.ExecutorPower, fmt.Sprintf("job %d", job.Id))
}

// slashValidator slashes fraction of the stake a validator had (power, at infractionHeight; <= 0: its power
// now) for an infraction at infractionHeight: see slashExecutor. what names the job in logs.
func (k Keeper) slashValidator(ctx sdk.Context, fraction math.LegacyDec, valoper string, infractionHeight, power int64, what string) (math.Int, string) {
	valBz, err := k.validatorAddressCodec.StringToBytes(valoper)
	if err != nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: executor %q: %v", valoper, err)
	}
	v, err := k.stakingKeeper.Validator(ctx, valBz)
	if err != nil || v == nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s not found", valoper)
	}
	if v.IsUnbonded() {
		// x/staking refuses: the unbonding period (which audits are far shorter than) is over
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s is unbonded", valoper)
	}
	consAddr, err := v.GetConsAddr()
	if err != nil {
		return math.ZeroInt(), fmt.Sprintf("not slashed: validator %s: %v", valoper, err)
	}
	if power <= 0 {
		// a result recorded before executor_power existed
		power = v.GetConsensusPower(k.stakingKeeper.PowerReduction(ctx))
	}
	bondDenom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return math.ZeroInt(), "not slashed: " + err.Error()
	}
	slashed := math.ZeroInt()
	if err := tryStaking(ctx, func(cctx sdk.Context) error {
		before := k.bankKeeper.GetSupply(cctx, bondDenom).Amount
		if _, err := k.stakingKeeper.Slash(cctx, consAddr, infractionHeight, power, fraction); err != nil {
			return err
		}
		slashed = before.Sub(k.bankKeeper.GetSupply(cctx, bondDenom).Amount)
		return nil
	}); err != nil {
		k.Logger(ctx).Error("inference: could not slash a fraudulent executor", "job", what, "validator", valoper, "err", err)
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
	e.DeactivatedHeight = ctx.BlockHeight()
	if err := k.Executors.Set(ctx, valBz, e); err != nil {
		return err
	}
	return ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: false, Reason: reason,
	})
}

// countAuditMiss increments a committee member's missed_audits (what says why), at most once per block; at
// max_verifier_misses (when positive) its validator is jailed for jail_duration_seconds (unless it already is)
// and its executor deactivated.
func (k Keeper) countAuditMiss(ctx sdk.Context, p types.Params, valBz sdk.ValAddress, jobID uint64, what string) error {
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil || !found {
		return err
	}
	// once per block: audits that conclude together (one outage of the verifier) are one failure
	if h := ctx.BlockHeight(); e.LastAuditMissHeight == h {
		return nil
	} else {
		e.LastAuditMissHeight = h
	}
	e.MissedAudits++
	if err := k.Executors.Set(ctx, valBz, e); err != nil {
		return err
	}
	if p.MaxVerifierMisses == 0 || e.MissedAudits < uint64(p.MaxVerifierMisses) {
		return nil
	}
	jailed := k.jail(ctx, p, valBz, jobID)
	reason := fmt.Sprintf("deactivated: missed or lost %d consecutive audits (max_verifier_misses %d, last job %d: %s); %s",
		e.MissedAudits, p.MaxVerifierMisses, jobID, what, jailed)
	if !e.Active {
		// still say that the validator was jailed
		return ctx.EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
			Validator: e.Validator, Sidecar: e.Sidecar, Models: e.Models, Active: false, Reason: reason,
		})
	}
	return k.deactivateExecutor(ctx, e.Validator, reason)
}

// resetAuditMisses ends a committee member's streak of missed audits (its verdict agreed with a decided one).
func (k Keeper) resetAuditMisses(ctx sdk.Context, valBz sdk.ValAddress) error {
	e, found, err := k.GetExecutor(ctx, valBz)
	if err != nil || !found || e.MissedAudits == 0 {
		return err
	}
	e.MissedAudits = 0
	return k.Executors.Set(ctx, valBz, e)
}
