// Package keeper holds the training module's state (cosmossdk.io/collections), its Msg and Query servers and its
// EndBlocker (refunds at the deadline).
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

// Keeper of the training module.
type Keeper struct {
	addressCodec          address.Codec
	validatorAddressCodec address.Codec
	authority             string

	bank      types.BankKeeper
	inference types.InferenceKeeper
	registry  types.RegistryKeeper
	registrar types.ModelRegistrar

	Schema collections.Schema
	Params collections.Item[types.Params]
	Jobs   collections.Map[uint64, types.TrainingJob]
	JobSeq collections.Sequence
	// DeadlineQueue: (deadline height, job id) of every PENDING job.
	DeadlineQueue collections.KeySet[collections.Pair[int64, uint64]]
	// ReservedNames: (child name, child version) of every PENDING job.
	ReservedNames collections.KeySet[collections.Pair[string, string]]
	// SettlementQueue: (submitted height, id) of every SUBMITTED job (audit decided in a later block).
	SettlementQueue collections.KeySet[collections.Pair[int64, uint64]]
	// AuditQueue: (conclusion height, id) of every AUDITING job.
	AuditQueue collections.KeySet[collections.Pair[int64, uint64]]
	// OpenAudits: (committee member valoper, id) of every AUDITING job.
	OpenAudits collections.KeySet[collections.Pair[string, uint64]]
}

// NewKeeper returns the training keeper. It panics when the authority does not decode or the module account is
// missing from the account keeper's permissions (escrow lives there).
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec, validatorAddressCodec address.Codec,
	authority string, accountKeeper types.AccountKeeper, bank types.BankKeeper, inference types.InferenceKeeper,
	registry types.RegistryKeeper, registrar types.ModelRegistrar,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("training: invalid authority address %q: %w", authority, err))
	}
	if accountKeeper.GetModuleAddress(types.ModuleName) == nil {
		panic(fmt.Errorf("training: the %s module account has not been set (add it to maccPerms)", types.ModuleName))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		addressCodec:          addressCodec,
		validatorAddressCodec: validatorAddressCodec,
		authority:             authority,
		bank:                  bank,
		inference:             inference,
		registry:              registry,
		registrar:             registrar,
		Params:                collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Jobs:                  collections.NewMap(sb, types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.TrainingJob](cdc)),
		JobSeq:                collections.NewSequence(sb, types.JobSeqKey, "job_seq"),
		DeadlineQueue:         collections.NewKeySet(sb, types.DeadlineQueueKey, "deadline_queue", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ReservedNames:         collections.NewKeySet(sb, types.ReservedNamesKey, "reserved_names", collections.PairKeyCodec(collections.StringKey, collections.StringKey)),
		SettlementQueue:       collections.NewKeySet(sb, types.SettlementQueueKey, "settlement_queue", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		AuditQueue:            collections.NewKeySet(sb, types.AuditQueueKey, "audit_queue", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		OpenAudits:            collections.NewKeySet(sb, types.OpenAuditsKey, "open_audits", collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// GetAuthority returns the address allowed to change params.
func (k Keeper) GetAuthority() string { return k.authority }

// GetParams returns the current params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) { return k.Params.Get(ctx) }

// GetJob returns a training job; found is false when there is none.
func (k Keeper) GetJob(ctx context.Context, id uint64) (types.TrainingJob, bool, error) {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return types.TrainingJob{}, false, nil
	}
	return j, err == nil, err
}

func (k Keeper) nextJobID(ctx context.Context) (uint64, error) {
	id, err := k.JobSeq.Peek(ctx)
	if err != nil {
		return 0, err
	}
	if id < types.FirstJobID {
		id = types.FirstJobID
	}
	return id, nil
}

// closeJob ends a PENDING job: drops it from the deadline queue and releases its child name.
func (k Keeper) closeJob(ctx context.Context, j types.TrainingJob) error {
	if err := k.DeadlineQueue.Remove(ctx, collections.Join(j.DeadlineHeight, j.Id)); err != nil {
		return err
	}
	return k.ReservedNames.Remove(ctx, collections.Join(j.ChildName, j.ChildVersion))
}

// refund returns the whole escrow to the requester and marks the job REFUNDED.
func (k Keeper) refund(ctx context.Context, j types.TrainingJob, reason string) error {
	req, err := k.addressCodec.StringToBytes(j.Requester)
	if err != nil {
		return err
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, req, sdk.NewCoins(j.MaxFee)); err != nil {
		return err
	}
	if err := k.closeJob(ctx, j); err != nil {
		return err
	}
	j.Status = types.TrainingStatus_TRAINING_STATUS_REFUNDED
	j.StatusReason = reason
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTrainingRefunded{JobId: j.Id, Reason: reason})
}

// EndBlocker refunds every PENDING job whose deadline is below the current height (a result is accepted at
// height <= deadline_height, so this block's deadlines stay answerable until it ends), then runs the audits
// (audit.go): conclusions due, decisions for results of earlier blocks.
func (k Keeper) EndBlocker(ctx context.Context) error {
	if err := k.refundExpired(ctx); err != nil {
		return err
	}
	return k.auditEndBlock(sdk.UnwrapSDKContext(ctx))
}

func (k Keeper) refundExpired(ctx context.Context) error {
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndExclusive(collections.Join(h, uint64(0)))
	var due []uint64
	if err := k.DeadlineQueue.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key.K2())
		return false, nil
	}); err != nil {
		return err
	}
	for _, id := range due {
		j, err := k.Jobs.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := k.refund(ctx, j, fmt.Sprintf("deadline passed at height %d without a result", j.DeadlineHeight)); err != nil {
			return err
		}
	}
	return nil
}
