package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

// InitGenesis stores params and jobs and rebuilds the deadline queue and name reservations of PENDING jobs, the
// settlement queue of SUBMITTED jobs and the audit queue and committee index of AUDITING jobs.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, j := range gs.Jobs {
		if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
			return err
		}
		if j.Status == types.TrainingStatus_TRAINING_STATUS_PENDING {
			if err := k.DeadlineQueue.Set(ctx, collections.Join(j.DeadlineHeight, j.Id)); err != nil {
				return err
			}
			if err := k.ReservedNames.Set(ctx, collections.Join(j.ChildName, j.ChildVersion)); err != nil {
				return err
			}
		}
		if j.Status == types.TrainingStatus_TRAINING_STATUS_SUBMITTED {
			if err := k.SettlementQueue.Set(ctx, collections.Join(j.Result.SubmittedHeight, j.Id)); err != nil {
				return err
			}
		}
		if j.Status == types.TrainingStatus_TRAINING_STATUS_AUDITING {
			if err := k.AuditQueue.Set(ctx, collections.Join(auditConclusionHeight(j.Audit), j.Id)); err != nil {
				return err
			}
			for _, m := range j.Audit.Committee {
				if err := k.OpenAudits.Set(ctx, collections.Join(m, j.Id)); err != nil {
					return err
				}
			}
		}
	}
	return k.JobSeq.Set(ctx, gs.NextJobId)
}

// ExportGenesis writes params, every job and the next job id.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Jobs.Walk(ctx, nil, func(_ uint64, j types.TrainingJob) (bool, error) {
		gs.Jobs = append(gs.Jobs, j)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if gs.NextJobId, err = k.nextJobID(ctx); err != nil {
		return nil, err
	}
	return gs, nil
}
