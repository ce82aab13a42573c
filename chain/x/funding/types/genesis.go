package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// DefaultGenesis returns the default genesis state: default params, no rounds, round ids from 1.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextRoundId: FirstRoundID}
}

// Validate checks the genesis state: valid params; round ids unique, at least 1 and below next_round_id;
// every project in a known round with an id up to its project_count, unique, and its total, contributors
// and sum_sqrt equal to what its contributions give; every contribution positive, to a known project, one
// per (round, project, contributor); each round's total_contributions the sum of its projects' totals.
func (gs GenesisState) Validate() error {
	wrap := func(what string, err error) error {
		return errorsmod.Wrapf(ErrInvalidGenesis, "%s: %v", what, err)
	}
	if err := gs.Params.Validate(); err != nil {
		return wrap("params", err)
	}
	if gs.NextRoundId < FirstRoundID {
		return wrap("next_round_id", fmt.Errorf("must be at least %d", FirstRoundID))
	}
	rounds := make(map[uint64]*Round, len(gs.Rounds))
	for i := range gs.Rounds {
		r := &gs.Rounds[i]
		what := fmt.Sprintf("rounds[%d]", i)
		if r.Id < FirstRoundID || r.Id >= gs.NextRoundId {
			return wrap(what, fmt.Errorf("id %d is not in [1, next_round_id %d)", r.Id, gs.NextRoundId))
		}
		if rounds[r.Id] != nil {
			return wrap(what, fmt.Errorf("duplicate id %d", r.Id))
		}
		if r.Status == RoundStatus_ROUND_STATUS_UNSPECIFIED {
			return wrap(what, fmt.Errorf("status must be set"))
		}
		if err := r.MatchingPool.Validate(); err != nil {
			return wrap(what+".matching_pool", err)
		}
		if r.EndHeight < r.StartHeight {
			return wrap(what, fmt.Errorf("end_height %d is before start_height %d", r.EndHeight, r.StartHeight))
		}
		rounds[r.Id] = r
	}
	type pkey struct{ round, project uint64 }
	type agg struct {
		total, sumSqrt math.Int
		n              uint32
	}
	projects := make(map[pkey]*Project, len(gs.Projects))
	sums := make(map[pkey]*agg, len(gs.Projects))
	roundTotals := make(map[uint64]math.Int, len(gs.Rounds))
	for i := range gs.Projects {
		pr := &gs.Projects[i]
		what := fmt.Sprintf("projects[%d]", i)
		r := rounds[pr.RoundId]
		if r == nil {
			return wrap(what, fmt.Errorf("unknown round %d", pr.RoundId))
		}
		if pr.Id == 0 || pr.Id > r.ProjectCount {
			return wrap(what, fmt.Errorf("id %d is not in [1, project_count %d] of round %d", pr.Id, r.ProjectCount, r.Id))
		}
		k := pkey{pr.RoundId, pr.Id}
		if projects[k] != nil {
			return wrap(what, fmt.Errorf("duplicate project %d of round %d", pr.Id, pr.RoundId))
		}
		if pr.Kind == ProjectKind_PROJECT_KIND_UNSPECIFIED {
			return wrap(what, fmt.Errorf("kind must be set"))
		}
		projects[k] = pr
		sums[k] = &agg{total: math.ZeroInt(), sumSqrt: math.ZeroInt()}
		t, ok := roundTotals[pr.RoundId]
		if !ok {
			t = math.ZeroInt()
		}
		roundTotals[pr.RoundId] = t.Add(pr.Total)
	}
	type ckey struct {
		round, project uint64
		contributor    string
	}
	seen := make(map[ckey]bool, len(gs.Contributions))
	for i, c := range gs.Contributions {
		what := fmt.Sprintf("contributions[%d]", i)
		k := pkey{c.RoundId, c.ProjectId}
		s := sums[k]
		if s == nil {
			return wrap(what, fmt.Errorf("unknown project %d of round %d", c.ProjectId, c.RoundId))
		}
		if c.Amount.IsNil() || !c.Amount.IsPositive() {
			return wrap(what, fmt.Errorf("amount must be positive"))
		}
		ck := ckey{c.RoundId, c.ProjectId, c.Contributor}
		if seen[ck] {
			return wrap(what, fmt.Errorf("duplicate contribution of %s to project %d of round %d", c.Contributor, c.ProjectId, c.RoundId))
		}
		seen[ck] = true
		s.total = s.total.Add(c.Amount)
		s.sumSqrt = s.sumSqrt.Add(ScaledSqrt(c.Amount))
		s.n++
	}
	for k, pr := range projects {
		s := sums[k]
		if pr.Total.IsNil() || !pr.Total.Equal(s.total) || pr.SumSqrt.IsNil() || !pr.SumSqrt.Equal(s.sumSqrt) || pr.Contributors != s.n {
			return wrap(fmt.Sprintf("project %d of round %d", pr.Id, pr.RoundId),
				fmt.Errorf("total/sum_sqrt/contributors (%v/%v/%d) differ from its contributions (%s/%s/%d)",
					pr.Total, pr.SumSqrt, pr.Contributors, s.total, s.sumSqrt, s.n))
		}
	}
	for id, r := range rounds {
		t, ok := roundTotals[id]
		if !ok {
			t = math.ZeroInt()
		}
		if r.TotalContributions.IsNil() || !r.TotalContributions.Equal(t) {
			return wrap(fmt.Sprintf("round %d", id), fmt.Errorf("total_contributions %v differs from its projects' sum %s", r.TotalContributions, t))
		}
	}
	return nil
}
