// Package keeper holds the registry module's state (cosmossdk.io/collections) and its Msg and Query servers.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

// NameVersion is the (name, version) key of the unique name@version indexes.
type NameVersion = collections.Pair[string, string]

// ModelIndexes are the secondary indexes of Models.
type ModelIndexes struct {
	// NameVersion maps (name, version) to the model's content root; unique.
	NameVersion *indexes.Unique[NameVersion, string, types.Model]
}

// IndexesList implements collections.Indexes.
func (i ModelIndexes) IndexesList() []collections.Index[string, types.Model] {
	return []collections.Index[string, types.Model]{i.NameVersion}
}

// DatasetIndexes are the secondary indexes of Datasets.
type DatasetIndexes struct {
	// NameVersion maps (name, version) to the dataset's content root; unique.
	NameVersion *indexes.Unique[NameVersion, string, types.Dataset]
}

// IndexesList implements collections.Indexes.
func (i DatasetIndexes) IndexesList() []collections.Index[string, types.Dataset] {
	return []collections.Index[string, types.Dataset]{i.NameVersion}
}

// Keeper of the registry store.
type Keeper struct {
	cdc          codec.BinaryCodec
	storeService corestore.KVStoreService
	addressCodec address.Codec
	// authority may change params: the gov module account.
	authority string

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Models by content root, with a unique name@version index.
	Models *collections.IndexedMap[string, types.Model, ModelIndexes]
	// Datasets by content root, with a unique name@version index.
	Datasets *collections.IndexedMap[string, types.Dataset, DatasetIndexes]
	// ModelChildren holds (parent model, child model): the reverse of Model.parents, for Descendants.
	ModelChildren collections.KeySet[collections.Pair[string, string]]
	// DatasetUsers holds (dataset, model): the reverse of Model.datasets.
	DatasetUsers collections.KeySet[collections.Pair[string, string]]
	// DatasetDerivatives holds (source dataset, derived dataset): the reverse of Dataset.sources.
	DatasetDerivatives collections.KeySet[collections.Pair[string, string]]
	// Attestations by id.
	Attestations collections.Map[uint64, types.Attestation]
	// AttestationSeq is the next attestation id.
	AttestationSeq collections.Sequence
	// AttestationsBySubject holds (subject content root, attestation id).
	AttestationsBySubject collections.KeySet[collections.Pair[string, uint64]]
}

// NewKeeper returns the registry keeper. authority is the address allowed to change params
// (normally the gov module account); it panics when authority is not a valid address.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("registry: invalid authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	nvCodec := collections.PairKeyCodec(collections.StringKey, collections.StringKey)
	k := Keeper{
		cdc:          cdc,
		storeService: storeService,
		addressCodec: addressCodec,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Models: collections.NewIndexedMap(sb, types.ModelsKey, "models", collections.StringKey, codec.CollValue[types.Model](cdc),
			ModelIndexes{
				NameVersion: indexes.NewUnique(sb, types.ModelsByNameKey, "models_by_name", nvCodec, collections.StringKey,
					func(_ string, m types.Model) (NameVersion, error) { return collections.Join(m.Name, m.Version), nil }),
			}),
		Datasets: collections.NewIndexedMap(sb, types.DatasetsKey, "datasets", collections.StringKey, codec.CollValue[types.Dataset](cdc),
			DatasetIndexes{
				NameVersion: indexes.NewUnique(sb, types.DatasetsByNameKey, "datasets_by_name", nvCodec, collections.StringKey,
					func(_ string, d types.Dataset) (NameVersion, error) { return collections.Join(d.Name, d.Version), nil }),
			}),
		ModelChildren: collections.NewKeySet(sb, types.ModelChildrenKey, "model_children",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey)),
		DatasetUsers: collections.NewKeySet(sb, types.DatasetUsersKey, "dataset_users",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey)),
		DatasetDerivatives: collections.NewKeySet(sb, types.DatasetDerivativesKey, "dataset_derivatives",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey)),
		Attestations: collections.NewMap(sb, types.AttestationsKey, "attestations", collections.Uint64Key,
			codec.CollValue[types.Attestation](cdc)),
		AttestationSeq: collections.NewSequence(sb, types.AttestationSeqKey, "attestation_seq"),
		AttestationsBySubject: collections.NewKeySet(sb, types.AttestationsBySubjectKey, "attestations_by_subject",
			collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
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

// GetModel returns a model by content root; found is false when there is none.
func (k Keeper) GetModel(ctx context.Context, contentRoot string) (m types.Model, found bool, err error) {
	m, err = k.Models.Get(ctx, contentRoot)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Model{}, false, nil
	}
	return m, err == nil, err
}

// GetDataset returns a dataset by content root; found is false when there is none.
func (k Keeper) GetDataset(ctx context.Context, contentRoot string) (d types.Dataset, found bool, err error) {
	d, err = k.Datasets.Get(ctx, contentRoot)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Dataset{}, false, nil
	}
	return d, err == nil, err
}

// ModelByName resolves name@version to a model; found is false when there is none.
func (k Keeper) ModelByName(ctx context.Context, name, version string) (types.Model, bool, error) {
	root, err := k.Models.Indexes.NameVersion.MatchExact(ctx, collections.Join(name, version))
	if errors.Is(err, collections.ErrNotFound) {
		return types.Model{}, false, nil
	}
	if err != nil {
		return types.Model{}, false, err
	}
	return k.GetModel(ctx, root)
}

// DatasetByName resolves name@version to a dataset; found is false when there is none.
func (k Keeper) DatasetByName(ctx context.Context, name, version string) (types.Dataset, bool, error) {
	root, err := k.Datasets.Indexes.NameVersion.MatchExact(ctx, collections.Join(name, version))
	if errors.Is(err, collections.ErrNotFound) {
		return types.Dataset{}, false, nil
	}
	if err != nil {
		return types.Dataset{}, false, err
	}
	return k.GetDataset(ctx, root)
}

// HasModel reports whether a model with this content root is registered (for other modules, e.g. x/inference).
func (k Keeper) HasModel(ctx context.Context, contentRoot string) (bool, error) {
	return k.Models.Has(ctx, contentRoot)
}

// IsModelActive reports whether the model exists and its status is active (usable for new inference jobs; a
// pending child is not).
func (k Keeper) IsModelActive(ctx context.Context, contentRoot string) (bool, error) {
	m, found, err := k.GetModel(ctx, contentRoot)
	if err != nil || !found {
		return false, err
	}
	return m.Status == types.ModelStatus_MODEL_STATUS_ACTIVE, nil
}

// setModel stores a new model and its reverse edges.
func (k Keeper) setModel(ctx context.Context, m types.Model) error {
	if err := k.Models.Set(ctx, m.ContentRoot, m); err != nil {
		return err
	}
	for _, p := range m.Parents {
		if err := k.ModelChildren.Set(ctx, collections.Join(p.Model, m.ContentRoot)); err != nil {
			return err
		}
	}
	for _, d := range m.Datasets {
		if err := k.DatasetUsers.Set(ctx, collections.Join(d.Dataset, m.ContentRoot)); err != nil {
			return err
		}
	}
	return nil
}

// setDataset stores a new dataset and its reverse edges.
func (k Keeper) setDataset(ctx context.Context, d types.Dataset) error {
	if err := k.Datasets.Set(ctx, d.ContentRoot, d); err != nil {
		return err
	}
	for _, s := range d.Sources {
		if err := k.DatasetDerivatives.Set(ctx, collections.Join(s, d.ContentRoot)); err != nil {
			return err
		}
	}
	return nil
}

// setAttestation stores an attestation and its subject index entry.
func (k Keeper) setAttestation(ctx context.Context, a types.Attestation) error {
	if err := k.Attestations.Set(ctx, a.Id, a); err != nil {
		return err
	}
	return k.AttestationsBySubject.Set(ctx, collections.Join(a.Subject, a.Id))
}

// HoldModelPending marks a model PENDING with a reason, for x/training: a trained child awaits its training audit
// (registered ACTIVE by MsgRegisterModel in the same transaction, then held). Calling it again on a pending model
// updates the reason (e.g. the audit's reveal deadline). Any other status is refused: a model that was ever served,
// deprecated or revoked is not taken back to pending.
func (k Keeper) HoldModelPending(ctx context.Context, contentRoot, reason string) error {
	m, found, err := k.GetModel(ctx, contentRoot)
	if err != nil {
		return err
	}
	if !found {
		return errorsmod.Wrapf(types.ErrNotFound, "content_root: no model with content root %s is registered", contentRoot)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	switch {
	case m.Status == types.ModelStatus_MODEL_STATUS_PENDING:
	case m.Status == types.ModelStatus_MODEL_STATUS_ACTIVE && m.CreatedHeight == h && m.StatusHeight == h:
	default:
		return errorsmod.Wrapf(types.ErrInvalidStatus, "content_root: model %s is %s since height %d; only a model registered in this block can be held pending",
			contentRoot, statusName(m.Status), m.StatusHeight)
	}
	return k.setStatus(sdkCtx, m, types.ModelStatus_MODEL_STATUS_PENDING, reason)
}

// ActivateModel makes a PENDING model ACTIVE, for x/training when the child's job settles COMPLETED. A model in
// any other status is left as is: activation never resurrects a revoked or deprecated model.
func (k Keeper) ActivateModel(ctx context.Context, contentRoot, reason string) error {
	m, found, err := k.GetModel(ctx, contentRoot)
	if err != nil {
		return err
	}
	if !found {
		return errorsmod.Wrapf(types.ErrNotFound, "content_root: no model with content root %s is registered", contentRoot)
	}
	if m.Status != types.ModelStatus_MODEL_STATUS_PENDING {
		return nil
	}
	return k.setStatus(sdk.UnwrapSDKContext(ctx), m, types.ModelStatus_MODEL_STATUS_ACTIVE, reason)
}

// setStatus stores a module-driven status change and emits EventModelStatusChanged.
func (k Keeper) setStatus(sdkCtx sdk.Context, m types.Model, status types.ModelStatus, reason string) error {
	old := m.Status
	m.Status = status
	m.StatusReason = reason
	m.StatusHeight = sdkCtx.BlockHeight()
	if err := k.Models.Set(sdkCtx, m.ContentRoot, m); err != nil {
		return err
	}
	if old == status {
		return nil
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventModelStatusChanged{
		ContentRoot: m.ContentRoot, OldStatus: old, NewStatus: status, Reason: reason,
	})
}

// RevokeModel marks a model REVOKED (final) with a reason, for another module's verdict (x/training revokes a
// child whose training was proven forged); emits EventModelStatusChanged. A model already revoked is left as is.
func (k Keeper) RevokeModel(ctx context.Context, contentRoot, reason string) error {
	m, found, err := k.GetModel(ctx, contentRoot)
	if err != nil {
		return err
	}
	if !found {
		return errorsmod.Wrapf(types.ErrNotFound, "content_root: no model with content root %s is registered", contentRoot)
	}
	if m.Status == types.ModelStatus_MODEL_STATUS_REVOKED {
		return nil
	}
	return k.setStatus(sdk.UnwrapSDKContext(ctx), m, types.ModelStatus_MODEL_STATUS_REVOKED, reason)
}
