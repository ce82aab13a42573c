package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// InitGenesis loads the genesis state: params, executors (with the model and sidecar indexes), jobs (with
// the requester/executor/status indexes, and the deadline queue for PENDING jobs and the settlement queue for
// RESULT_SUBMITTED ones, the audit queue for AUDITING ones and the verifier index of every audit committee
// rebuilt from the jobs, open audits and the prune queue too), tombstones, the entropy accumulator and the job
// sequence. Addresses are decoded and stored in
// canonical form. The escrow of open jobs is the module account's bank balance, exported by x/bank.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for i, e := range gs.Executors {
		valStr, val, err := k.canonicalValidator(fmt.Sprintf("executors[%d].validator", i), e.Validator)
		if err != nil {
			return err
		}
		sidecar, _, err := k.canonicalAccount(fmt.Sprintf("executors[%d].sidecar", i), e.Sidecar)
		if err != nil {
			return err
		}
		e.Validator, e.Sidecar = valStr, sidecar
		if err := k.setExecutor(ctx, val, e); err != nil {
			return fmt.Errorf("executor %s: %w", e.Validator, err)
		}
	}
	for i, j := range gs.Jobs {
		what := fmt.Sprintf("jobs[%d]", i)
		var err error
		if j.Requester, _, err = k.canonicalAccount(what+".requester", j.Requester); err != nil {
			return err
		}
		if j.Executor != "" {
			if j.Executor, _, err = k.canonicalValidator(what+".executor", j.Executor); err != nil {
				return err
			}
		}
		switch j.Status {
		case types.JobStatus_JOB_STATUS_PENDING:
			if err := k.DeadlineQueue.Set(ctx, collections.Join(j.DeadlineHeight, j.Id)); err != nil {
				return err
			}
		case types.JobStatus_JOB_STATUS_RESULT_SUBMITTED:
			if err := k.SettlementQueue.Set(ctx, collections.Join(j.Result.SubmittedHeight, j.Id)); err != nil {
				return err
			}
		case types.JobStatus_JOB_STATUS_AUDITING:
			if err := k.AuditQueue.Set(ctx, collections.Join(auditConclusionHeight(j.Audit), j.Id)); err != nil {
				return err
			}
		}
		if j.Audit != nil {
			for c, member := range j.Audit.Committee {
				if member, _, err = k.canonicalValidator(fmt.Sprintf("%s.audit.committee[%d]", what, c), member); err != nil {
					return err
				}
				j.Audit.Committee[c] = member
				if c < len(j.Audit.Votes) {
					j.Audit.Votes[c].Verifier = member
				}
				if err := k.JobsByVerifier.Set(ctx, collections.Join(member, j.Id)); err != nil {
					return err
				}
				if j.Status == types.JobStatus_JOB_STATUS_AUDITING {
					if err := k.OpenAudits.Set(ctx, collections.Join(member, j.Id)); err != nil {
						return err
					}
				}
			}
		}
		if err := k.setJob(ctx, j); err != nil {
			return fmt.Errorf("job %d: %w", j.Id, err)
		}
	}
	for i, t := range gs.Tombstones {
		valStr, _, err := k.canonicalValidator(fmt.Sprintf("tombstones[%d].validator", i), t.Validator)
		if err != nil {
			return err
		}
		t.Validator = valStr
		if err := k.Tombstones.Set(ctx, collections.Join(t.Validator, t.Model), t); err != nil {
			return err
		}
	}
	if len(gs.Entropy) > 0 {
		if err := k.Entropy.Set(ctx, gs.Entropy); err != nil {
			return err
		}
	}
	return k.JobSeq.Set(ctx, gs.NextJobId)
}

// ExportGenesis exports the state: executors in validator address order, jobs by id, and the next job id.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Executors.Walk(ctx, nil, func(_ sdk.ValAddress, e types.Executor) (bool, error) {
		gs.Executors = append(gs.Executors, e)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		gs.Jobs = append(gs.Jobs, j)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Tombstones.Walk(ctx, nil, func(_ collections.Pair[string, string], t types.ExecutorTombstone) (bool, error) {
		gs.Tombstones = append(gs.Tombstones, t)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if gs.Entropy, err = k.Entropy.Get(ctx); err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if gs.NextJobId, err = k.peekJobID(ctx); err != nil {
		return nil, err
	}
	return gs, nil
}
