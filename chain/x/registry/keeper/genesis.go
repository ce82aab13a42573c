package keeper

import (
	"context"
	"fmt"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

// InitGenesis loads the genesis state: params, datasets, models (with their reverse indexes rebuilt),
// attestations (with the subject index) and the attestation sequence. The state must be valid
// (GenesisState.Validate); it is validated again here.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, d := range gs.Datasets {
		if err := k.setDataset(ctx, d); err != nil {
			return fmt.Errorf("dataset %s: %w", d.ContentRoot, err)
		}
	}
	for _, m := range gs.Models {
		if err := k.setModel(ctx, m); err != nil {
			return fmt.Errorf("model %s: %w", m.ContentRoot, err)
		}
	}
	for _, a := range gs.Attestations {
		if err := k.setAttestation(ctx, a); err != nil {
			return fmt.Errorf("attestation %d: %w", a.Id, err)
		}
	}
	return k.AttestationSeq.Set(ctx, gs.NextAttestationId)
}

// ExportGenesis exports the state: records in key order (datasets and models by content root,
// attestations by id) and the next attestation id.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Datasets.Walk(ctx, nil, func(_ string, d types.Dataset) (bool, error) {
		gs.Datasets = append(gs.Datasets, d)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Models.Walk(ctx, nil, func(_ string, m types.Model) (bool, error) {
		gs.Models = append(gs.Models, m)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Attestations.Walk(ctx, nil, func(_ uint64, a types.Attestation) (bool, error) {
		gs.Attestations = append(gs.Attestations, a)
		return false, nil
	}); err != nil {
		return nil, err
	}
	next, err := k.AttestationSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	if next < types.FirstAttestationID {
		next = types.FirstAttestationID
	}
	gs.NextAttestationId = next
	return gs, nil
}
