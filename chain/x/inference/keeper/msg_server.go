package keeper

import (
	"bytes"
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/internal/fields"
	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the inference Msg service implementation.
//
// Every handler runs all its checks before it writes anything: a refused message never changes state (and
// never moves funds).
func NewMsgServerImpl(keeper Keeper) types.MsgServer {
	return msgServer{Keeper: keeper}
}

// canonicalAccount decodes a bech32 account address and re-encodes it canonically.
func (k Keeper) canonicalAccount(field, s string) (string, sdk.AccAddress, error) {
	canon, bz, err := fields.Canonical(k.addressCodec, types.ErrInvalidAddress, "account address", field, s)
	return canon, bz, err
}

// canonicalValidator decodes a bech32 validator operator address and re-encodes it canonically.
func (k Keeper) canonicalValidator(field, s string) (string, sdk.ValAddress, error) {
	canon, bz, err := fields.Canonical(k.validatorAddressCodec, types.ErrInvalidAddress, "validator operator address", field, s)
	return canon, bz, err
}

// operatorValidator maps a validator operator's account address to its validator address. It does not look the
// validator up: handlers that need a bonded validator call checkBonded.
func (k Keeper) operatorValidator(operator string) (string, sdk.ValAddress, error) {
	_, acc, err := k.canonicalAccount("operator", operator)
	if err != nil {
		return "", nil, err
	}
	val := sdk.ValAddress(acc)
	valStr, err := k.validatorAddressCodec.BytesToString(val)
	if err != nil {
		return "", nil, errorsmod.Wrapf(types.ErrInvalidAddress, "operator: %v", err)
	}
	return valStr, val, nil
}

// checkBonded refuses a validator that does not exist or is not bonded.
func (k Keeper) checkBonded(ctx context.Context, operator, valStr string, val sdk.ValAddress) error {
	v, err := k.stakingKeeper.Validator(ctx, val)
	if err != nil || v == nil {
		return errorsmod.Wrapf(types.ErrNotFound, "operator: %s is not the operator of a validator (no validator %s)", operator, valStr)
	}
	if !v.IsBonded() || v.IsJailed() {
		return errorsmod.Wrapf(types.ErrValidatorNotBonded, "operator: validator %s is not bonded (status %s, jailed %t)", valStr, v.GetStatus(), v.IsJailed())
	}
	return nil
}

// checkModelActive refuses a model that is not registered or not active in x/registry.
func (k Keeper) checkModelActive(ctx context.Context, field, root string) (registrytypes.Model, error) {
	m, found, err := k.registry.GetModel(ctx, root)
	if err != nil {
		return m, err
	}
	if !found {
		return m, errorsmod.Wrapf(types.ErrModelUnavailable, "%s: %s is unknown (no model with this content root in the registry)", field, root)
	}
	switch m.Status {
	case registrytypes.ModelStatus_MODEL_STATUS_ACTIVE:
		return m, nil
	case registrytypes.ModelStatus_MODEL_STATUS_REVOKED:
		return m, errorsmod.Wrapf(types.ErrModelUnavailable, "%s: %s (%s@%s) is revoked", field, root, m.Name, m.Version)
	case registrytypes.ModelStatus_MODEL_STATUS_DEPRECATED:
		return m, errorsmod.Wrapf(types.ErrModelUnavailable, "%s: %s (%s@%s) is deprecated", field, root, m.Name, m.Version)
	case registrytypes.ModelStatus_MODEL_STATUS_PENDING:
		// a trained child before its training verdict: a forged one must earn nothing
		return m, errorsmod.Wrapf(types.ErrModelUnavailable, "%s: model %s (%s@%s) is pending its training audit (%s, since block %d); request it once its training job settles",
			field, root, m.Name, m.Version, m.StatusReason, m.StatusHeight)
	default:
		return m, errorsmod.Wrapf(types.ErrModelUnavailable, "%s: %s (%s@%s) is not active (status %s)", field, root, m.Name, m.Version, m.Status)
	}
}

// checkModels checks that every model of an executor's list is registered and active, or pending: a trained
// child awaiting its training audit may be listed (its trainer serves it from submission, and must stay able to
// update or reactivate its executor meanwhile) but no job is requested for it until it is active.
func (k Keeper) checkModels(ctx context.Context, models []string) error {
	for i, m := range models {
		if reg, err := k.checkModelActive(ctx, fmt.Sprintf("models[%d]", i), m); err != nil && reg.Status != registrytypes.ModelStatus_MODEL_STATUS_PENDING {
			return err
		}
	}
	return nil
}

// checkSidecarFree refuses a sidecar account already bound to another executor.
func (k Keeper) checkSidecarFree(ctx context.Context, sidecar string, self sdk.ValAddress) error {
	other, err := k.Executors.Indexes.Sidecar.MatchExact(ctx, sidecar)
	if err == nil && !bytes.Equal(other, self) {
		otherStr, _ := k.validatorAddressCodec.BytesToString(other)
		return errorsmod.Wrapf(types.ErrDuplicate, "sidecar: %s is already bound to executor %s", sidecar, otherStr)
	}
	return nil
}

// RegisterExecutor binds a bonded validator's sidecar account and models.
func (k msgServer) RegisterExecutor(ctx context.Context, msg *types.MsgRegisterExecutor) (*types.MsgRegisterExecutorResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	valStr, val, err := k.operatorValidator(msg.Operator)
	if err != nil {
		return nil, err
	}
	if err := k.checkBonded(ctx, msg.Operator, valStr, val); err != nil {
		return nil, err
	}
	if has, err := k.Executors.Has(ctx, val); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "operator: validator %s already has an executor; use MsgUpdateExecutor", valStr)
	}
	sidecar, _, err := k.canonicalAccount("sidecar", msg.Sidecar)
	if err != nil {
		return nil, err
	}
	if err := k.checkSidecarFree(ctx, sidecar, val); err != nil {
		return nil, err
	}
	if err := k.checkModels(ctx, msg.Models); err != nil {
		return nil, err
	}
	if err := k.checkNotTombstoned(ctx, valStr, msg.Models); err != nil {
		return nil, err
	}
	e := types.Executor{
		Validator:        valStr,
		Sidecar:          sidecar,
		Models:           append([]string(nil), msg.Models...),
		Endpoint:         msg.Endpoint,
		Active:           true,
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.setExecutor(ctx, val, e); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutorRegistered{
		Validator: valStr, Sidecar: sidecar, Models: e.Models,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRegisterExecutorResponse{Validator: valStr}, nil
}

// UpdateExecutor changes an executor's sidecar, models, endpoint or active flag. Only its operator may (the
// executor is found from the signer). Activating (or staying active) re-checks that the validator is bonded
// and that every model of the resulting list is registered and active; deactivating always succeeds, so a
// validator can always stop taking jobs. Reactivation resets missed_deadlines.
func (k msgServer) UpdateExecutor(ctx context.Context, msg *types.MsgUpdateExecutor) (*types.MsgUpdateExecutorResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	valStr, val, err := k.operatorValidator(msg.Operator)
	if err != nil {
		return nil, err
	}
	e, found, err := k.GetExecutor(ctx, val)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "operator: validator %s has no executor; use MsgRegisterExecutor", valStr)
	}
	if msg.Sidecar != "" {
		sidecar, _, err := k.canonicalAccount("sidecar", msg.Sidecar)
		if err != nil {
			return nil, err
		}
		if err := k.checkSidecarFree(ctx, sidecar, val); err != nil {
			return nil, err
		}
		e.Sidecar = sidecar
	}
	if len(msg.Models) > 0 {
		if err := k.checkNotTombstoned(ctx, valStr, msg.Models); err != nil {
			return nil, err
		}
		e.Models = append([]string(nil), msg.Models...)
	}
	if msg.Endpoint != "" {
		e.Endpoint = msg.Endpoint
	}
	if msg.Active {
		if h := sdk.UnwrapSDKContext(ctx).BlockHeight(); !e.Active && e.DeactivatedHeight == h {
			// a deactivation by the chain (misses, rejections past the limit, fraud) holds for its block at least
			return nil, errorsmod.Wrapf(types.ErrTooSoon, "active: executor %s was deactivated by the chain at this height (%d); reactivate in a later block", valStr, h)
		}
		if err := k.checkBonded(ctx, msg.Operator, valStr, val); err != nil {
			return nil, err
		}
		if len(e.Models) == 0 {
			// a fraud verdict removed its only model (tombstone)
			return nil, types.FieldErr("models", "executor %s serves no model; list at least one to activate it", valStr)
		}
		if err := k.checkModels(ctx, e.Models); err != nil {
			return nil, err
		}
		if !e.Active {
			e.MissedDeadlines = 0
		}
	} else if len(msg.Models) > 0 {
		// an inactive executor's list is checked when it is reactivated; still refuse unknown models now
		for i, m := range e.Models {
			if _, found, err := k.registry.GetModel(ctx, m); err != nil {
				return nil, err
			} else if !found {
				return nil, errorsmod.Wrapf(types.ErrModelUnavailable, "models[%d]: %s is unknown (no model with this content root in the registry)", i, m)
			}
		}
	}
	reason := "updated by the operator"
	if e.Active != msg.Active {
		if msg.Active {
			reason = "activated by the operator"
		} else {
			reason = "deactivated by the operator"
		}
	}
	e.Active = msg.Active
	if err := k.setExecutor(ctx, val, e); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutorUpdated{
		Validator: valStr, Sidecar: e.Sidecar, Models: e.Models, Active: e.Active, Reason: reason,
	}); err != nil {
		return nil, err
	}
	return &types.MsgUpdateExecutorResponse{}, nil
}

// RequestInference validates a request, picks its executor, escrows max_fee and creates the job.
func (k msgServer) RequestInference(ctx context.Context, msg *types.MsgRequestInference) (*types.MsgRequestInferenceResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(p); err != nil {
		return nil, err
	}
	requester, requesterAddr, err := k.canonicalAccount("requester", msg.Requester)
	if err != nil {
		return nil, err
	}
	if k.bankKeeper.BlockedAddr(requesterAddr) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "requester: %s cannot receive funds (a blocked module address), so its escrow could never be refunded", requester)
	}
	if _, err := k.checkModelActive(ctx, "model", msg.Model); err != nil {
		return nil, err
	}

	id, err := k.peekJobID(ctx)
	if err != nil {
		return nil, err
	}
	c, found, err := k.PickExecutor(ctx, msg.Model, id, nil)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrap(types.ErrNoExecutor, noExecutorErr(msg.Model).Error())
	}

	// escrow: the last check that can fail (insufficient funds); nothing was written before it
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, requesterAddr, types.ModuleName, sdk.NewCoins(msg.MaxFee)); err != nil {
		return nil, errorsmod.Wrapf(err, "max_fee: cannot escrow %s from %s", msg.MaxFee, requester)
	}

	sdkCtx := sdk.UnwrapSDKContext(ctx)
	seed, clientSeed := jobSeed(msg, blockHash(ctx), id)
	job := types.Job{
		Id:               id,
		Requester:        requester,
		Model:            msg.Model,
		Prompt:           msg.Prompt,
		MaxTokens:        msg.MaxTokens,
		TemperatureMilli: msg.TemperatureMilli,
		TopK:             msg.TopK,
		MaxFee:           msg.MaxFee,
		Seed:             seed,
		ClientSeed:       clientSeed,
		CreatedHeight:    sdkCtx.BlockHeight(),
	}
	if err := k.assign(ctx, p, &job, c); err != nil {
		return nil, err
	}
	if err := k.setJob(ctx, job); err != nil {
		return nil, err
	}
	if err := k.JobSeq.Set(ctx, id+1); err != nil {
		return nil, err
	}
	return &types.MsgRequestInferenceResponse{JobId: id, Executor: job.Executor, DeadlineHeight: job.DeadlineHeight}, nil
}

// jobSeed is the job's sampling seed: the requester's own when the request carries one, else derived from the
// block hash and the job id. Why a requester may choose it: the seed only drives the sampler of the requester's
// own job (reproducible outputs for the same prompt, params and seed); audits re-run the job with the seed on
// chain, so a chosen seed is verified exactly like a derived one, and nothing else (executor assignment, audit
// selection, possession challenges) reads it. The executor still cannot choose or grind it: it is fixed in the
// request before the executor is assigned, and an executor that samples with another seed fails its audit.
// A requester choosing their own randomness harms nobody else.
func jobSeed(msg *types.MsgRequestInference, blockHash []byte, id uint64) (seed uint64, clientSeed bool) {
	if msg.Seed != nil {
		return msg.Seed.Value, true
	}
	return types.DeriveSeed(blockHash, id), false
}

// answerable is a job its assigned executor's sidecar may answer now (SubmitResult or RejectJob).
type answerable struct {
	job      types.Job
	executor types.Executor
	val      sdk.ValAddress
	sidecar  string // canonical
	height   int64
}

// loadAnswerable runs the checks shared by SubmitResult and RejectJob, with the same errors for both: the
// sidecar decodes, the job exists and is PENDING, the sidecar is the bound account of the job's assigned
// executor, and the deadline has not passed (height <= deadline_height). It writes nothing.
func (k Keeper) loadAnswerable(ctx context.Context, sidecarAddr string, jobID uint64) (answerable, error) {
	var a answerable
	if err := types.ValidateAddressField("sidecar", sidecarAddr); err != nil {
		return a, err
	}
	sidecar, _, err := k.canonicalAccount("sidecar", sidecarAddr)
	if err != nil {
		return a, err
	}
	job, found, err := k.GetJob(ctx, jobID)
	if err != nil {
		return a, err
	}
	if !found {
		return a, errorsmod.Wrapf(types.ErrNotFound, "job_id: job %d not found", jobID)
	}
	switch job.Status {
	case types.JobStatus_JOB_STATUS_PENDING:
	case types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, types.JobStatus_JOB_STATUS_SETTLED, types.JobStatus_JOB_STATUS_AUDITING:
		return a, errorsmod.Wrapf(types.ErrDuplicate, "job_id: job %d already has a result", job.Id)
	case types.JobStatus_JOB_STATUS_REFUNDED:
		return a, errorsmod.Wrapf(types.ErrInvalidJobState, "job_id: job %d was refunded (%s)", job.Id, job.StatusReason)
	default:
		return a, errorsmod.Wrapf(types.ErrInvalidJobState, "job_id: job %d is %s", job.Id, job.Status)
	}
	_, val, err := k.canonicalValidator("executor", job.Executor)
	if err != nil {
		return a, err
	}
	e, found, err := k.GetExecutor(ctx, val)
	if err != nil {
		return a, err
	}
	if !found || e.Sidecar != sidecar {
		return a, errorsmod.Wrapf(types.ErrUnauthorized, "sidecar: %s is not the account of the assigned executor %s of job %d", sidecar, job.Executor, job.Id)
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if h > job.DeadlineHeight {
		return a, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: job %d: deadline passed at height %d (now %d)", job.Id, job.DeadlineHeight, h)
	}
	return answerable{job: job, executor: e, val: val, sidecar: sidecar, height: h}, nil
}

// SubmitResult records the result of a PENDING job from its assigned executor's sidecar, before the deadline.
// It settles in the EndBlocker of a later block.
func (k msgServer) SubmitResult(ctx context.Context, msg *types.MsgSubmitResult) (*types.MsgSubmitResultResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	a, err := k.loadAnswerable(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job, e, val, sidecar, h := a.job, a.executor, a.val, a.sidecar, a.height
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateResult(p, job.MaxTokens, msg.OutputTokenIds, msg.OutputText, msg.Commitment, msg.FinishReason); err != nil {
		return nil, err
	}
	if err := types.ValidateRuntime(msg.Runtime); err != nil {
		return nil, err
	}

	// the stake a fraud verdict will slash from: the validator's power now, at the infraction height
	power, tokens := int64(0), "0"
	if v, err := k.stakingKeeper.Validator(ctx, val); err == nil && v != nil {
		power = v.GetConsensusPower(k.stakingKeeper.PowerReduction(ctx))
		tokens = v.GetBondedTokens().String()
	}

	job.Status = types.JobStatus_JOB_STATUS_RESULT_SUBMITTED
	job.Result = &types.Result{
		ExecutorPower:   power,
		ExecutorTokens:  tokens,
		OutputTokenIds:  append([]uint32(nil), msg.OutputTokenIds...),
		OutputText:      msg.OutputText,
		Commitment:      msg.Commitment,
		FinishReason:    msg.FinishReason,
		Runtime:         msg.Runtime,
		SubmittedHeight: h,
		SubmittedBy:     sidecar,
	}
	if err := k.DeadlineQueue.Remove(ctx, collections.Join(job.DeadlineHeight, job.Id)); err != nil {
		return nil, err
	}
	if err := k.SettlementQueue.Set(ctx, collections.Join(h, job.Id)); err != nil {
		return nil, err
	}
	if err := k.setJob(ctx, job); err != nil {
		return nil, err
	}
	// an answered job ends the executor's streak of missed deadlines
	if e.MissedDeadlines != 0 {
		e.MissedDeadlines = 0
		if err := k.Executors.Set(ctx, val, e); err != nil {
			return nil, err
		}
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventResultSubmitted{
		JobId: job.Id, Executor: job.Executor, Commitment: msg.Commitment, OutputTokens: uint32(len(msg.OutputTokenIds)),
	}); err != nil {
		return nil, err
	}
	return &types.MsgSubmitResultResponse{}, nil
}

// RejectJob lets the assigned executor's sidecar refuse a PENDING job that no honest executor can run (e.g. a
// prompt that does not fit the model's context: only the off-chain tokenizer can tell). The sender, status and
// deadline checks are SubmitResult's (loadAnswerable). The whole max_fee goes back to the requester at once, the
// job ends REFUNDED with status_reason "rejected by executor <valoper>: <reason>", and EventJobRejected then
// EventJobRefunded are emitted. A rejection is an answer, not a miss: missed_deadlines is left as it is (not
// incremented, and not reset either: a rejection costs no compute, so it does not prove the executor works).
// Rejections are free up to max_rejections_per_window per rejection_window_blocks; each one beyond counts as a
// missed deadline (countRejection), so a validator cannot refuse every job it is assigned for free.
func (k msgServer) RejectJob(ctx context.Context, msg *types.MsgRejectJob) (*types.MsgRejectJobResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := types.ValidateRejectReason(msg.Reason); err != nil {
		return nil, err
	}
	a, err := k.loadAnswerable(ctx, msg.Sidecar, msg.JobId)
	if err != nil {
		return nil, err
	}
	job := a.job
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := k.countRejection(sdk.UnwrapSDKContext(ctx), p, a.val, a.executor); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobRejected{
		JobId: job.Id, Executor: job.Executor, Reason: msg.Reason,
	}); err != nil {
		return nil, err
	}
	// refund: pays max_fee back, drops the deadline entry, stores REFUNDED, emits EventJobRefunded. A failure
	// fails the transaction, whose state and events are then discarded.
	if err := k.refund(ctx, &job, types.RejectedStatusReason(job.Executor, msg.Reason)); err != nil {
		return nil, err
	}
	return &types.MsgRejectJobResponse{}, nil
}

// UpdateParams replaces the params (authority only).
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := k.checkAuthority(msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}

// checkAuthority refuses a signer that is not the module authority (x/gov).
func (k Keeper) checkAuthority(authority string) error {
	authBz, err := k.addressCodec.StringToBytes(authority)
	wantBz, _ := k.addressCodec.StringToBytes(k.authority)
	if err != nil || !bytes.Equal(authBz, wantBz) {
		return errorsmod.Wrapf(types.ErrUnauthorized, "authority: expected %s (gov), got %s", k.authority, authority)
	}
	return nil
}
