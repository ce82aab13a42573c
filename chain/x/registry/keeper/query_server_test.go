package keeper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

func requireCode(t *testing.T, err error, code codes.Code, contains string) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status error: %v", err)
	require.Equal(t, code, st.Code(), err.Error())
	require.Contains(t, st.Message(), contains)
}

func TestQueryModelAndDataset(t *testing.T) {
	f := newFixture(t)
	ds := f.registerDataset(f.datasetMsg("pile", "pile", "1"))
	m := f.registerModel(f.modelMsg("base", "tiny", "1.0"))

	res, err := f.q.Model(f.ctx, &types.QueryModelRequest{ContentRoot: m})
	require.NoError(t, err)
	require.Equal(t, "tiny", res.Model.Name)
	byName, err := f.q.ModelByName(f.ctx, &types.QueryModelByNameRequest{Name: "tiny", Version: "1.0"})
	require.NoError(t, err)
	require.Equal(t, m, byName.Model.ContentRoot)
	dres, err := f.q.Dataset(f.ctx, &types.QueryDatasetRequest{ContentRoot: ds})
	require.NoError(t, err)
	require.Equal(t, "pile", dres.Dataset.Name)
	dByName, err := f.q.DatasetByName(f.ctx, &types.QueryDatasetByNameRequest{Name: "pile", Version: "1"})
	require.NoError(t, err)
	require.Equal(t, ds, dByName.Dataset.ContentRoot)
	pres, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams(), pres.Params)

	missing := strings.Repeat("9", 64)
	_, err = f.q.Model(f.ctx, &types.QueryModelRequest{ContentRoot: missing})
	requireCode(t, err, codes.NotFound, "model "+missing+" not found")
	_, err = f.q.Model(f.ctx, &types.QueryModelRequest{ContentRoot: ds}) // a dataset is not a model
	requireCode(t, err, codes.NotFound, "not found")
	_, err = f.q.Model(f.ctx, &types.QueryModelRequest{ContentRoot: "xyz"})
	requireCode(t, err, codes.InvalidArgument, "content_root: must be 64 lowercase hex")
	_, err = f.q.Model(f.ctx, nil)
	requireCode(t, err, codes.InvalidArgument, "empty request")
	_, err = f.q.ModelByName(f.ctx, &types.QueryModelByNameRequest{Name: "tiny", Version: "9"})
	requireCode(t, err, codes.NotFound, "model tiny@9 not found")
	_, err = f.q.ModelByName(f.ctx, &types.QueryModelByNameRequest{Name: "tiny"})
	requireCode(t, err, codes.InvalidArgument, "version: must not be empty")
	_, err = f.q.Dataset(f.ctx, &types.QueryDatasetRequest{ContentRoot: missing})
	requireCode(t, err, codes.NotFound, "dataset "+missing+" not found")
	_, err = f.q.DatasetByName(f.ctx, &types.QueryDatasetByNameRequest{Name: "pile", Version: "2"})
	requireCode(t, err, codes.NotFound, "dataset pile@2 not found")
	_, err = f.q.Attestation(f.ctx, &types.QueryAttestationRequest{Id: 7})
	requireCode(t, err, codes.NotFound, "attestation 7 not found")
	_, err = f.q.Attestation(f.ctx, &types.QueryAttestationRequest{Id: 0})
	requireCode(t, err, codes.InvalidArgument, "id")
	_, err = f.q.Attestations(f.ctx, &types.QueryAttestationsRequest{Subject: missing})
	requireCode(t, err, codes.NotFound, missing)
	_, err = f.q.Lineage(f.ctx, &types.QueryLineageRequest{ContentRoot: missing})
	requireCode(t, err, codes.NotFound, "not found")
	_, err = f.q.Descendants(f.ctx, &types.QueryDescendantsRequest{ContentRoot: "0"})
	requireCode(t, err, codes.InvalidArgument, "content_root")
}

func TestQueryPagination(t *testing.T) {
	f := newFixture(t)
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		v := string(rune('a' + i))
		want[f.registerModel(f.modelMsg("m"+v, "model", v))] = true
		f.registerDataset(f.datasetMsg("d"+v, "data", v))
	}
	got := map[string]bool{}
	var next []byte
	pages := 0
	for {
		res, err := f.q.Models(f.ctx, &types.QueryModelsRequest{Pagination: &query.PageRequest{Key: next, Limit: 2, CountTotal: next == nil}})
		require.NoError(t, err)
		if next == nil {
			require.Equal(t, uint64(5), res.Pagination.Total)
		}
		for _, m := range res.Models {
			require.False(t, got[m.ContentRoot], "model returned twice")
			got[m.ContentRoot] = true
		}
		pages++
		next = res.Pagination.NextKey
		if next == nil {
			break
		}
	}
	require.Equal(t, want, got)
	require.Equal(t, 3, pages)

	res, err := f.q.Models(f.ctx, &types.QueryModelsRequest{Pagination: &query.PageRequest{Offset: 4, Limit: 10}})
	require.NoError(t, err)
	require.Len(t, res.Models, 1)
	dres, err := f.q.Datasets(f.ctx, &types.QueryDatasetsRequest{Pagination: &query.PageRequest{Limit: 3, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, dres.Datasets, 3)
	require.Equal(t, uint64(5), dres.Pagination.Total)
	all, err := f.q.Datasets(f.ctx, &types.QueryDatasetsRequest{})
	require.NoError(t, err)
	require.Len(t, all.Datasets, 5)
}

// lineageGraph builds
//
//	raw <- clean (source)            base --finetune--> [clean as pretrain]
//	chat: parents base (finetune), datasets sft (finetune); sft sources clean
//	quant: parents chat (quantized)
//	merged: parents chat (merge), other (merge)
func lineageGraph(f *fixture) (raw, clean, sft, base, other, chat, quant, merged string) {
	raw = f.registerDataset(f.datasetMsg("raw", "raw", "1"))
	clean = f.registerDataset(f.datasetMsg("clean", "clean", "1", raw))
	sft = f.registerDataset(f.datasetMsg("sft", "sft", "1", clean))
	bm := f.modelMsg("base", "base", "1")
	bm.Datasets = []types.DatasetRef{{Dataset: clean, Role: types.DatasetRole_DATASET_ROLE_PRETRAIN}}
	base = f.registerModel(bm)
	other = f.registerModel(f.modelMsg("other", "other", "1"))
	cm := f.modelMsg("chat", "chat", "1")
	cm.Parents = []types.ParentRef{{Model: base, Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}}
	cm.Datasets = []types.DatasetRef{{Dataset: sft, Role: types.DatasetRole_DATASET_ROLE_FINETUNE}}
	chat = f.registerModel(cm)
	qm := f.modelMsg("quant", "chat-q4", "1")
	qm.Parents = []types.ParentRef{{Model: chat, Relation: types.ParentRelation_PARENT_RELATION_QUANTIZED}}
	quant = f.registerModel(qm)
	mm := f.modelMsg("merged", "merged", "1")
	mm.Parents = []types.ParentRef{
		{Model: chat, Relation: types.ParentRelation_PARENT_RELATION_MERGE},
		{Model: other, Relation: types.ParentRelation_PARENT_RELATION_MERGE},
	}
	merged = f.registerModel(mm)
	return
}

func roots[T interface{ GetContentRoot() string }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.GetContentRoot()
	}
	return out
}

func ptrs[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

func TestQueryLineage(t *testing.T) {
	f := newFixture(t)
	raw, clean, sft, base, other, chat, quant, merged := lineageGraph(f)

	res, err := f.q.Lineage(f.ctx, &types.QueryLineageRequest{ContentRoot: merged})
	require.NoError(t, err)
	require.False(t, res.Truncated)
	require.Equal(t, merged, res.Model.ContentRoot)
	// breadth-first: merged's parents, then chat's parent
	require.Equal(t, []string{chat, other, base}, roots(ptrs(res.Ancestors)))
	// chat's dataset sft, its source clean (base uses clean too: listed once), then raw
	require.ElementsMatch(t, []string{sft, clean, raw}, roots(ptrs(res.Datasets)))
	require.Len(t, res.Datasets, 3)
	edge := func(from, to string, kind types.LineageEdgeKind) types.LineageEdge {
		for _, e := range res.Edges {
			if e.From == from && e.To == to && e.Kind == kind {
				return e
			}
		}
		t.Fatalf("missing edge %s -> %s (%s)", from[:6], to[:6], kind)
		return types.LineageEdge{}
	}
	require.Equal(t, types.ParentRelation_PARENT_RELATION_MERGE, edge(merged, chat, types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT).Relation)
	edge(merged, other, types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT)
	require.Equal(t, types.ParentRelation_PARENT_RELATION_FINETUNE, edge(chat, base, types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT).Relation)
	require.Equal(t, types.DatasetRole_DATASET_ROLE_FINETUNE, edge(chat, sft, types.LineageEdgeKind_LINEAGE_EDGE_KIND_DATASET).Role)
	require.Equal(t, types.DatasetRole_DATASET_ROLE_PRETRAIN, edge(base, clean, types.LineageEdgeKind_LINEAGE_EDGE_KIND_DATASET).Role)
	edge(sft, clean, types.LineageEdgeKind_LINEAGE_EDGE_KIND_SOURCE)
	edge(clean, raw, types.LineageEdgeKind_LINEAGE_EDGE_KIND_SOURCE)
	require.Len(t, res.Edges, 7)

	// a root model has no lineage; quant's is chat, base and three datasets
	res, err = f.q.Lineage(f.ctx, &types.QueryLineageRequest{ContentRoot: other})
	require.NoError(t, err)
	require.Empty(t, res.Ancestors)
	require.Empty(t, res.Edges)
	res, err = f.q.Lineage(f.ctx, &types.QueryLineageRequest{ContentRoot: quant})
	require.NoError(t, err)
	require.Equal(t, []string{chat, base}, roots(ptrs(res.Ancestors)))
	require.Len(t, res.Datasets, 3)

	// bounded by max_lineage_nodes
	p := types.DefaultParams()
	p.MaxLineageNodes = 2
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	res, err = f.q.Lineage(f.ctx, &types.QueryLineageRequest{ContentRoot: merged})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Equal(t, 2, len(res.Ancestors)+len(res.Datasets))
	for _, e := range res.Edges { // every edge ends at a returned node
		found := false
		for _, r := range append(roots(ptrs(res.Ancestors)), roots(ptrs(res.Datasets))...) {
			found = found || r == e.To
		}
		require.True(t, found)
	}
}

func TestQueryDescendants(t *testing.T) {
	f := newFixture(t)
	_, _, _, base, other, chat, quant, merged := lineageGraph(f)

	res, err := f.q.Descendants(f.ctx, &types.QueryDescendantsRequest{ContentRoot: base})
	require.NoError(t, err)
	require.False(t, res.Truncated)
	require.Equal(t, chat, res.Descendants[0].ContentRoot)
	require.ElementsMatch(t, []string{chat, quant, merged}, roots(ptrs(res.Descendants)))
	require.Len(t, res.Edges, 3)
	for _, e := range res.Edges {
		require.Equal(t, types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT, e.Kind)
		if e.From == quant {
			require.Equal(t, chat, e.To)
			require.Equal(t, types.ParentRelation_PARENT_RELATION_QUANTIZED, e.Relation)
		}
	}
	res, err = f.q.Descendants(f.ctx, &types.QueryDescendantsRequest{ContentRoot: other})
	require.NoError(t, err)
	require.Equal(t, []string{merged}, roots(ptrs(res.Descendants)))
	res, err = f.q.Descendants(f.ctx, &types.QueryDescendantsRequest{ContentRoot: quant})
	require.NoError(t, err)
	require.Empty(t, res.Descendants)

	p := types.DefaultParams()
	p.MaxLineageNodes = 1
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	res, err = f.q.Descendants(f.ctx, &types.QueryDescendantsRequest{ContentRoot: base})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Len(t, res.Descendants, 1)
}

func TestQueryAttestations(t *testing.T) {
	f := newFixture(t)
	m := f.registerModel(f.modelMsg("base", "tiny", "1.0"))
	ds := f.registerDataset(f.datasetMsg("pile", "pile", "1"))
	ids := []uint64{f.attest(f.bob, m, "eval"), f.attest(f.bob, m, "safety"), f.attest(f.alice, m, "eval"), f.attest(f.alice, ds, "license-audit")}
	_, err := f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.bob, Id: ids[1]})
	require.NoError(t, err)

	one, err := f.q.Attestation(f.ctx, &types.QueryAttestationRequest{Id: ids[3]})
	require.NoError(t, err)
	require.Equal(t, ds, one.Attestation.Subject)
	require.Equal(t, "0.9", one.Attestation.Score)

	idsOf := func(as []types.Attestation) []uint64 {
		out := make([]uint64, len(as))
		for i, a := range as {
			out[i] = a.Id
		}
		return out
	}
	res, err := f.q.Attestations(f.ctx, &types.QueryAttestationsRequest{Subject: m})
	require.NoError(t, err)
	require.Equal(t, []uint64{ids[0], ids[2]}, idsOf(res.Attestations))
	res, err = f.q.Attestations(f.ctx, &types.QueryAttestationsRequest{Subject: m, IncludeRevoked: true})
	require.NoError(t, err)
	require.Equal(t, []uint64{ids[0], ids[1], ids[2]}, idsOf(res.Attestations))
	require.True(t, res.Attestations[1].Revoked)
	res, err = f.q.Attestations(f.ctx, &types.QueryAttestationsRequest{Subject: ds})
	require.NoError(t, err)
	require.Equal(t, []uint64{ids[3]}, idsOf(res.Attestations))

	// paginated, one per page, revoked included
	var got []uint64
	var next []byte
	for {
		res, err := f.q.Attestations(f.ctx, &types.QueryAttestationsRequest{Subject: m, IncludeRevoked: true, Pagination: &query.PageRequest{Key: next, Limit: 1}})
		require.NoError(t, err)
		got = append(got, idsOf(res.Attestations)...)
		next = res.Pagination.NextKey
		if next == nil {
			break
		}
	}
	require.Equal(t, []uint64{ids[0], ids[1], ids[2]}, got)
}
