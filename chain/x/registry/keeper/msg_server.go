package keeper

import (
	"bytes"
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/internal/fields"
	"github.com/inferchain/inferchain/chain/x/registry/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the registry Msg service implementation.
//
// Every handler first runs the message's stateless Validate against the current params, then all stateful
// checks, and only then writes: a refused message never changes state.
func NewMsgServerImpl(keeper Keeper) types.MsgServer {
	return msgServer{Keeper: keeper}
}

// canonicalAddress decodes a bech32 address with the keeper's codec and re-encodes it canonically.
func (k Keeper) canonicalAddress(field, s string) (string, []byte, error) {
	return fields.Canonical(k.addressCodec, types.ErrInvalidAddress, "account address", field, s)
}

// sameAddress reports whether two address strings decode to the same bytes.
func (k Keeper) sameAddress(a, b string) bool {
	ab, err1 := k.addressCodec.StringToBytes(a)
	bb, err2 := k.addressCodec.StringToBytes(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

// checkNewRoot refuses a content root already used by a model or a dataset (an attestation subject must
// name exactly one artifact).
func (k Keeper) checkNewRoot(ctx context.Context, root string) error {
	if has, err := k.Models.Has(ctx, root); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrDuplicate, "content_root: a model with content root %s is already registered", root)
	}
	if has, err := k.Datasets.Has(ctx, root); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrDuplicate, "content_root: a dataset with content root %s is already registered", root)
	}
	return nil
}

func (k msgServer) RegisterModel(ctx context.Context, msg *types.MsgRegisterModel) (*types.MsgRegisterModelResponse, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(params); err != nil {
		return nil, err
	}
	publisher, _, err := k.canonicalAddress("publisher", msg.Publisher)
	if err != nil {
		return nil, err
	}
	if err := k.checkNewRoot(ctx, msg.ContentRoot); err != nil {
		return nil, err
	}
	if existing, found, err := k.ModelByName(ctx, msg.Name, msg.Version); err != nil {
		return nil, err
	} else if found {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "name: model %s@%s is already registered (content root %s)",
			msg.Name, msg.Version, existing.ContentRoot)
	}
	for i, p := range msg.Parents {
		parent, found, err := k.GetModel(ctx, p.Model)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "parents[%d].model: no model with content root %s is registered", i, p.Model)
		}
		if parent.Status == types.ModelStatus_MODEL_STATUS_PENDING {
			// a derivative would earn its parent's publisher lineage royalties before the parent's verdict
			return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "parents[%d].model: %s (%s@%s) is pending its training audit (%s); register derivatives once it is active",
				i, p.Model, parent.Name, parent.Version, parent.StatusReason)
		}
	}
	for i, d := range msg.Datasets {
		if has, err := k.Datasets.Has(ctx, d.Dataset); err != nil {
			return nil, err
		} else if !has {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "datasets[%d].dataset: no dataset with content root %s is registered", i, d.Dataset)
		}
	}
	var total uint64
	for _, f := range msg.Files {
		total += f.Size_ // cannot overflow: checked by Validate
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	m := types.Model{
		ContentRoot:   msg.ContentRoot,
		Name:          msg.Name,
		Version:       msg.Version,
		Publisher:     publisher,
		Format:        msg.Format,
		Files:         msg.Files,
		TotalBytes:    total,
		Parents:       msg.Parents,
		Datasets:      msg.Datasets,
		RecipeHash:    msg.RecipeHash,
		License:       msg.License,
		CardUri:       msg.CardUri,
		CardHash:      msg.CardHash,
		Status:        types.ModelStatus_MODEL_STATUS_ACTIVE,
		CreatedHeight: sdkCtx.BlockHeight(),
		StatusHeight:  sdkCtx.BlockHeight(),
	}
	if err := k.setModel(ctx, m); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventModelRegistered{
		ContentRoot: m.ContentRoot, Name: m.Name, Version: m.Version, Publisher: m.Publisher,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRegisterModelResponse{ContentRoot: m.ContentRoot}, nil
}

func (k msgServer) RegisterDataset(ctx context.Context, msg *types.MsgRegisterDataset) (*types.MsgRegisterDatasetResponse, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(params); err != nil {
		return nil, err
	}
	publisher, _, err := k.canonicalAddress("publisher", msg.Publisher)
	if err != nil {
		return nil, err
	}
	if err := k.checkNewRoot(ctx, msg.ContentRoot); err != nil {
		return nil, err
	}
	if existing, found, err := k.DatasetByName(ctx, msg.Name, msg.Version); err != nil {
		return nil, err
	} else if found {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "name: dataset %s@%s is already registered (content root %s)",
			msg.Name, msg.Version, existing.ContentRoot)
	}
	for i, s := range msg.Sources {
		if has, err := k.Datasets.Has(ctx, s); err != nil {
			return nil, err
		} else if !has {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "sources[%d]: no dataset with content root %s is registered", i, s)
		}
	}
	var total uint64
	for _, f := range msg.Files {
		total += f.Size_
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	d := types.Dataset{
		ContentRoot:   msg.ContentRoot,
		Name:          msg.Name,
		Version:       msg.Version,
		Publisher:     publisher,
		Files:         msg.Files,
		TotalBytes:    total,
		RecordCount:   msg.RecordCount,
		License:       msg.License,
		Sources:       msg.Sources,
		Uri:           msg.Uri,
		CreatedHeight: sdkCtx.BlockHeight(),
	}
	if err := k.setDataset(ctx, d); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventDatasetRegistered{
		ContentRoot: d.ContentRoot, Name: d.Name, Version: d.Version, Publisher: d.Publisher,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRegisterDatasetResponse{ContentRoot: d.ContentRoot}, nil
}

// subjectKind returns whether root names a registered model or dataset.
func (k Keeper) subjectKind(ctx context.Context, root string) (types.SubjectKind, error) {
	if has, err := k.Models.Has(ctx, root); err != nil {
		return types.SubjectKind_SUBJECT_KIND_UNSPECIFIED, err
	} else if has {
		return types.SubjectKind_SUBJECT_KIND_MODEL, nil
	}
	if has, err := k.Datasets.Has(ctx, root); err != nil {
		return types.SubjectKind_SUBJECT_KIND_UNSPECIFIED, err
	} else if has {
		return types.SubjectKind_SUBJECT_KIND_DATASET, nil
	}
	return types.SubjectKind_SUBJECT_KIND_UNSPECIFIED, nil
}

func (k msgServer) Attest(ctx context.Context, msg *types.MsgAttest) (*types.MsgAttestResponse, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(params); err != nil {
		return nil, err
	}
	attester, _, err := k.canonicalAddress("attester", msg.Attester)
	if err != nil {
		return nil, err
	}
	kind, err := k.subjectKind(ctx, msg.Subject)
	if err != nil {
		return nil, err
	}
	if kind == types.SubjectKind_SUBJECT_KIND_UNSPECIFIED {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "subject: no model or dataset with content root %s is registered", msg.Subject)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	if msg.ExpiresHeight != 0 && msg.ExpiresHeight <= height {
		return nil, errorsmod.Wrapf(types.ErrInvalidExpiry, "expires_height: %d is not above the current height %d (use 0 for never)",
			msg.ExpiresHeight, height)
	}
	id, err := k.AttestationSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	if id < types.FirstAttestationID { // a store that never ran InitGenesis
		id = types.FirstAttestationID
		if err := k.AttestationSeq.Set(ctx, id+1); err != nil {
			return nil, err
		}
	}
	a := types.Attestation{
		Id:            id,
		Subject:       msg.Subject,
		SubjectKind:   kind,
		Attester:      attester,
		Predicate:     msg.Predicate,
		MethodHash:    msg.MethodHash,
		ResultHash:    msg.ResultHash,
		Uri:           msg.Uri,
		Score:         msg.Score,
		IssuedHeight:  height,
		ExpiresHeight: msg.ExpiresHeight,
	}
	if err := k.setAttestation(ctx, a); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventAttested{
		Id: a.Id, Subject: a.Subject, Attester: a.Attester, Predicate: a.Predicate,
	}); err != nil {
		return nil, err
	}
	return &types.MsgAttestResponse{Id: id}, nil
}

func (k msgServer) RevokeAttestation(ctx context.Context, msg *types.MsgRevokeAttestation) (*types.MsgRevokeAttestationResponse, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(params); err != nil {
		return nil, err
	}
	if _, _, err := k.canonicalAddress("attester", msg.Attester); err != nil {
		return nil, err
	}
	a, err := k.Attestations.Get(ctx, msg.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "id: no attestation with id %d", msg.Id)
	} else if err != nil {
		return nil, err
	}
	if !k.sameAddress(a.Attester, msg.Attester) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "attester: attestation %d was issued by %s; only its attester may revoke it, got %s",
			a.Id, a.Attester, msg.Attester)
	}
	if a.Revoked {
		return nil, errorsmod.Wrapf(types.ErrAlreadyRevoked, "id: attestation %d was already revoked at height %d", a.Id, a.RevokedHeight)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	a.Revoked = true
	a.RevokedHeight = sdkCtx.BlockHeight()
	if err := k.Attestations.Set(ctx, a.Id, a); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventAttestationRevoked{
		Id: a.Id, Subject: a.Subject, Attester: a.Attester,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRevokeAttestationResponse{}, nil
}

// Model status transitions (MsgUpdateModelStatus, publisher only):
//
//	active     -> deprecated | revoked
//	deprecated -> active (un-deprecate; clears superseded_by) | deprecated (update superseded_by/reason) | revoked
//	revoked    -> nothing: revocation is final
//	pending    -> nothing: a trained child awaiting its training audit; only x/training moves it (ActivateModel
//	              when its job settles, RevokeModel on fraud), so a publisher cannot serve it, or deprecate and
//	              then un-deprecate it, before the verdict
//
// active -> active is refused as a no-op. superseded_by, when set, must name another registered model.
func allowedTransition(from, to types.ModelStatus) bool {
	switch from {
	case types.ModelStatus_MODEL_STATUS_ACTIVE:
		return to == types.ModelStatus_MODEL_STATUS_DEPRECATED || to == types.ModelStatus_MODEL_STATUS_REVOKED
	case types.ModelStatus_MODEL_STATUS_DEPRECATED:
		return to == types.ModelStatus_MODEL_STATUS_ACTIVE || to == types.ModelStatus_MODEL_STATUS_DEPRECATED ||
			to == types.ModelStatus_MODEL_STATUS_REVOKED
	default:
		return false
	}
}

func (k msgServer) UpdateModelStatus(ctx context.Context, msg *types.MsgUpdateModelStatus) (*types.MsgUpdateModelStatusResponse, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(params); err != nil {
		return nil, err
	}
	if _, _, err := k.canonicalAddress("publisher", msg.Publisher); err != nil {
		return nil, err
	}
	m, found, err := k.GetModel(ctx, msg.ContentRoot)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "content_root: no model with content root %s is registered", msg.ContentRoot)
	}
	if !k.sameAddress(m.Publisher, msg.Publisher) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "publisher: model %s was published by %s; only its publisher may change its status, got %s",
			m.ContentRoot, m.Publisher, msg.Publisher)
	}
	if m.Status == types.ModelStatus_MODEL_STATUS_PENDING {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "status: model %s is pending its training audit (%s); x/training sets its status when the job settles",
			m.ContentRoot, m.StatusReason)
	}
	if !allowedTransition(m.Status, msg.Status) {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "status: cannot change from %s to %s (revoked is final)",
			statusName(m.Status), statusName(msg.Status))
	}
	if msg.SupersededBy != "" {
		if has, err := k.Models.Has(ctx, msg.SupersededBy); err != nil {
			return nil, err
		} else if !has {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "superseded_by: no model with content root %s is registered", msg.SupersededBy)
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	old := m.Status
	m.Status = msg.Status
	m.SupersededBy = msg.SupersededBy
	m.StatusReason = msg.Reason
	m.StatusHeight = sdkCtx.BlockHeight()
	if err := k.Models.Set(ctx, m.ContentRoot, m); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventModelStatusChanged{
		ContentRoot: m.ContentRoot, OldStatus: old, NewStatus: m.Status, SupersededBy: m.SupersededBy, Reason: m.StatusReason,
	}); err != nil {
		return nil, err
	}
	return &types.MsgUpdateModelStatusResponse{}, nil
}

func statusName(s types.ModelStatus) string {
	switch s {
	case types.ModelStatus_MODEL_STATUS_ACTIVE:
		return "active"
	case types.ModelStatus_MODEL_STATUS_DEPRECATED:
		return "deprecated"
	case types.ModelStatus_MODEL_STATUS_REVOKED:
		return "revoked"
	case types.ModelStatus_MODEL_STATUS_PENDING:
		return "pending"
	default:
		return s.String()
	}
}

func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if !k.sameAddress(k.authority, msg.Authority) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "authority: expected %s (gov), got %s", k.authority, msg.Authority)
	}
	if err := msg.Validate(types.Params{}); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	p := msg.Params
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventParamsUpdated{Params: &p}); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
