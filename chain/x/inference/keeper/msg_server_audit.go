package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// auditDuty is a committee member's vote slot in an audit in progress, found from its sidecar account.
type auditDuty struct {
	job    types.Job
	member int // index in job.Audit.Committee and job.Audit.Votes
	val    sdk.ValAddress
	height int64
}

// loadAuditDuty runs the checks shared by CommitVerdict and RevealVerdict: the sidecar decodes, the job exists
// and is AUDITING, and the sidecar is the bound account of the executor of a committee member. It writes nothing.
func (k Keeper) loadAuditDuty(ctx context.Context, sidecarAddr string, jobID uint64) (auditDuty, error) {
	var d auditDuty
	if err := types.ValidateAddressField("sidecar", sidecarAddr); err != nil {
		return d, err
	}
	sidecar, _, err := k.canonicalAccount("sidecar", sidecarAddr)
	if err != nil {
		return d, err
	}
	job, found, err := k.GetJob(ctx, jobID)
	if err != nil {
		return d, err
	}
	if !found {
		return d, errorsmod.Wrapf(types.ErrNotFound, "job_id: job %d not found", jobID)
	}
	if job.Status != types.JobStatus_JOB_STATUS_AUDITING || job.Audit == nil {
		return d, errorsmod.Wrapf(types.ErrInvalidJobState, "job_id: job %d is not under audit (status %s)", job.Id, job.Status)
	}
	notMember := errorsmod.Wrapf(types.ErrUnauthorized, "sidecar: %s is not the account of a member of the audit committee of job %d", sidecar, job.Id)
	val, err := k.Executors.Indexes.Sidecar.MatchExact(ctx, sidecar)
	if err != nil {
		return d, notMember
	}
	valStr, err := k.validatorAddressCodec.BytesToString(val)
	if err != nil {
		return d, err
	}
	for i, m := range job.Audit.Committee {
		if m == valStr {
			return auditDuty{job: job, member: i, val: val, height: sdk.UnwrapSDKContext(ctx).BlockHeight()}, nil
		}
	}
	return d, notMember
}

// CommitVerdict records a committee member's commitment to its verdict during the commit phase (height <=
// commit_deadline), once per member.
func (k msgServer) CommitVerdict(ctx context.Context, msg *types.MsgCommitVerdict) (*types.MsgCommitVerdictResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := types.ValidateCommitHash(msg.CommitHash); err != nil {
		return nil, err
	}
	d, err := k.loadAuditDuty(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job, a := d.job, d.job.Audit
	if d.height > a.CommitDeadline {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: job %d: the commit phase ended at height %d (now %d)", job.Id, a.CommitDeadline, d.height)
	}
	v := &a.Votes[d.member]
	if v.CommitHash != "" {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "commit_hash: verifier %s already committed to a verdict for job %d (at height %d)", v.Verifier, job.Id, v.CommittedHeight)
	}
	v.CommitHash = msg.CommitHash
	v.CommittedHeight = d.height
	if err := k.setJob(ctx, job); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventVerdictCommitted{JobId: job.Id, Verifier: v.Verifier}); err != nil {
		return nil, err
	}
	return &types.MsgCommitVerdictResponse{}, nil
}

// RevealVerdict opens a committee member's commitment after the commit phase (past commit_deadline, or once
// every member committed) and until reveal_deadline. The salt must open the commitment
// (types.VerdictCommitHash). The last reveal of the committee moves the audit's conclusion to the EndBlocker of
// this block. A reveal alone does not end the member's streak of missed audits: a verdict that agrees with the
// decided outcome does, when the audit concludes (a reveal of the losing verdict counts a miss instead).
func (k msgServer) RevealVerdict(ctx context.Context, msg *types.MsgRevealVerdict) (*types.MsgRevealVerdictResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := types.ValidateVerdict(msg.Verdict); err != nil {
		return nil, err
	}
	salt, err := types.ParseSalt(msg.Salt)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateVerdictReason(msg.Reason); err != nil {
		return nil, err
	}
	d, err := k.loadAuditDuty(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job, a := d.job, d.job.Audit
	if d.height > a.RevealDeadline {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: job %d: the reveal phase ended at height %d (now %d)", job.Id, a.RevealDeadline, d.height)
	}
	v := &a.Votes[d.member]
	if v.RevealedHeight != 0 {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "verdict: verifier %s already revealed its verdict for job %d (at height %d)", v.Verifier, job.Id, v.RevealedHeight)
	}
	committed := 0
	for _, o := range a.Votes {
		if o.CommitHash != "" {
			committed++
		}
	}
	if d.height <= a.CommitDeadline && committed < len(a.Votes) {
		return nil, errorsmod.Wrapf(types.ErrAuditPhase, "job_id: job %d is in its commit phase until height %d (%d of %d members committed); reveal after it", job.Id, a.CommitDeadline, committed, len(a.Votes))
	}
	if v.CommitHash == "" {
		return nil, errorsmod.Wrapf(types.ErrAuditPhase, "commit_hash: verifier %s did not commit to a verdict for job %d before the commit deadline %d, so it cannot reveal", v.Verifier, job.Id, a.CommitDeadline)
	}
	if got := types.VerdictCommitHash(job.Id, msg.Verdict, salt, v.Verifier); got != v.CommitHash {
		return nil, types.FieldErr("salt", "does not open the commitment: sha256(%q ‖ job %d ‖ %s ‖ salt ‖ %s) is %s, the commitment is %s", types.VerdictDomain, job.Id, msg.Verdict, v.Verifier, got, v.CommitHash)
	}
	v.Verdict = msg.Verdict
	v.Reason = msg.Reason
	v.RevealedHeight = d.height
	if when := auditConclusionHeight(a); when != a.RevealDeadline {
		// every member revealed: conclude in this block's EndBlocker
		if err := k.AuditQueue.Remove(ctx, collections.Join(a.RevealDeadline, job.Id)); err != nil {
			return nil, err
		}
		if err := k.AuditQueue.Set(ctx, collections.Join(when, job.Id)); err != nil {
			return nil, err
		}
	}
	if err := k.setJob(ctx, job); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventVerdictRevealed{
		JobId: job.Id, Verifier: v.Verifier, Verdict: v.Verdict, Reason: v.Reason,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRevealVerdictResponse{}, nil
}
