package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// InitGenesis loads a validated genesis state and rebuilds the derived state: the subject index, the
// per-contributor totals and the end / finalize queues (from each round's status).
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.RoundSeq.Set(ctx, gs.NextRoundId); err != nil {
		return err
	}
	for _, r := range gs.Rounds {
		if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
			return err
		}
		switch r.Status {
		case types.RoundStatus_ROUND_STATUS_OPEN:
			if err := k.EndQueue.Set(ctx, collections.Join(r.EndHeight, r.Id)); err != nil {
				return err
			}
		case types.RoundStatus_ROUND_STATUS_FINALIZING:
			if err := k.FinalizeQueue.Set(ctx, r.Id); err != nil {
				return err
			}
		}
	}
	for _, p := range gs.Projects {
		if err := k.Projects.Set(ctx, collections.Join(p.RoundId, p.Id), p); err != nil {
			return err
		}
		if p.Subject != "" {
			if err := k.ProjectSubjects.Set(ctx, collections.Join(p.RoundId, p.Subject)); err != nil {
				return err
			}
		}
	}
	totals := make(map[collections.Pair[uint64, string]]math.Int)
	var order []collections.Pair[uint64, string]
	for _, c := range gs.Contributions {
		if err := k.Contributions.Set(ctx, collections.Join3(c.RoundId, c.ProjectId, c.Contributor), c); err != nil {
			return err
		}
		key := collections.Join(c.RoundId, c.Contributor)
		if t, ok := totals[key]; ok {
			totals[key] = t.Add(c.Amount)
		} else {
			totals[key] = c.Amount
			order = append(order, key)
		}
	}
	for _, key := range order {
		if err := k.ContributorTotals.Set(ctx, key, totals[key]); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis exports the state (derived indexes and queues are rebuilt on import).
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.RoundSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p, NextRoundId: next}
	if err := k.Rounds.Walk(ctx, nil, func(_ uint64, r types.Round) (bool, error) {
		gs.Rounds = append(gs.Rounds, r)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Projects.Walk(ctx, nil, func(_ ProjectKey, pr types.Project) (bool, error) {
		gs.Projects = append(gs.Projects, pr)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Contributions.Walk(ctx, nil, func(_ ContributionKey, c types.Contribution) (bool, error) {
		gs.Contributions = append(gs.Contributions, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
