package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// refused runs fn, expects the error, and checks that neither the store (exported genesis) nor any balance changed.
func (f *fixture) refused(want error, fn func() error) {
	f.t.Helper()
	gsBefore := f.export()
	balBefore := map[string]string{}
	for k, v := range f.bank.balances {
		balBefore[k] = v.String()
	}
	err := fn()
	require.ErrorIs(f.t, err, want)
	require.Equal(f.t, gsBefore, f.export(), "state changed by a refused message")
	balAfter := map[string]string{}
	for k, v := range f.bank.balances {
		balAfter[k] = v.String()
	}
	require.Equal(f.t, balBefore, balAfter, "balances changed by a refused message")
}

func TestCreateRoundRefusals(t *testing.T) {
	f := newFixture(t)
	c := f.acc(f.creator)
	for _, tc := range []struct {
		name string
		msg  types.MsgCreateRound
		want error
	}{
		{"zero pool", types.MsgCreateRound{Creator: c, Title: "t", MatchingPool: coin(0), StartHeight: 10, EndHeight: 20}, types.ErrInvalidAmount},
		{"other denom", types.MsgCreateRound{Creator: c, Title: "t", MatchingPool: sdk.NewInt64Coin("stake", 5), StartHeight: 10, EndHeight: 20}, types.ErrInvalidAmount},
		{"empty title", types.MsgCreateRound{Creator: c, Title: " ", MatchingPool: coin(5), StartHeight: 10, EndHeight: 20}, types.ErrInvalidField},
		{"end before start", types.MsgCreateRound{Creator: c, Title: "t", MatchingPool: coin(5), StartHeight: 20, EndHeight: 19}, types.ErrInvalidWindow},
		{"start in the past", types.MsgCreateRound{Creator: c, Title: "t", MatchingPool: coin(5), StartHeight: 9, EndHeight: 20}, types.ErrInvalidWindow},
		{"too long", types.MsgCreateRound{Creator: c, Title: "t", MatchingPool: coin(5), StartHeight: 10, EndHeight: 10 + int64(types.DefaultMaxRoundBlocks) + 1}, types.ErrInvalidWindow},
		{"bad creator", types.MsgCreateRound{Creator: "cosmos1xyz", Title: "t", MatchingPool: coin(5), StartHeight: 10, EndHeight: 20}, types.ErrInvalidAddress},
		{"pool above balance", types.MsgCreateRound{Creator: f.acc(addrOf("poor")), Title: "t", MatchingPool: coin(5), StartHeight: 10, EndHeight: 20}, sdkerrors.ErrInsufficientFunds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.refused(tc.want, func() error { _, err := f.msg.CreateRound(f.ctx, &tc.msg); return err })
		})
	}
}

func TestRegisterProjectRefusals(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(100, 12, 20)
	pub := addrOf("pub")
	model := f.addModel("m", pub)
	dataset := f.addDataset("d", pub)
	mallory := f.acc(addrOf("mallory"))
	_, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: model})
	require.NoError(t, err)
	res, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: dataset})
	require.NoError(t, err)
	p, _, _ := f.k.GetProject(f.ctx, id, res.ProjectId)
	require.Equal(t, types.ProjectKind_PROJECT_KIND_DATASET, p.Kind)
	require.Equal(t, f.acc(pub), p.Recipient)
	prop, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: mallory, RoundId: id, Title: "a 1B open model", Uri: "https://example.org/p", Recipient: mallory})
	require.NoError(t, err)
	require.Equal(t, uint64(3), prop.ProjectId)

	for _, tc := range []struct {
		name string
		msg  types.MsgRegisterProject
		want error
	}{
		{"unknown subject", types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: rootOf("nothing")}, types.ErrNotFound},
		{"malformed subject", types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: "abc"}, types.ErrInvalidField},
		{"not the publisher", types.MsgRegisterProject{Registrant: mallory, RoundId: id, Subject: model}, types.ErrUnauthorized},
		{"twice", types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: model}, types.ErrDuplicate},
		{"subject with a recipient", types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: model, Recipient: mallory}, types.ErrInvalidField},
		{"unknown round", types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: 99, Subject: model}, types.ErrNotFound},
		{"proposal without uri", types.MsgRegisterProject{Registrant: mallory, RoundId: id, Title: "x", Recipient: mallory}, types.ErrInvalidField},
		{"proposal without recipient", types.MsgRegisterProject{Registrant: mallory, RoundId: id, Title: "x", Uri: "u"}, types.ErrInvalidField},
		{"proposal paying a module account", types.MsgRegisterProject{Registrant: mallory, RoundId: id, Title: "x", Uri: "u", Recipient: f.acc(moduleAddr)}, types.ErrBlockedRecipient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.refused(tc.want, func() error { _, err := f.msg.RegisterProject(f.ctx, &tc.msg); return err })
		})
	}

	t.Run("too many projects", func(t *testing.T) {
		params, err := f.k.GetParams(f.ctx)
		require.NoError(t, err)
		params.MaxProjectsPerRound = 3
		require.NoError(t, f.k.Params.Set(f.ctx, params))
		f.refused(types.ErrTooManyProjects, func() error {
			_, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: mallory, RoundId: id, Title: "x", Uri: "u", Recipient: mallory})
			return err
		})
	})
	t.Run("after the end", func(t *testing.T) {
		f.ctx = f.ctx.WithBlockHeight(21)
		f.refused(types.ErrRoundNotOpen, func() error {
			_, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: id, Subject: f.addModel("late", pub)})
			return err
		})
	})
}

func TestContributeRefusals(t *testing.T) {
	f := newFixture(t)
	params, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	params.MinContribution = coin(10)
	params.MaxContributionPerRound = coin(100)
	require.NoError(t, f.k.Params.Set(f.ctx, params))
	id := f.createRound(100, 12, 20)
	a, _ := f.project(id, "a")
	b, _ := f.project(id, "b")
	x := addrOf("x")
	f.fund(x, 1000)
	contribute := func(round, project uint64, amt sdk.Coin) func() error {
		return func() error {
			_, err := f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(x), RoundId: round, ProjectId: project, Amount: amt})
			return err
		}
	}
	// before the window
	f.refused(types.ErrOutOfWindow, contribute(id, a, coin(10)))
	f.ctx = f.ctx.WithBlockHeight(12)
	f.refused(types.ErrBelowMinimum, contribute(id, a, coin(9)))
	f.refused(types.ErrInvalidAmount, contribute(id, a, coin(0)))
	f.refused(types.ErrInvalidAmount, contribute(id, a, sdk.NewInt64Coin("stake", 50)))
	f.refused(types.ErrNotFound, contribute(id, 9, coin(10)))
	f.refused(types.ErrNotFound, contribute(7, a, coin(10)))
	// the cap is per round over all projects: 60 to a, then 41 to b is over 100
	require.NoError(t, contribute(id, a, coin(60))())
	f.refused(types.ErrOverCap, contribute(id, b, coin(41)))
	require.NoError(t, contribute(id, b, coin(40))())
	f.refused(types.ErrOverCap, contribute(id, a, coin(10)))
	// a contributor without the funds
	poor := addrOf("poor")
	f.refused(sdkerrors.ErrInsufficientFunds, func() error {
		_, err := f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(poor), RoundId: id, ProjectId: a, Amount: coin(10)})
		return err
	})
	// the last block of the window still accepts; the next does not
	y := addrOf("y")
	f.fund(y, 100)
	f.ctx = f.ctx.WithBlockHeight(20)
	_, err = f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(y), RoundId: id, ProjectId: a, Amount: coin(10)})
	require.NoError(t, err)
	f.ctx = f.ctx.WithBlockHeight(21)
	f.refused(types.ErrRoundNotOpen, func() error {
		_, err := f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(y), RoundId: id, ProjectId: a, Amount: coin(10)})
		return err
	})
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.PayoutsPerBlock = 7
	f.refused(types.ErrUnauthorized, func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.acc(f.creator), Params: p})
		return err
	})
	bad := p
	bad.MinContribution = coin(0)
	f.refused(types.ErrInvalidParams, func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: bad})
		return err
	})
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	got, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	require.Equal(t, uint32(7), got.PayoutsPerBlock)
}
