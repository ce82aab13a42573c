package types

import (
	errorsmod "cosmossdk.io/errors"
)

// Default parameter values.
const (
	DefaultMaxFiles        uint32 = 1024
	DefaultMaxParents      uint32 = 16
	DefaultMaxDatasets     uint32 = 64
	DefaultMaxSources      uint32 = 64
	DefaultMaxFieldLength  uint32 = 128
	DefaultMaxURILength    uint32 = 512
	DefaultMaxPathLength   uint32 = 512
	DefaultMaxLineageNodes uint32 = 256
)

// DefaultParams returns the default registry parameters.
func DefaultParams() Params {
	return Params{
		MaxFiles:        DefaultMaxFiles,
		MaxParents:      DefaultMaxParents,
		MaxDatasets:     DefaultMaxDatasets,
		MaxSources:      DefaultMaxSources,
		MaxFieldLength:  DefaultMaxFieldLength,
		MaxUriLength:    DefaultMaxURILength,
		MaxPathLength:   DefaultMaxPathLength,
		MaxLineageNodes: DefaultMaxLineageNodes,
	}
}

// CeilingParams are the largest values governance may set. They also serve as the limits of the
// state-independent ValidateBasic checks (which cannot read the current params): a message within the
// current params is always within the ceilings.
func CeilingParams() Params {
	return Params{
		MaxFiles:        100_000,
		MaxParents:      256,
		MaxDatasets:     1024,
		MaxSources:      1024,
		MaxFieldLength:  1024,
		MaxUriLength:    8192,
		MaxPathLength:   4096,
		MaxLineageNodes: 10_000,
	}
}

// Validate checks that every parameter is positive and at most its ceiling.
func (p Params) Validate() error {
	c := CeilingParams()
	for _, f := range []struct {
		name     string
		val, max uint32
	}{
		{"max_files", p.MaxFiles, c.MaxFiles},
		{"max_parents", p.MaxParents, c.MaxParents},
		{"max_datasets", p.MaxDatasets, c.MaxDatasets},
		{"max_sources", p.MaxSources, c.MaxSources},
		{"max_field_length", p.MaxFieldLength, c.MaxFieldLength},
		{"max_uri_length", p.MaxUriLength, c.MaxUriLength},
		{"max_path_length", p.MaxPathLength, c.MaxPathLength},
		{"max_lineage_nodes", p.MaxLineageNodes, c.MaxLineageNodes},
	} {
		if f.val == 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: must be positive", f.name)
		}
		if f.val > f.max {
			return errorsmod.Wrapf(ErrInvalidParams, "params.%s: %d is above the ceiling %d", f.name, f.val, f.max)
		}
	}
	return nil
}
