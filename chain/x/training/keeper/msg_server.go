package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
	"github.com/inferchain/inferchain/chain/x/training/types"
)

type msgServer struct{ Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the training Msg service. Every handler runs all its checks before it writes
// anything: a refused message never changes state or moves funds.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{Keeper: k} }

func (k Keeper) canonicalAccount(field, s string) (string, sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return "", nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %q is not a valid account address: %v", field, s, err)
	}
	canon, err := k.addressCodec.BytesToString(bz)
	if err != nil {
		return "", nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return canon, bz, nil
}

// RequestTraining validates the request against the registry, reserves the child's name, picks an executor
// serving the base model (x/inference's stake-weighted draw), escrows max_fee and stores the PENDING job.
func (k msgServer) RequestTraining(ctx context.Context, msg *types.MsgRequestTraining) (*types.MsgRequestTrainingResponse, error) {
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
	requester, reqAddr, err := k.canonicalAccount("requester", msg.Requester)
	if err != nil {
		return nil, err
	}
	if k.bank.BlockedAddr(reqAddr) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "requester: %s cannot receive funds (a blocked module address): its escrow could never be refunded", requester)
	}
	base, found, err := k.registry.GetModel(ctx, msg.BaseModel)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrModelUnavailable, "base_model: %s is unknown (no model with this content root in the registry)", msg.BaseModel)
	}
	if base.Status == registrytypes.ModelStatus_MODEL_STATUS_PENDING {
		// a child trained on an unaudited (possibly forged) base would inherit the forgery past the verdict
		return nil, errorsmod.Wrapf(types.ErrModelUnavailable, "base_model: %s (%s@%s) is pending its training audit (%s); train on it once it is active",
			msg.BaseModel, base.Name, base.Version, base.StatusReason)
	}
	if base.Status != registrytypes.ModelStatus_MODEL_STATUS_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrModelUnavailable, "base_model: %s (%s@%s) is %s", msg.BaseModel, base.Name, base.Version, base.Status)
	}
	for i, d := range msg.Datasets {
		if _, found, err := k.registry.GetDataset(ctx, d); err != nil {
			return nil, err
		} else if !found {
			return nil, errorsmod.Wrapf(types.ErrDatasetUnavailable, "datasets[%d]: %s is unknown (no dataset with this content root in the registry)", i, d)
		}
	}
	if m, found, err := k.registry.ModelByName(ctx, msg.ChildName, msg.ChildVersion); err != nil {
		return nil, err
	} else if found {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "child_name: model %s@%s is already registered (%s)", msg.ChildName, msg.ChildVersion, m.ContentRoot)
	}
	if has, err := k.ReservedNames.Has(ctx, collections.Join(msg.ChildName, msg.ChildVersion)); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "child_name: %s@%s is reserved by a pending training job", msg.ChildName, msg.ChildVersion)
	}
	id, err := k.nextJobID(ctx)
	if err != nil {
		return nil, err
	}
	c, found, err := k.inference.PickExecutor(ctx, msg.BaseModel, id|types.AssignmentDomain, nil)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrNoExecutor, "base_model: no active executor whose validator is bonded serves %s", msg.BaseModel)
	}
	// escrow: the last check that can fail; nothing was written before it
	if err := k.bank.SendCoinsFromAccountToModule(ctx, reqAddr, types.ModuleName, sdk.NewCoins(msg.MaxFee)); err != nil {
		return nil, errorsmod.Wrapf(err, "max_fee: cannot escrow %s from %s", msg.MaxFee, requester)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	job := types.TrainingJob{
		Id:             id,
		Requester:      requester,
		BaseModel:      msg.BaseModel,
		Datasets:       append([]string(nil), msg.Datasets...),
		Method:         msg.Method,
		HyperParams:    msg.HyperParams,
		MaxFee:         msg.MaxFee,
		Executor:       c.Executor.Validator,
		Status:         types.TrainingStatus_TRAINING_STATUS_PENDING,
		CreatedHeight:  h,
		DeadlineHeight: h + int64(p.DeadlineBlocks),
		ChildName:      msg.ChildName,
		ChildVersion:   msg.ChildVersion,
		ChildLicense:   msg.ChildLicense,
		RecipeHash:     types.RecipeHash(msg.BaseModel, msg.Datasets, msg.Method, msg.HyperParams),
	}
	if err := k.Jobs.Set(ctx, id, job); err != nil {
		return nil, err
	}
	if err := k.JobSeq.Set(ctx, id+1); err != nil {
		return nil, err
	}
	if err := k.DeadlineQueue.Set(ctx, collections.Join(job.DeadlineHeight, id)); err != nil {
		return nil, err
	}
	if err := k.ReservedNames.Set(ctx, collections.Join(job.ChildName, job.ChildVersion)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventTrainingAssigned{
		JobId: id, BaseModel: job.BaseModel, Datasets: job.Datasets, Requester: requester, Executor: job.Executor,
		Sidecar: c.Executor.Sidecar, DeadlineHeight: job.DeadlineHeight, RecipeHash: job.RecipeHash,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRequestTrainingResponse{JobId: id, Executor: job.Executor, DeadlineHeight: job.DeadlineHeight, RecipeHash: job.RecipeHash}, nil
}

// SubmitTrainingResult accepts the result of a PENDING job from its assigned executor's sidecar before the
// deadline, registers the child in x/registry (all of MsgRegisterModel's checks; the files must hash to the
// root) with lineage base + datasets + recipe and publisher = requester and adds the child to the executor's
// served models (it holds the weights). The child is held PENDING in x/registry: no inference job, training job
// or derivative may use it until the job settles COMPLETED (then ACTIVE) or FRAUD (then REVOKED), so a forged
// child never earns fees before its verdict. The fee stays escrowed: the job is SUBMITTED until its audit is
// decided (audit.go) and paid when it settles. The registration runs in a cache context, so a refused child
// leaves no trace.
func (k msgServer) SubmitTrainingResult(ctx context.Context, msg *types.MsgSubmitTrainingResult) (*types.MsgSubmitTrainingResultResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	sidecar, _, err := k.canonicalAccount("sidecar", msg.Sidecar)
	if err != nil {
		return nil, err
	}
	job, found, err := k.GetJob(ctx, msg.JobId)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "job_id: training job %d not found", msg.JobId)
	}
	switch job.Status {
	case types.TrainingStatus_TRAINING_STATUS_PENDING:
	case types.TrainingStatus_TRAINING_STATUS_COMPLETED, types.TrainingStatus_TRAINING_STATUS_SUBMITTED, types.TrainingStatus_TRAINING_STATUS_AUDITING:
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "job_id: training job %d already has a result", job.Id)
	default:
		return nil, errorsmod.Wrapf(types.ErrInvalidJobState, "job_id: training job %d is %s (%s)", job.Id, job.Status, job.StatusReason)
	}
	valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
	if err != nil {
		return nil, err
	}
	e, found, err := k.inference.GetExecutor(ctx, sdk.ValAddress(valBz))
	if err != nil {
		return nil, err
	}
	if !found || e.Sidecar != sidecar {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "sidecar: %s is not the account of the assigned executor %s of training job %d", sidecar, job.Executor, job.Id)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	if h > job.DeadlineHeight {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job_id: training job %d: deadline passed at height %d (now %d)", job.Id, job.DeadlineHeight, h)
	}
	if msg.CheckpointInterval != job.HyperParams.CheckpointInterval {
		return nil, errorsmod.Wrapf(types.ErrInvalidField, "checkpoint_interval: %d, the job fixes %d", msg.CheckpointInterval, job.HyperParams.CheckpointInterval)
	}
	base, found, err := k.registry.GetModel(ctx, job.BaseModel)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrModelUnavailable, "base model %s is no longer registered", job.BaseModel)
	}
	parents, datasets := childLineage(job)
	cacheCtx, write := sdkCtx.CacheContext()
	if _, err := k.registrar.RegisterModel(cacheCtx, &registrytypes.MsgRegisterModel{
		Publisher:   job.Requester,
		ContentRoot: msg.ChildContentRoot,
		Name:        job.ChildName,
		Version:     job.ChildVersion,
		Format:      base.Format,
		Files:       msg.Files,
		Parents:     parents,
		Datasets:    datasets,
		RecipeHash:  job.RecipeHash,
		License:     job.ChildLicense,
	}); err != nil {
		return nil, errorsmod.Wrapf(err, "child model refused by the registry")
	}
	if err := k.registry.HoldModelPending(cacheCtx, msg.ChildContentRoot, pendingReason(job.Id, "awaiting its audit decision")); err != nil {
		return nil, err
	}
	if err := k.inference.AddExecutorModel(cacheCtx, sdk.ValAddress(valBz), msg.ChildContentRoot); err != nil {
		return nil, err
	}
	write()
	if err := k.closeJob(ctx, job); err != nil {
		return nil, err
	}
	// the fee stays in escrow until the audit decision (audit.go): SUBMITTED, decided in a later block
	job.Status = types.TrainingStatus_TRAINING_STATUS_SUBMITTED
	job.Result = &types.TrainingResult{
		ChildModel: msg.ChildContentRoot, CheckpointRoot: msg.CheckpointRoot, FinalLoss: msg.FinalLoss, InitialLoss: msg.InitialLoss,
		SubmittedHeight: h, SubmittedBy: sidecar,
		// the stake a fraud verdict slashes from: the validator's power now, at the infraction height
		ExecutorPower: k.inference.ValidatorPower(ctx, sdk.ValAddress(valBz)),
	}
	if err := k.Jobs.Set(ctx, job.Id, job); err != nil {
		return nil, err
	}
	if err := k.SettlementQueue.Set(ctx, collections.Join(h, job.Id)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventTrainingCompleted{
		JobId: job.Id, ChildModel: msg.ChildContentRoot, CheckpointRoot: msg.CheckpointRoot, FinalLoss: msg.FinalLoss, Executor: job.Executor,
	}); err != nil {
		return nil, err
	}
	return &types.MsgSubmitTrainingResultResponse{ChildModel: msg.ChildContentRoot}, nil
}

// childLineage is what the child's registry entry says it was made from. FULL and LORA: parent base (FINETUNE),
// datasets FINETUNE. PRETRAIN: no parent, since none of the child's weights come from the base (they are drawn
// from the seed; the base only lent its graph and tokenizer, which the recipe records as architecture=), and
// datasets PRETRAIN. A FINETUNE parent would claim a weight derivation that does not exist (ancestry queries
// would list the template as where the weights came from).
func childLineage(job types.TrainingJob) ([]registrytypes.ParentRef, []registrytypes.DatasetRef) {
	role := registrytypes.DatasetRole_DATASET_ROLE_FINETUNE
	var parents []registrytypes.ParentRef
	if job.Method == types.TrainingMethod_TRAINING_METHOD_PRETRAIN {
		role = registrytypes.DatasetRole_DATASET_ROLE_PRETRAIN
	} else {
		parents = []registrytypes.ParentRef{{Model: job.BaseModel, Relation: registrytypes.ParentRelation_PARENT_RELATION_FINETUNE}}
	}
	datasets := make([]registrytypes.DatasetRef, len(job.Datasets))
	for i, d := range job.Datasets {
		datasets[i] = registrytypes.DatasetRef{Dataset: d, Role: role}
	}
	return parents, datasets
}

// UpdateParams replaces the params (governance only).
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if msg.Authority != k.authority {
		return nil, errorsmod.Wrapf(govtypes.ErrInvalidSigner, "authority: expected %s, got %s", k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
