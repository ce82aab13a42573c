package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
)

// NewGenesisState returns a genesis state.
func NewGenesisState(params Params, datasets []Dataset, models []Model, attestations []Attestation, nextAttestationID uint64) *GenesisState {
	return &GenesisState{
		Params:            params,
		Datasets:          datasets,
		Models:            models,
		Attestations:      attestations,
		NextAttestationId: nextAttestationID,
	}
}

// DefaultGenesis returns the default genesis state: default params, no records, attestation ids from 1.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextAttestationId: FirstAttestationID}
}

// Validate checks the genesis state: valid params and records, no duplicates, every reference
// (parents, datasets, sources, superseded_by, attestation subjects) present, attestation ids unique,
// at least 1 and below next_attestation_id.
func (gs GenesisState) Validate() error {
	wrap := func(what string, err error) error {
		return errorsmod.Wrapf(ErrInvalidGenesis, "%s: %v", what, err)
	}
	if err := gs.Params.Validate(); err != nil {
		return wrap("params", err)
	}
	p := gs.Params
	if gs.NextAttestationId < FirstAttestationID {
		return wrap("next_attestation_id", fmt.Errorf("must be at least %d", FirstAttestationID))
	}

	datasets := make(map[string]bool, len(gs.Datasets))
	dsNames := make(map[string]bool, len(gs.Datasets))
	for i, d := range gs.Datasets {
		what := fmt.Sprintf("datasets[%d]", i)
		if err := d.Validate(p); err != nil {
			return wrap(what, err)
		}
		if datasets[d.ContentRoot] {
			return wrap(what, fmt.Errorf("duplicate content_root %s", d.ContentRoot))
		}
		datasets[d.ContentRoot] = true
		handle := d.Name + "@" + d.Version
		if dsNames[handle] {
			return wrap(what, fmt.Errorf("duplicate name@version %s", handle))
		}
		dsNames[handle] = true
	}
	for i, d := range gs.Datasets {
		for j, s := range d.Sources {
			if !datasets[s] {
				return wrap(fmt.Sprintf("datasets[%d].sources[%d]", i, j), fmt.Errorf("unknown dataset %s", s))
			}
		}
	}

	models := make(map[string]bool, len(gs.Models))
	mNames := make(map[string]bool, len(gs.Models))
	for i, m := range gs.Models {
		what := fmt.Sprintf("models[%d]", i)
		if err := m.Validate(p); err != nil {
			return wrap(what, err)
		}
		if models[m.ContentRoot] {
			return wrap(what, fmt.Errorf("duplicate content_root %s", m.ContentRoot))
		}
		if datasets[m.ContentRoot] {
			return wrap(what, fmt.Errorf("content_root %s is also registered as a dataset", m.ContentRoot))
		}
		models[m.ContentRoot] = true
		handle := m.Name + "@" + m.Version
		if mNames[handle] {
			return wrap(what, fmt.Errorf("duplicate name@version %s", handle))
		}
		mNames[handle] = true
	}
	for i, m := range gs.Models {
		for j, pr := range m.Parents {
			if !models[pr.Model] {
				return wrap(fmt.Sprintf("models[%d].parents[%d].model", i, j), fmt.Errorf("unknown model %s", pr.Model))
			}
		}
		for j, d := range m.Datasets {
			if !datasets[d.Dataset] {
				return wrap(fmt.Sprintf("models[%d].datasets[%d].dataset", i, j), fmt.Errorf("unknown dataset %s", d.Dataset))
			}
		}
		if m.SupersededBy != "" && !models[m.SupersededBy] {
			return wrap(fmt.Sprintf("models[%d].superseded_by", i), fmt.Errorf("unknown model %s", m.SupersededBy))
		}
	}

	ids := make(map[uint64]bool, len(gs.Attestations))
	for i, a := range gs.Attestations {
		what := fmt.Sprintf("attestations[%d]", i)
		if err := a.Validate(p); err != nil {
			return wrap(what, err)
		}
		if ids[a.Id] {
			return wrap(what, fmt.Errorf("duplicate id %d", a.Id))
		}
		ids[a.Id] = true
		if a.Id >= gs.NextAttestationId {
			return wrap(what, fmt.Errorf("id %d is not below next_attestation_id %d", a.Id, gs.NextAttestationId))
		}
		switch a.SubjectKind {
		case SubjectKind_SUBJECT_KIND_MODEL:
			if !models[a.Subject] {
				return wrap(what+".subject", fmt.Errorf("unknown model %s", a.Subject))
			}
		case SubjectKind_SUBJECT_KIND_DATASET:
			if !datasets[a.Subject] {
				return wrap(what+".subject", fmt.Errorf("unknown dataset %s", a.Subject))
			}
		}
	}
	return nil
}
