package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// A mid-round export imports into a fresh keeper with the same state, the derived indexes included: the cap
// still holds and the round still finalizes.
func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(1000, 10, 20)
	a, rcpt := f.project(id, "a")
	f.contribute(id, a, "x", 9)
	f.contribute(id, a, "y", 16)
	f.createRound(5, 11, 30)
	gs := f.export()
	require.NoError(t, gs.Validate())

	g2 := newFixtureWithBank(t, f.bank) // a fresh store over the same balances
	require.NoError(t, g2.k.InitGenesis(g2.ctx, gs))
	require.Equal(t, gs, g2.export())
	// the subject index came back: the same model cannot enter the round twice
	g2.addModel("a", addrOf("publisher/a"))
	_, err := g2.msg.RegisterProject(g2.ctx, &types.MsgRegisterProject{
		Registrant: g2.acc(addrOf("publisher/a")), RoundId: id, Subject: rootOf("model/a"),
	})
	require.ErrorIs(t, err, types.ErrDuplicate)
	// the contributor totals came back: x gave 9 of the 1,000,000 cap
	total, err := g2.k.ContributorTotals.Get(g2.ctx, collections.Join(id, g2.acc(addrOf("contributor/x"))))
	require.NoError(t, err)
	require.Equal(t, math.NewInt(9), total)
	// the end queue came back: the round finalizes and pays (3+4)² − 25 = 24 → the only weight, the whole pool
	g2.endBlocks(20)
	require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZED, g2.round(id).Status)
	require.Equal(t, math.NewInt(1025), g2.bank.balance(rcpt))
	require.Equal(t, uint64(3), g2.createRound(1, 21, 22)) // ids continue
}

// newFixtureWithBank is a fixture with an empty store whose bank shares bank's balances.
func newFixtureWithBank(t *testing.T, bank *fakeBank) *fixture {
	f := newFixture(t)
	*f.bank = *bank // the keeper holds f.bank; the maps are now bank's
	return f
}

func TestGenesisValidateRefusesInconsistentState(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(1000, 10, 20)
	a, _ := f.project(id, "a")
	f.contribute(id, a, "x", 9)
	for name, mutate := range map[string]func(gs *types.GenesisState){
		"project total":           func(gs *types.GenesisState) { gs.Projects[0].Total = math.NewInt(10) },
		"sum_sqrt":                func(gs *types.GenesisState) { gs.Projects[0].SumSqrt = gs.Projects[0].SumSqrt.AddRaw(1) },
		"round total":             func(gs *types.GenesisState) { gs.Rounds[0].TotalContributions = math.NewInt(1) },
		"unknown project":         func(gs *types.GenesisState) { gs.Contributions[0].ProjectId = 5 },
		"duplicate round":         func(gs *types.GenesisState) { gs.Rounds = append(gs.Rounds, gs.Rounds[0]) },
		"round id not below next": func(gs *types.GenesisState) { gs.NextRoundId = 1 },
		"bad params":              func(gs *types.GenesisState) { gs.Params.PayoutsPerBlock = 0 },
	} {
		gs := f.export()
		mutate(gs)
		require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis, name)
	}
}
