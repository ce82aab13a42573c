package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
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
		// an executor whose only model was tombstoned (fraud) is inactive with an empty list
		if len(e.Models) > 0 || e.Active {
			if err := ValidateModelList(e.Models); err != nil {
				return wrap(what, err)
			}
		}
		if err := ValidateEndpoint(e.Endpoint); err != nil {
			return wrap(what, err)
		}
	}
	tombstones := make(map[string]bool, len(gs.Tombstones))
	for i, t := range gs.Tombstones {
		what := fmt.Sprintf("tombstones[%d]", i)
		if err := ValidateAddressField("validator", t.Validator); err != nil {
			return wrap(what, err)
		}
		if err := ValidateModelRef("model", t.Model); err != nil {
			return wrap(what, err)
		}
		if tombstones[t.Validator+"/"+t.Model] {
			return wrap(what, fmt.Errorf("duplicate tombstone of %s for model %s", t.Validator, t.Model))
		}
		tombstones[t.Validator+"/"+t.Model] = true
	}
	if n := len(gs.Entropy); n != 0 && n != 32 {
		return wrap("entropy", fmt.Errorf("must be empty or 32 bytes, got %d", n))
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
		case JobStatus_JOB_STATUS_AUDITING:
			if j.Executor == "" || j.Result == nil || j.Audit == nil {
				return wrap(what, fmt.Errorf("job under audit has no executor, result or audit"))
			}
		case JobStatus_JOB_STATUS_REFUNDED:
		default:
			return wrap(what+".status", fmt.Errorf("unknown status %s", j.Status))
		}
		if j.Audit != nil {
			if err := j.Audit.Validate(j.Status == JobStatus_JOB_STATUS_AUDITING); err != nil {
				return wrap(what+".audit", err)
			}
		}
		if r := j.Result; r != nil {
			// the stake a fraud verdict slashes from
			if r.ExecutorPower < 0 {
				return wrap(what+".result.executor_power", fmt.Errorf("must not be negative, got %d", r.ExecutorPower))
			}
			if r.ExecutorTokens != "" {
				if n, ok := math.NewIntFromString(r.ExecutorTokens); !ok || n.IsNegative() {
					return wrap(what+".result.executor_tokens", fmt.Errorf("must be a non-negative integer, got %q", r.ExecutorTokens))
				}
			}
		}
	}
	return nil
}

// Validate checks an audit record: an IN_PROGRESS audit (exactly when the job is AUDITING) has a committee of
// distinct members, a quorum in [1, committee size], a reveal deadline after the commit deadline, and one vote
// per member in committee order; a revealed vote was committed and carries VALID or FRAUD.
func (a Audit) Validate(auditing bool) error {
	if _, known := AuditOutcome_name[int32(a.Outcome)]; !known || a.Outcome == AuditOutcome_AUDIT_OUTCOME_UNSPECIFIED {
		return fmt.Errorf("outcome: unknown outcome %s", a.Outcome)
	}
	inProgress := a.Outcome == AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS
	if inProgress != auditing {
		return fmt.Errorf("outcome: %s does not match the job status (AUDITING exactly while IN_PROGRESS)", a.Outcome)
	}
	if !inProgress {
		return nil
	}
	if len(a.Committee) == 0 {
		return fmt.Errorf("committee: an audit in progress has no committee")
	}
	seen := make(map[string]bool, len(a.Committee))
	for i, c := range a.Committee {
		if err := ValidateAddressField(fmt.Sprintf("committee[%d]", i), c); err != nil {
			return err
		}
		if seen[c] {
			return fmt.Errorf("committee[%d]: %s is on the committee twice", i, c)
		}
		seen[c] = true
	}
	if a.Quorum == 0 || int(a.Quorum) > len(a.Committee) {
		return fmt.Errorf("quorum: %d is not in [1, %d]", a.Quorum, len(a.Committee))
	}
	if a.RevealDeadline <= a.CommitDeadline {
		return fmt.Errorf("reveal_deadline: %d is not after commit_deadline %d", a.RevealDeadline, a.CommitDeadline)
	}
	if len(a.Votes) != len(a.Committee) {
		return fmt.Errorf("votes: %d votes for a committee of %d", len(a.Votes), len(a.Committee))
	}
	for i, v := range a.Votes {
		if v.Verifier != a.Committee[i] {
			return fmt.Errorf("votes[%d]: verifier %s is not committee[%d] %s", i, v.Verifier, i, a.Committee[i])
		}
		if v.CommitHash != "" {
			if err := ValidateCommitHash(v.CommitHash); err != nil {
				return fmt.Errorf("votes[%d]: %w", i, err)
			}
		}
		if v.RevealedHeight != 0 {
			if v.CommitHash == "" {
				return fmt.Errorf("votes[%d]: revealed without a commitment", i)
			}
			if err := ValidateVerdict(v.Verdict); err != nil {
				return fmt.Errorf("votes[%d]: %w", i, err)
			}
		}
	}
	return nil
}
