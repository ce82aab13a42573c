package types_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

type lineageRegistry struct {
	models   map[string]registrytypes.Model
	datasets map[string]registrytypes.Dataset
}

func (r lineageRegistry) GetModel(_ context.Context, root string) (registrytypes.Model, bool, error) {
	m, ok := r.models[root]
	return m, ok, nil
}

func (r lineageRegistry) GetDataset(_ context.Context, root string) (registrytypes.Dataset, bool, error) {
	d, ok := r.datasets[root]
	return d, ok, nil
}

// fourLevels: M3 (the job's model) fine-tunes M2 on D3; M2 fine-tunes M1; M1 is distilled from M0 on D1 and
// D1b; D1 derives from D0. Each node has its own publisher "pub/<name>". Names stand in for content roots.
func fourLevels() lineageRegistry {
	m := func(name string, parents []string, datasets []string) registrytypes.Model {
		out := registrytypes.Model{ContentRoot: name, Publisher: "pub/" + name}
		for _, p := range parents {
			out.Parents = append(out.Parents, registrytypes.ParentRef{Model: p})
		}
		for _, d := range datasets {
			out.Datasets = append(out.Datasets, registrytypes.DatasetRef{Dataset: d})
		}
		return out
	}
	d := func(name string, sources ...string) registrytypes.Dataset {
		return registrytypes.Dataset{ContentRoot: name, Publisher: "pub/" + name, Sources: sources}
	}
	return lineageRegistry{
		models: map[string]registrytypes.Model{
			"M3": m("M3", []string{"M2"}, []string{"D3"}),
			"M2": m("M2", []string{"M1"}, nil),
			"M1": m("M1", []string{"M0"}, []string{"D1", "D1b"}),
			"M0": m("M0", nil, nil),
		},
		datasets: map[string]registrytypes.Dataset{"D3": d("D3"), "D1": d("D1", "D0"), "D1b": d("D1b"), "D0": d("D0")},
	}
}

func lineageParams(share string, depth, nodes uint32) types.Params {
	p := types.DefaultParams()
	p.LineageRoyaltyShare, p.LineageMaxDepth, p.LineageMaxNodes = share, depth, nodes
	return p
}

func credits(t *testing.T, reg types.RegistryKeeper, model string, royalty int64, p types.Params) map[string]int64 {
	t.Helper()
	cs, found, err := types.SplitRoyalty(context.Background(), reg, model, math.NewInt(royalty), p)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "pub/"+model, cs[0].Publisher, "the job model's publisher comes first")
	out := map[string]int64{}
	sum := math.ZeroInt()
	for _, c := range cs {
		out[c.Publisher] = c.Amount.Int64()
		sum = sum.Add(c.Amount)
	}
	require.Equal(t, math.NewInt(royalty), sum, "credits must sum to the royalty")
	return out
}

// Hand-computed, share 0.5, depth 4, royalty 1001:
//
//	gen 0  M3 1001: up 500 → M2 250, D3 250; keeps 501
//	gen 1  M2 250: up 125 → M1 125; keeps 125.  D3 250: no sources, keeps 250
//	gen 2  M1 125: up 62 → M0, D1, D1b 20 each, dust 2 → M3; keeps 63
//	gen 3  M0 20 keeps.  D1 20: up 10 → D0 10; keeps 10.  D1b 20 keeps
//	gen 4  D0 10: at max depth, keeps
func TestSplitRoyaltyFourLevels(t *testing.T) {
	got := credits(t, fourLevels(), "M3", 1001, lineageParams("0.5", 4, 64))
	require.Equal(t, map[string]int64{
		"pub/M3": 503, "pub/M2": 125, "pub/D3": 250, "pub/M1": 63, "pub/M0": 20, "pub/D1": 10, "pub/D1b": 20, "pub/D0": 10,
	}, got)
}

func TestSplitRoyaltyCaps(t *testing.T) {
	reg := fourLevels()
	// depth 2: M1 is the last generation and keeps its 125
	require.Equal(t, map[string]int64{"pub/M3": 501, "pub/M2": 125, "pub/D3": 250, "pub/M1": 125},
		credits(t, reg, "M3", 1001, lineageParams("0.5", 2, 64)))
	// 3 nodes: M3 + its two inputs; M2 cannot expand any more and keeps 250
	require.Equal(t, map[string]int64{"pub/M3": 501, "pub/M2": 250, "pub/D3": 250},
		credits(t, reg, "M3", 1001, lineageParams("0.5", 4, 3)))
	// share 0 (and an empty share, params stored before the field existed): all to the job model's publisher
	require.Equal(t, map[string]int64{"pub/M3": 1001}, credits(t, reg, "M3", 1001, lineageParams("0", 4, 64)))
	require.Equal(t, map[string]int64{"pub/M3": 1001}, credits(t, reg, "M3", 1001, lineageParams("", 4, 64)))
	// share 1: every node passes everything up; M3 keeps only the dust (1 at M3, 2 at M1: 500 = 3 × 166 + 2)
	require.Equal(t, map[string]int64{"pub/M3": 3, "pub/M2": 0, "pub/D3": 500, "pub/M1": 0, "pub/M0": 166, "pub/D1": 0, "pub/D1b": 166, "pub/D0": 166},
		credits(t, reg, "M3", 1001, lineageParams("1", 4, 64)))
	// the base model has no lineage
	require.Equal(t, map[string]int64{"pub/M0": 7}, credits(t, reg, "M0", 7, lineageParams("0.5", 4, 64)))
}

// A diamond (M2 merges Ma and Mb, both fine-tunes of M0) credits M0 once per path; one publisher of several
// nodes is credited once with the sum; a parent no longer registered is skipped.
func TestSplitRoyaltyDiamondAndSharedPublisher(t *testing.T) {
	reg := lineageRegistry{
		models: map[string]registrytypes.Model{
			"M2": {ContentRoot: "M2", Publisher: "alice", Parents: []registrytypes.ParentRef{{Model: "Ma"}, {Model: "Mb"}, {Model: "gone"}}},
			"Ma": {ContentRoot: "Ma", Publisher: "bob", Parents: []registrytypes.ParentRef{{Model: "M0"}}},
			"Mb": {ContentRoot: "Mb", Publisher: "alice", Parents: []registrytypes.ParentRef{{Model: "M0"}}},
			"M0": {ContentRoot: "M0", Publisher: "carol"},
		},
	}
	// 100: up 50 → Ma 25, Mb 25 (M2 keeps 50). Ma: up 12 → M0 12, keeps 13. Mb: up 12 → M0 12, keeps 13.
	// M0 (24, merged) keeps. alice = 50 + 13, bob 13, carol 24.
	cs, found, err := types.SplitRoyalty(context.Background(), reg, "M2", math.NewInt(100), lineageParams("0.5", 4, 64))
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, []types.RoyaltyCredit{
		{Publisher: "alice", Amount: math.NewInt(63)}, {Publisher: "bob", Amount: math.NewInt(13)}, {Publisher: "carol", Amount: math.NewInt(24)},
	}, cs)
	_, found, err = types.SplitRoyalty(context.Background(), reg, "unknown", math.NewInt(100), lineageParams("0.5", 4, 64))
	require.NoError(t, err)
	require.False(t, found)
}

// Exact-sum property over many royalties and shares.
func TestSplitRoyaltyAlwaysSums(t *testing.T) {
	reg := fourLevels()
	for _, share := range []string{"0", "0.1", "0.333333333333333333", "0.5", "0.77", "1"} {
		for _, r := range []int64{0, 1, 2, 3, 7, 99, 107, 1000, 123457} {
			credits(t, reg, "M3", r, lineageParams(share, 4, 64))
		}
	}
}

func TestLineageParamsValidate(t *testing.T) {
	for _, p := range []types.Params{
		lineageParams("1.1", 4, 64), lineageParams("-0.1", 4, 64), lineageParams("x", 4, 64),
		lineageParams("0.5", types.CeilingLineageMaxDepth+1, 64), lineageParams("0.5", 4, types.CeilingLineageMaxNodes+1),
	} {
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
	}
	require.NoError(t, lineageParams("0.5", 0, 0).Validate())
}

type countingRegistry struct {
	lineageRegistry
	reads int
}

func (r *countingRegistry) GetModel(ctx context.Context, root string) (registrytypes.Model, bool, error) {
	r.reads++
	return r.lineageRegistry.GetModel(ctx, root)
}

func (r *countingRegistry) GetDataset(ctx context.Context, root string) (registrytypes.Dataset, bool, error) {
	r.reads++
	return r.lineageRegistry.GetDataset(ctx, root)
}

// Settlement runs in the EndBlocker, unmetered: a model with a huge fan-out must not make it read every
// input. Over budget, a node's inputs are not even read.
func TestSplitRoyaltyReadsAreBounded(t *testing.T) {
	reg := fourLevels()
	wide := reg.models["M2"]
	for i := 0; i < 500; i++ {
		root := fmt.Sprintf("W%d", i)
		reg.models[root] = registrytypes.Model{ContentRoot: root, Publisher: "pub/" + root}
		wide.Parents = append(wide.Parents, registrytypes.ParentRef{Model: root})
	}
	reg.models["M2"] = wide
	c := &countingRegistry{lineageRegistry: reg}
	got := credits(t, c, "M3", 1001, lineageParams("0.5", 4, 64))
	require.Equal(t, map[string]int64{"pub/M3": 501, "pub/M2": 250, "pub/D3": 250}, got) // M2 keeps: 501 inputs > budget
	require.Less(t, c.reads, 10, "reads: %d", c.reads)
}
