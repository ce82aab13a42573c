package types

import errorsmod "cosmossdk.io/errors"

// DefaultGenesis: default params, no jobs.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextJobId: FirstJobID}
}

// Validate checks params, job ids (unique, below next_job_id) and each job's fields.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextJobId < FirstJobID {
		return errorsmod.Wrapf(ErrInvalidGenesis, "next_job_id: %d must be >= %d", gs.NextJobId, FirstJobID)
	}
	seen := map[uint64]bool{}
	names := map[string]bool{}
	for i, j := range gs.Jobs {
		if j.Id < FirstJobID || j.Id >= gs.NextJobId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: id %d not in [%d, next_job_id %d)", i, j.Id, FirstJobID, gs.NextJobId)
		}
		if seen[j.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: duplicate id %d", i, j.Id)
		}
		seen[j.Id] = true
		if err := ValidateRequestFields(CeilingParams(), j.BaseModel, j.Datasets, j.Method, j.HyperParams, j.ChildName, j.ChildVersion); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: %v", i, err)
		}
		if j.Status == TrainingStatus_TRAINING_STATUS_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: status unspecified", i)
		}
		hasResult := j.Status == TrainingStatus_TRAINING_STATUS_COMPLETED || j.Status == TrainingStatus_TRAINING_STATUS_SUBMITTED ||
			j.Status == TrainingStatus_TRAINING_STATUS_AUDITING || j.Status == TrainingStatus_TRAINING_STATUS_FRAUD
		if hasResult != (j.Result != nil) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: a result is present exactly when SUBMITTED, AUDITING, COMPLETED or FRAUD", i)
		}
		if j.Status == TrainingStatus_TRAINING_STATUS_AUDITING && (j.Audit == nil || len(j.Audit.Committee) != len(j.Audit.Votes) || len(j.Audit.Committee) == 0) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: an AUDITING job needs an audit with a committee and one vote per member", i)
		}
		if j.Status == TrainingStatus_TRAINING_STATUS_PENDING {
			k := j.ChildName + "@" + j.ChildVersion
			if names[k] {
				return errorsmod.Wrapf(ErrInvalidGenesis, "jobs[%d]: child name %s reserved twice", i, k)
			}
			names[k] = true
		}
	}
	return nil
}
