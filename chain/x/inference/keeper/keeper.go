// Package keeper holds the inference module's state (cosmossdk.io/collections), its Msg and Query servers
// and its EndBlocker (audits, settlement and deadlines).
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// JobIndexes are the secondary indexes of the jobs map (maintained by the IndexedMap).
type JobIndexes struct {
	// Requester: requester bech32 → job ids.
	Requester *indexes.Multi[string, uint64, types.Job]
	// Executor: assigned executor (infervaloper bech32) → job ids.
	Executor *indexes.Multi[string, uint64, types.Job]
	// Status: JobStatus → job ids.
	Status *indexes.Multi[int32, uint64, types.Job]
	// ExecutorStatus: (executor, JobStatus) → job ids: a sidecar's reconciliation (its PENDING jobs) costs
	// O(its open jobs), not O(its history).
	ExecutorStatus *indexes.Multi[collections.Pair[string, int32], uint64, types.Job]
}

// IndexesList implements collections.Indexes.
func (i JobIndexes) IndexesList() []collections.Index[uint64, types.Job] {
	return []collections.Index[uint64, types.Job]{i.Requester, i.Executor, i.Status, i.ExecutorStatus}
}

// ExecutorIndexes are the secondary indexes of the executors map.
type ExecutorIndexes struct {
	// Sidecar: sidecar bech32 → validator. Unique: a sidecar account acts for one executor only.
	Sidecar *indexes.Unique[string, sdk.ValAddress, types.Executor]
}

// IndexesList implements collections.Indexes.
func (i ExecutorIndexes) IndexesList() []collections.Index[sdk.ValAddress, types.Executor] {
	return []collections.Index[sdk.ValAddress, types.Executor]{i.Sidecar}
}

// Keeper of the inference module.
type Keeper struct {
	cdc                   codec.BinaryCodec
	storeService          corestore.KVStoreService
	addressCodec          address.Codec
	validatorAddressCodec address.Codec
	authority             string

	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	stakingKeeper types.StakingKeeper
	distrKeeper   types.DistributionKeeper
	registry      types.RegistryKeeper
	slashing      types.SlashingKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Jobs by id, indexed by requester, executor and status.
	Jobs *collections.IndexedMap[uint64, types.Job, JobIndexes]
	// JobSeq holds the next job id.
	JobSeq collections.Sequence
	// Executors by validator operator address, indexed (uniquely) by sidecar.
	Executors *collections.IndexedMap[sdk.ValAddress, types.Executor, ExecutorIndexes]
	// ExecutorsByModel: (model content root, validator) for every model an executor lists (active or not).
	// Maintained by setExecutor (a Multi index cannot hold several reference keys per value).
	ExecutorsByModel collections.KeySet[collections.Pair[string, sdk.ValAddress]]
	// DeadlineQueue: (deadline height, job id) of every PENDING job.
	DeadlineQueue collections.KeySet[collections.Pair[int64, uint64]]
	// SettlementQueue: (submitted height, job id) of every RESULT_SUBMITTED job.
	SettlementQueue collections.KeySet[collections.Pair[int64, uint64]]
	// AuditQueue: (conclusion height, job id) of every AUDITING job: the reveal deadline, or the height of the
	// last reveal once every committee member has revealed. The EndBlocker concludes entries at or below its height.
	AuditQueue collections.KeySet[collections.Pair[int64, uint64]]
	// JobsByVerifier: (committee member infervaloper, job id) for every audit committee, kept after the audit
	// concludes (the Jobs query's verifier filter). Maintained by hand: a Multi index cannot hold several
	// reference keys per value.
	JobsByVerifier collections.KeySet[collections.Pair[string, uint64]]
	// OpenAudits: (committee member infervaloper, job id) of every AUDITING job only (removed when the audit
	// concludes): a verifier's reconciliation costs O(its open duties).
	OpenAudits collections.KeySet[collections.Pair[string, uint64]]
	// Tombstones: (validator infervaloper, model) → the bar a fraud verdict put on that binding.
	Tombstones collections.Map[collections.Pair[string, string], types.ExecutorTombstone]
	// Entropy: the running hash of every block hash (entropy.go).
	Entropy collections.Item[[]byte]
	// PruneQueue: (prune height, job id) of every terminal job while retention_blocks is positive.
	PruneQueue collections.KeySet[collections.Pair[int64, uint64]]
	// PossessionChallenges: (validator infervaloper, model) → its open proof-of-possession challenge.
	PossessionChallenges collections.Map[collections.Pair[string, string], types.PossessionChallenge]
	// PossessionQueue: (deadline height, validator, model) of every open challenge.
	PossessionQueue collections.KeySet[collections.Triple[int64, string, string]]
}

// NewKeeper returns the inference keeper. authority is the address allowed to change params (x/gov).
// It panics when the authority does not decode or when the module accounts (types.ModuleName and
// types.VerifierPoolName) are missing from the account keeper's module account permissions.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	addressCodec address.Codec,
	validatorAddressCodec address.Codec,
	authority string,
	accountKeeper types.AccountKeeper,
	bankKeeper types.BankKeeper,
	stakingKeeper types.StakingKeeper,
	distrKeeper types.DistributionKeeper,
	registryKeeper types.RegistryKeeper,
	slashingKeeper types.SlashingKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("inference: invalid authority address %q: %w", authority, err))
	}
	for _, name := range []string{types.ModuleName, types.VerifierPoolName} {
		if addr := accountKeeper.GetModuleAddress(name); addr == nil {
			panic(fmt.Errorf("inference: the %s module account has not been set (add it to maccPerms)", name))
		}
	}
	sb := collections.NewSchemaBuilder(storeService)
	heightJob := collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)
	k := Keeper{
		cdc:                   cdc,
		storeService:          storeService,
		addressCodec:          addressCodec,
		validatorAddressCodec: validatorAddressCodec,
		authority:             authority,
		accountKeeper:         accountKeeper,
		bankKeeper:            bankKeeper,
		stakingKeeper:         stakingKeeper,
		distrKeeper:           distrKeeper,
		registry:              registryKeeper,
		slashing:              slashingKeeper,
		Params:                collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Jobs: collections.NewIndexedMap(sb, types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.Job](cdc),
			JobIndexes{
				Requester: indexes.NewMulti(sb, types.JobsByRequesterKey, "jobs_by_requester", collections.StringKey, collections.Uint64Key,
					func(_ uint64, j types.Job) (string, error) { return j.Requester, nil }),
				Executor: indexes.NewMulti(sb, types.JobsByExecutorKey, "jobs_by_executor", collections.StringKey, collections.Uint64Key,
					func(_ uint64, j types.Job) (string, error) { return j.Executor, nil }),
				Status: indexes.NewMulti(sb, types.JobsByStatusKey, "jobs_by_status", collections.Int32Key, collections.Uint64Key,
					func(_ uint64, j types.Job) (int32, error) { return int32(j.Status), nil }),
				ExecutorStatus: indexes.NewMulti(sb, types.JobsByExecutorStatusKey, "jobs_by_executor_status",
					collections.PairKeyCodec(collections.StringKey, collections.Int32Key), collections.Uint64Key,
					func(_ uint64, j types.Job) (collections.Pair[string, int32], error) {
						return collections.Join(j.Executor, int32(j.Status)), nil
					}),
			}),
		JobSeq: collections.NewSequence(sb, types.JobSeqKey, "job_seq"),
		Executors: collections.NewIndexedMap(sb, types.ExecutorsKey, "executors", sdk.ValAddressKey, codec.CollValue[types.Executor](cdc),
			ExecutorIndexes{
				Sidecar: indexes.NewUnique(sb, types.ExecutorsBySidecarKey, "executors_by_sidecar", collections.StringKey, sdk.ValAddressKey,
					func(_ sdk.ValAddress, e types.Executor) (string, error) { return e.Sidecar, nil }),
			}),
		ExecutorsByModel: collections.NewKeySet(sb, types.ExecutorsByModelKey, "executors_by_model",
			collections.PairKeyCodec(collections.StringKey, sdk.ValAddressKey)),
		DeadlineQueue:   collections.NewKeySet(sb, types.DeadlineQueueKey, "deadline_queue", heightJob),
		SettlementQueue: collections.NewKeySet(sb, types.SettlementQueueKey, "settlement_queue", heightJob),
		AuditQueue:      collections.NewKeySet(sb, types.AuditQueueKey, "audit_queue", heightJob),
		JobsByVerifier: collections.NewKeySet(sb, types.JobsByVerifierKey, "jobs_by_verifier",
			collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
		OpenAudits: collections.NewKeySet(sb, types.OpenAuditsByVerifierKey, "open_audits_by_verifier",
			collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
		Tombstones: collections.NewMap(sb, types.TombstonesKey, "tombstones",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), codec.CollValue[types.ExecutorTombstone](cdc)),
		Entropy:    collections.NewItem(sb, types.EntropyKey, "entropy", collections.BytesValue),
		PruneQueue: collections.NewKeySet(sb, types.PruneQueueKey, "prune_queue", heightJob),
		PossessionChallenges: collections.NewMap(sb, types.PossessionChallengesKey, "possession_challenges",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), codec.CollValue[types.PossessionChallenge](cdc)),
		PossessionQueue: collections.NewKeySet(sb, types.PossessionQueueKey, "possession_queue",
			collections.TripleKeyCodec(collections.Int64Key, collections.StringKey, collections.StringKey)),
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

// AddressCodec returns the account address codec.
func (k Keeper) AddressCodec() address.Codec { return k.addressCodec }

// ValidatorAddressCodec returns the validator operator address codec.
func (k Keeper) ValidatorAddressCodec() address.Codec { return k.validatorAddressCodec }

// Logger returns a module logger.
func (k Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// GetParams returns the current params (the defaults when none were stored).
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	p, err := k.Params.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.DefaultParams(), nil
	}
	return p, err
}

// GetJob returns a job; found is false when there is none.
func (k Keeper) GetJob(ctx context.Context, id uint64) (j types.Job, found bool, err error) {
	j, err = k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Job{}, false, nil
	}
	return j, err == nil, err
}

// GetExecutor returns the executor of a validator; found is false when there is none.
func (k Keeper) GetExecutor(ctx context.Context, val sdk.ValAddress) (e types.Executor, found bool, err error) {
	e, err = k.Executors.Get(ctx, val)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Executor{}, false, nil
	}
	return e, err == nil, err
}

// setExecutor stores an executor and keeps ExecutorsByModel in step with its model list.
func (k Keeper) setExecutor(ctx context.Context, val sdk.ValAddress, e types.Executor) error {
	old, found, err := k.GetExecutor(ctx, val)
	if err != nil {
		return err
	}
	if found {
		for _, m := range old.Models {
			if err := k.ExecutorsByModel.Remove(ctx, collections.Join(m, val)); err != nil {
				return err
			}
		}
	}
	for _, m := range e.Models {
		if err := k.ExecutorsByModel.Set(ctx, collections.Join(m, val)); err != nil {
			return err
		}
	}
	return k.Executors.Set(ctx, val, e)
}

// setJob stores a job (the IndexedMap keeps the requester/executor/status indexes) and queues a terminal one
// for pruning.
func (k Keeper) setJob(ctx context.Context, j types.Job) error {
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return err
	}
	return k.queuePrune(sdk.UnwrapSDKContext(ctx), j)
}

// peekJobID returns the id the next job will get (ids start at types.FirstJobID).
func (k Keeper) peekJobID(ctx context.Context) (uint64, error) {
	id, err := k.JobSeq.Peek(ctx)
	if err != nil {
		return 0, err
	}
	if id < types.FirstJobID {
		id = types.FirstJobID
	}
	return id, nil
}

// blockHash is the entropy of the current block: the header hash, or, where the context carries none
// (unit tests), the 8-byte big-endian height.
func blockHash(ctx context.Context) []byte {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if h := sdkCtx.HeaderInfo().Hash; len(h) > 0 {
		return h
	}
	if h := sdkCtx.HeaderHash(); len(h) > 0 {
		return h
	}
	return types.JobIDBytes(uint64(sdkCtx.BlockHeight()))
}

// ModuleAddress is the escrow account of the module.
func (k Keeper) ModuleAddress() sdk.AccAddress {
	return k.accountKeeper.GetModuleAddress(types.ModuleName)
}
