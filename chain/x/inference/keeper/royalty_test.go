package keeper_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// fakeDatasets are the datasets of each fake registry (kept beside the royalty tests so that the fixture in
// keeper_test.go stays as it is).
var fakeDatasets = map[*fakeRegistry]map[string]registrytypes.Dataset{}

func (r *fakeRegistry) GetDataset(_ context.Context, root string) (registrytypes.Dataset, bool, error) {
	d, ok := fakeDatasets[r][root]
	return d, ok, nil
}

// withLineage makes f.model a fine-tune of M2 on D3, M2 a fine-tune of M1, M1 distilled from M0 on D1, D1
// derived from D0, each published by its own account; it returns the publishers by name.
func (f *fixture) withLineage() map[string][]byte {
	pubs := map[string][]byte{"M3": f.publisher}
	model := func(name string, parents, datasets []string) string {
		root := f.addModel(name, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE)
		m := f.registry.models[root]
		pubs[name] = addrOf("publisher/" + name)
		m.Publisher = f.acc(pubs[name])
		for _, p := range parents {
			m.Parents = append(m.Parents, registrytypes.ParentRef{Model: p, Relation: registrytypes.ParentRelation_PARENT_RELATION_FINETUNE})
		}
		for _, d := range datasets {
			m.Datasets = append(m.Datasets, registrytypes.DatasetRef{Dataset: d})
		}
		f.registry.models[root] = m
		return root
	}
	ds := map[string]registrytypes.Dataset{}
	dataset := func(name string, sources ...string) string {
		pubs[name] = addrOf("publisher/" + name)
		root := "d" + name // not a digest; the keeper never validates lineage roots it reads
		ds[root] = registrytypes.Dataset{ContentRoot: root, Publisher: f.acc(pubs[name]), Sources: sources}
		return root
	}
	d0 := dataset("D0")
	d1 := dataset("D1", d0)
	d3 := dataset("D3")
	m0 := model("M0", nil, nil)
	m1 := model("M1", []string{m0}, []string{d1})
	m2 := model("M2", []string{m1}, nil)
	m3 := f.registry.models[f.model]
	m3.Parents = []registrytypes.ParentRef{{Model: m2}}
	m3.Datasets = []registrytypes.DatasetRef{{Dataset: d3}}
	f.registry.models[f.model] = m3
	fakeDatasets[f.registry] = ds
	return pubs
}

// A settled job on a 4-level fine-tune pays the royalty (107 of the charged 1070) up the lineage, share 0.5,
// depth 4. Hand-computed:
//
//	M3 107: up 53 → M2 26, D3 26, dust 1 → M3; keeps 54 (+1)
//	M2 26: up 13 → M1 13; keeps 13.   D3 26 keeps
//	M1 13: up 6 → M0 3, D1 3; keeps 7
//	M0 3 keeps.   D1 3: up 1 → D0 1; keeps 2
//	D0 1 (max depth) keeps
func TestSettlementPaysRoyaltiesUpTheLineage(t *testing.T) {
	f := newFixture(t)
	pubs := f.withLineage()
	f.executor("val1", 100)
	id := f.requestOK(f.request()).JobId
	f.ctx = f.ctx.WithBlockHeight(12)
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.NoError(t, err)
	before := f.bank.total()
	f.endBlock()
	f.endBlock()
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)

	want := map[string]int64{"M3": 55, "M2": 13, "D3": 26, "M1": 7, "M0": 3, "D1": 2, "D0": 1}
	sum := int64(0)
	for name, amt := range want {
		require.Equal(t, math.NewInt(amt), f.bank.balance(pubs[name]), "publisher of %s", name)
		sum += amt
	}
	require.Equal(t, int64(107), sum)
	s := job.Settlement
	require.Equal(t, coin(107), s.Publisher, "publisher is the sum of the royalties")
	require.Len(t, s.Royalties, len(want))
	require.Equal(t, f.acc(pubs["M3"]), s.Royalties[0].Recipient)
	require.Equal(t, coin(55), s.Royalties[0].Amount)
	recorded := int64(0)
	for _, r := range s.Royalties {
		recorded += r.Amount.Amount.Int64()
	}
	require.Equal(t, int64(107), recorded)
	require.Equal(t, math.NewInt(5000), s.Total())
	require.Equal(t, coin(107), s.CommunityPool)
	require.Equal(t, before, f.bank.total(), "nothing created or lost")
	require.True(t, f.escrow().IsZero())
	evs := f.typedEvents("inferchain.inference.v1.EventJobSettled")
	require.Len(t, evs, 1)
	require.Contains(t, attr(evs[0], "split"), "royalties")
}

// An ancestor publisher that cannot receive funds forfeits its part to the community pool; the split still sums.
func TestSettlementRoyaltyToBlockedAncestorGoesToCommunityPool(t *testing.T) {
	f := newFixture(t)
	pubs := f.withLineage()
	f.bank.blocked[string(pubs["D3"])] = true
	f.executor("val1", 100)
	id := f.requestOK(f.request()).JobId
	f.ctx = f.ctx.WithBlockHeight(12)
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.NoError(t, err)
	f.endBlock()
	f.endBlock()
	s := f.job(id).Settlement
	require.Equal(t, coin(107-26), s.Publisher)
	require.Equal(t, coin(107+26), s.CommunityPool)
	require.Equal(t, math.NewInt(107+26), f.bank.balance(authtypes.NewModuleAddress(distrtypes.ModuleName)))
	require.True(t, f.bank.balance(pubs["D3"]).IsZero())
	require.Equal(t, math.NewInt(5000), s.Total())
}
