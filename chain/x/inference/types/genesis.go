package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesis returns the default genesis state: default params, no executors or jobs, job ids from 1.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextJobId: FirstJobID}
}

// NewGenesisState returns a genesis state.
func NewGenesisState(params Params, executors []Executor, jobs []Job, nextJobID uint64) *GenesisState {
	return &GenesisState{Params: params, Executors: executors, Jobs: jobs, NextJobId: nextJobID}
}

// Validate checks the genesis state without address codecs or other modules: valid params, executors
// unique by validator and by sidecar with valid model lists, job ids unique, in [1, next_job_id), statuses
// known, assigned executors set for open jobs, max_fee in the fee denom. The keeper's InitGenesis decodes
// the addresses.
func (gs GenesisState) Validate() error {
	wrap := func(what string, err error) error {
		return errorsmod.Wrapf(ErrInvalidGenesis, "%s: %v", what, err)
	}
	if err := gs.Params.Validate(); err != nil {
		return wrap("params", err)
	}
	if gs.NextJobId < FirstJobID {
		return wrap("next_job_id", fmt.Errorf("must be at least %d", FirstJobID))
	}
	validators := make(map[string]bool, len(gs.Executors))
	sidecars := make(map[string]bool, len(gs.Executors))
	for i, e := range gs.Executors {
		what := fmt.Sprintf("executors[%d]", i)
		if err := ValidateAddressField("validator", e.Validator); err != nil {
			return wrap(what, err)
		}
		if err := ValidateAddressField("sidecar", e.Sidecar); err != nil {
			return wrap(what, err)
		}
		if validators[e.Validator] {
			return wrap(what, fmt.Errorf("duplicate validator %s", e.Validator))
		}
		validators[e.Validator] = true
		if sidecars[e.Sidecar] {
			return wrap(what, fmt.Errorf("sidecar %s is bound to two executors", e.Sidecar))
		}
		sidecars[e.Sidecar] = true
		if err := ValidateModelList(e.Models); err != nil {
			return wrap(what, err)
		}
		if err := ValidateEndpoint(e.Endpoint); err != nil {
			return wrap(what, err)
		}
	}
	ids := make(map[uint64]bool, len(gs.Jobs))
	for i, j := range gs.Jobs {
		what := fmt.Sprintf("jobs[%d]", i)
		if j.Id < FirstJobID || j.Id >= gs.NextJobId {
			return wrap(what, fmt.Errorf("id %d is not in [%d, next_job_id=%d)", j.Id, FirstJobID, gs.NextJobId))
		}
		if ids[j.Id] {
			return wrap(what, fmt.Errorf("duplicate id %d", j.Id))
		}
		ids[j.Id] = true
		if err := ValidateAddressField("requester", j.Requester); err != nil {
			return wrap(what, err)
		}
		if err := ValidateModelRef("model", j.Model); err != nil {
			return wrap(what, err)
		}
		if err := j.MaxFee.Validate(); err != nil {
			return wrap(what+".max_fee", err)
		}
		switch j.Status {
		case JobStatus_JOB_STATUS_PENDING:
			if j.Executor == "" {
				return wrap(what, fmt.Errorf("pending job has no executor"))
			}
		case JobStatus_JOB_STATUS_RESULT_SUBMITTED:
			if j.Executor == "" || j.Result == nil {
				return wrap(what, fmt.Errorf("job with a submitted result has no executor or result"))
			}
		case JobStatus_JOB_STATUS_SETTLED:
			if j.Settlement == nil {
				return wrap(what, fmt.Errorf("settled job has no settlement"))
			}
		case JobStatus_JOB_STATUS_REFUNDED:
		default:
			return wrap(what+".status", fmt.Errorf("unknown status %s", j.Status))
		}
	}
	return nil
}
