package types_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// The vectors are shared with the SDK (sdk/src/client/funding.test.ts): both implementations must agree.
func TestQFVectors(t *testing.T) {
	bz, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "test", "vectors", "qf.json"))
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Name      string     `json:"name"`
			Pool      string     `json:"pool"`
			Projects  [][]string `json:"projects"`
			Weights   []string   `json:"weights"`
			Matches   []string   `json:"matches"`
			Remainder string     `json:"remainder"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(bz, &file))
	require.NotEmpty(t, file.Cases)
	n := func(s string) math.Int {
		v, ok := math.NewIntFromString(s)
		require.True(t, ok, s)
		return v
	}
	for _, c := range file.Cases {
		pool := n(c.Pool)
		total := math.ZeroInt()
		var weights []math.Int
		for i, p := range c.Projects {
			sumSqrt, sum := math.ZeroInt(), math.ZeroInt()
			for _, x := range p {
				sumSqrt = sumSqrt.Add(types.ScaledSqrt(n(x)))
				sum = sum.Add(n(x))
			}
			w := types.Weight(sumSqrt, sum)
			require.Equal(t, c.Weights[i], w.String(), "%s: weight of project %d", c.Name, i)
			weights = append(weights, w)
			total = total.Add(w)
		}
		matched := math.ZeroInt()
		for i, w := range weights {
			m := types.Match(pool, w, total)
			require.Equal(t, c.Matches[i], m.String(), "%s: match of project %d", c.Name, i)
			matched = matched.Add(m)
		}
		require.Equal(t, c.Remainder, pool.Sub(matched).String(), c.Name)
	}
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	for name, mutate := range map[string]func(p *types.Params){
		"zero minimum":       func(p *types.Params) { p.MinContribution.Amount = math.ZeroInt() },
		"cap below minimum":  func(p *types.Params) { p.MaxContributionPerRound.Amount = math.NewInt(1) },
		"cap in other denom": func(p *types.Params) { p.MaxContributionPerRound.Denom = "stake" },
		"cap above 10^30":    func(p *types.Params) { p.MaxContributionPerRound.Amount = math.NewIntWithDecimal(1, 30).AddRaw(1) },
		"zero payouts":       func(p *types.Params) { p.PayoutsPerBlock = 0 },
		"too many projects":  func(p *types.Params) { p.MaxProjectsPerRound = types.CeilingMaxProjectsPerRound + 1 },
		"zero round blocks":  func(p *types.Params) { p.MaxRoundBlocks = 0 },
	} {
		p := types.DefaultParams()
		mutate(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}
}
