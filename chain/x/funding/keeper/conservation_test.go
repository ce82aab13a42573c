package keeper_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// Random rounds (seeded: deterministic) over several blocks with bounded payouts: for each, pool +
// contributions = payouts + remainder to the unit, the escrow ends empty and the bank's total is unchanged.
func TestNothingCreatedOrLost(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for trial := 0; trial < 25; trial++ {
		f := newFixture(t)
		p, err := f.k.GetParams(f.ctx)
		require.NoError(t, err)
		p.PayoutsPerBlock = uint32(1 + rng.Intn(4))
		require.NoError(t, f.k.Params.Set(f.ctx, p))
		pool := int64(1 + rng.Intn(1_000_000))
		id := f.createRound(pool, 10, 20)
		nProjects := rng.Intn(7)
		recipients := map[uint64][]byte{}
		sum := int64(0)
		for i := 0; i < nProjects; i++ {
			pid, rcpt := f.project(id, fmt.Sprintf("t%d-p%d", trial, i))
			recipients[pid] = rcpt
			for j := 0; j < rng.Intn(6); j++ {
				c := int64(1 + rng.Intn(50_000))
				f.contribute(id, pid, fmt.Sprintf("t%d-c%d", trial, rng.Intn(5)), c) // repeat contributors too
				sum += c
			}
		}
		total := f.bank.total()
		require.Equal(t, math.NewInt(pool+sum), f.bank.balance(moduleAddr))
		f.endBlocks(20 + int64(nProjects) + 10)
		r := f.round(id)
		require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZED, r.Status, "trial %d", trial)
		paid := math.ZeroInt()
		for _, rcpt := range recipients {
			paid = paid.Add(f.bank.balance(rcpt))
		}
		require.Equal(t, math.NewInt(pool+sum).String(), paid.Add(r.Remainder).String(), "trial %d", trial)
		require.Equal(t, r.Remainder.String(), f.bank.balance(communityPool).String())
		require.True(t, f.bank.balance(moduleAddr).IsZero())
		require.Equal(t, total.String(), f.bank.total().String())
	}
}
