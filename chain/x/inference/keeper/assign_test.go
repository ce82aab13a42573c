package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// TestAssignmentWeightedByBondedTokens draws executors for many (block hash, job id) pairs: a validator with
// 3x the bonded tokens gets ~3x the jobs.
func TestAssignmentWeightedByBondedTokens(t *testing.T) {
	f := newFixture(t)
	small := f.executor("small", 1_000_000)
	big := f.executor("big", 3_000_000)
	counts := map[string]int{}
	const n = 8000
	for i := uint64(0); i < n; i++ {
		hash := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i/100))
		ctx := f.ctx.WithHeaderHash(hash[:])
		c, found, err := f.k.PickExecutor(ctx, f.model, i+1, nil)
		require.NoError(t, err)
		require.True(t, found)
		counts[c.Executor.Validator]++
	}
	ratio := float64(counts[big]) / float64(counts[small])
	t.Logf("small %d, big %d, ratio %.3f", counts[small], counts[big], ratio)
	// expected share of big 0.75, sd = sqrt(n*0.75*0.25) ~ 39: 5 sd ~ 195 jobs
	require.InDelta(t, 0.75*n, float64(counts[big]), 200)
	require.InDelta(t, 3.0, ratio, 0.35)
}

func TestAssignmentDeterministic(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		f.executor(name, 1_000_000)
	}
	hash := sha256.Sum256([]byte("block 42"))
	ctx := f.ctx.WithHeaderHash(hash[:])
	seen := map[string]bool{}
	for id := uint64(1); id <= 50; id++ {
		c1, _, err := f.k.PickExecutor(ctx, f.model, id, nil)
		require.NoError(t, err)
		c2, _, err := f.k.PickExecutor(ctx, f.model, id, nil)
		require.NoError(t, err)
		require.Equal(t, c1.Executor.Validator, c2.Executor.Validator, "same hash and job id, same executor")
		seen[c1.Executor.Validator] = true
	}
	require.Greater(t, len(seen), 1, "different job ids spread over executors")

	// the header info hash takes precedence over the legacy header hash, which beats the height fallback
	other := sha256.Sum256([]byte("other"))
	ctxInfo := ctx.WithHeaderInfo(ctx.HeaderInfo())
	info := ctxInfo.HeaderInfo()
	info.Hash = other[:]
	ctxInfo = ctxInfo.WithHeaderInfo(info)
	differs := false
	for id := uint64(1); id <= 50; id++ {
		a, _, _ := f.k.PickExecutor(ctx, f.model, id, nil)
		b, _, _ := f.k.PickExecutor(ctxInfo, f.model, id, nil)
		if a.Executor.Validator != b.Executor.Validator {
			differs = true
		}
	}
	require.True(t, differs)
}

func TestAssignmentSkipsIneligible(t *testing.T) {
	f := newFixture(t)
	f.executor("jailed", 1_000_000)
	f.executor("unbonding", 1_000_000)
	f.executor("inactive", 1_000_000)
	ok := f.executor("ok", 1)
	v := f.staking.vals[string(addrOf("jailed"))]
	v.Jailed = true
	f.staking.vals[string(addrOf("jailed"))] = v
	v = f.staking.vals[string(addrOf("unbonding"))]
	v.Status = stakingtypes.Unbonding
	f.staking.vals[string(addrOf("unbonding"))] = v
	_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(addrOf("inactive"))})
	require.NoError(t, err)
	for id := uint64(1); id <= 30; id++ {
		c, found, err := f.k.PickExecutor(f.ctx, f.model, id, nil)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, ok, c.Executor.Validator)
	}
	_, found, err := f.k.PickExecutor(f.ctx, f.model, 1, map[string]bool{ok: true})
	require.NoError(t, err)
	require.False(t, found)
}

func TestSeedDerivation(t *testing.T) {
	hash := sha256.Sum256([]byte("block"))
	h := sha256.New()
	h.Write([]byte("inferchain/seed"))
	h.Write(hash[:])
	h.Write([]byte{0, 0, 0, 0, 0, 0, 0, 7})
	want := binary.BigEndian.Uint64(h.Sum(nil)[:8])
	require.Equal(t, want, types.DeriveSeed(hash[:], 7))
	require.NotEqual(t, types.DeriveSeed(hash[:], 7), types.DeriveSeed(hash[:], 8))

	f := newFixture(t)
	f.executor("val1", 100)
	f.ctx = f.ctx.WithHeaderHash(hash[:])
	f.requestOK(f.request())
	require.Equal(t, types.DeriveSeed(hash[:], 1), f.job(1).Seed)
}
