package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

// auditSeat is a committee member's vote slot in a training audit in progress, found from its sidecar account.
type auditSeat struct {
	job    types.TrainingJob
	member int
	height int64
}

// loadSeat: the sidecar decodes, the job exists and is AUDITING, and the sidecar is the bound account of a
// committee member's executor. It writes nothing.
func (k Keeper) loadSeat(ctx context.Context, sidecarAddr string, jobID uint64) (auditSeat, error) {
	var s auditSeat
	sidecar, _, err := k.canonicalAccount("sidecar", sidecarAddr)
	if err != nil {
		return s, err
	}
	job, found, err := k.GetJob(ctx, jobID)
	if err != nil {
		return s, err
	}
	if !found {
		return s, errorsmod.Wrapf(types.ErrNotFound, "job_id: training job %d not found", jobID)
	}
	if job.Status != types.TrainingStatus_TRAINING_STATUS_AUDITING || job.Audit == nil {
		return s, errorsmod.Wrapf(types.ErrInvalidJobState, "job_id: training job %d is not under audit (status %s)", job.Id, job.Status)
	}
	for i, m := range job.Audit.Committee {
		valBz, err := k.validatorAddressCodec.StringToBytes(m)
		if err != nil {
			return s, err
		}
		e, found, err := k.inference.GetExecutor(ctx, sdk.ValAddress(valBz))
		if err != nil {
			return s, err
		}
		if found && e.Sidecar == sidecar {
			return auditSeat{job: job, member: i, height: sdk.UnwrapSDKContext(ctx).BlockHeight()}, nil
		}
	}
	return s, errorsmod.Wrapf(types.ErrUnauthorized, "sidecar: %s is not the account of a member of the audit committee of training job %d", sidecar, job.Id)
}

// CommitTrainingVerdict records a committee member's commitment during the commit phase (height <=
// commit_deadline), once per member.
func (k msgServer) CommitTrainingVerdict(ctx context.Context, msg *types.MsgCommitTrainingVerdict) (*types.MsgCommitTrainingVerdictResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := types.ValidateCommitHash(msg.CommitHash); err != nil {
		return nil, err
	}
	s, err := k.loadSeat(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job, a := s.job, s.job.Audit
	if s.height > a.CommitDeadline {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: training job %d: the commit phase ended at height %d (now %d)", job.Id, a.CommitDeadline, s.height)
	}
	v := &a.Votes[s.member]
	if v.CommitHash != "" {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "commit_hash: verifier %s already committed for training job %d (at height %d)", v.Verifier, job.Id, v.CommittedHeight)
	}
	v.CommitHash, v.CommittedHeight = msg.CommitHash, s.height
	if err := k.Jobs.Set(ctx, job.Id, job); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTrainingVerdictCommitted{JobId: job.Id, Verifier: v.Verifier}); err != nil {
		return nil, err
	}
	return &types.MsgCommitTrainingVerdictResponse{}, nil
}

// RevealTrainingVerdict opens a commitment after the commit phase (past commit_deadline, or once every member
// committed) and until reveal_deadline; the last reveal moves the conclusion to this block's EndBlocker.
func (k msgServer) RevealTrainingVerdict(ctx context.Context, msg *types.MsgRevealTrainingVerdict) (*types.MsgRevealTrainingVerdictResponse, error) {
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
	s, err := k.loadSeat(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job, a := s.job, s.job.Audit
	if s.height > a.RevealDeadline {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: training job %d: the reveal phase ended at height %d (now %d)", job.Id, a.RevealDeadline, s.height)
	}
	v := &a.Votes[s.member]
	if v.RevealedHeight != 0 {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "verdict: verifier %s already revealed for training job %d (at height %d)", v.Verifier, job.Id, v.RevealedHeight)
	}
	committed := 0
	for _, o := range a.Votes {
		if o.CommitHash != "" {
			committed++
		}
	}
	if s.height <= a.CommitDeadline && committed < len(a.Votes) {
		return nil, errorsmod.Wrapf(types.ErrAuditPhase, "job_id: training job %d is in its commit phase until height %d (%d of %d members committed); reveal after it", job.Id, a.CommitDeadline, committed, len(a.Votes))
	}
	if v.CommitHash == "" {
		return nil, errorsmod.Wrapf(types.ErrAuditPhase, "commit_hash: verifier %s did not commit for training job %d before the commit deadline %d, so it cannot reveal", v.Verifier, job.Id, a.CommitDeadline)
	}
	if got := types.VerdictCommitHash(job.Id, msg.Verdict, salt, v.Verifier); got != v.CommitHash {
		return nil, errorsmod.Wrapf(types.ErrInvalidField, "salt: does not open the commitment: sha256(%q ‖ job %d ‖ %s ‖ salt ‖ %s) is %s, the commitment is %s", types.VerdictDomain, job.Id, msg.Verdict, v.Verifier, got, v.CommitHash)
	}
	v.Verdict, v.Reason, v.RevealedHeight = msg.Verdict, msg.Reason, s.height
	if when := auditConclusionHeight(a); when != a.RevealDeadline {
		if err := k.AuditQueue.Remove(ctx, collections.Join(a.RevealDeadline, job.Id)); err != nil {
			return nil, err
		}
		if err := k.AuditQueue.Set(ctx, collections.Join(when, job.Id)); err != nil {
			return nil, err
		}
	}
	if err := k.Jobs.Set(ctx, job.Id, job); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTrainingVerdictRevealed{JobId: job.Id, Verifier: v.Verifier, Verdict: v.Verdict, Reason: v.Reason}); err != nil {
		return nil, err
	}
	return &types.MsgRevealTrainingVerdictResponse{}, nil
}
