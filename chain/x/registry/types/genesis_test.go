package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

func validGenesis() *types.GenesisState {
	dfs, droot := files(1)
	mfs, mroot := files(2)
	var total uint64
	for _, f := range mfs {
		total += f.Size_
	}
	return &types.GenesisState{
		Params: types.DefaultParams(),
		Datasets: []types.Dataset{{ContentRoot: droot, Name: "pile", Version: "1", Publisher: addr, Files: dfs,
			TotalBytes: dfs[0].Size_}},
		Models: []types.Model{{ContentRoot: mroot, Name: "tiny", Version: "1", Publisher: addr, Format: "onnx", Files: mfs,
			TotalBytes: total, Status: types.ModelStatus_MODEL_STATUS_ACTIVE,
			Datasets: []types.DatasetRef{{Dataset: droot, Role: types.DatasetRole_DATASET_ROLE_PRETRAIN}}}},
		Attestations: []types.Attestation{{Id: 1, Subject: mroot, SubjectKind: types.SubjectKind_SUBJECT_KIND_MODEL,
			Attester: addr, Predicate: "eval"}},
		NextAttestationId: 2,
	}
}

func TestGenesisValidate(t *testing.T) {
	require.NoError(t, types.DefaultGenesis().Validate())
	require.NoError(t, validGenesis().Validate())

	cases := []struct {
		name   string
		mutate func(g *types.GenesisState)
		want   string
	}{
		{"bad params", func(g *types.GenesisState) { g.Params.MaxFiles = 0 }, "params"},
		{"next id 0", func(g *types.GenesisState) { g.NextAttestationId = 0 }, "next_attestation_id"},
		{"id not below next", func(g *types.GenesisState) { g.NextAttestationId = 1 }, "is not below next_attestation_id"},
		{"duplicate attestation id", func(g *types.GenesisState) { g.Attestations = append(g.Attestations, g.Attestations[0]); g.NextAttestationId = 5 }, "duplicate id 1"},
		{"unknown subject", func(g *types.GenesisState) { g.Attestations[0].Subject = strings.Repeat("4", 64) }, "attestations[0].subject"},
		{"wrong subject kind", func(g *types.GenesisState) { g.Attestations[0].SubjectKind = types.SubjectKind_SUBJECT_KIND_DATASET }, "unknown dataset"},
		{"unknown dataset ref", func(g *types.GenesisState) { g.Datasets = nil }, "models[0].datasets[0].dataset"},
		{"unknown parent", func(g *types.GenesisState) {
			g.Models[0].Parents = []types.ParentRef{{Model: strings.Repeat("5", 64), Relation: 1}}
		}, "models[0].parents[0].model"},
		{"unknown source", func(g *types.GenesisState) { g.Datasets[0].Sources = []string{strings.Repeat("6", 64)} }, "datasets[0].sources[0]"},
		{"duplicate model", func(g *types.GenesisState) { g.Models = append(g.Models, g.Models[0]) }, "duplicate content_root"},
		{"duplicate name", func(g *types.GenesisState) {
			d := g.Datasets[0]
			fs, root := files(3)
			d.Files, d.ContentRoot, d.TotalBytes = fs, root, fs[0].Size_+fs[1].Size_+fs[2].Size_
			g.Datasets = append(g.Datasets, d)
		}, "duplicate name@version pile@1"},
		{"model root is a dataset root", func(g *types.GenesisState) {
			g.Models[0].Files, g.Models[0].ContentRoot, g.Models[0].TotalBytes = g.Datasets[0].Files, g.Datasets[0].ContentRoot, g.Datasets[0].TotalBytes
			g.Attestations = nil
		}, "also registered as a dataset"},
		{"total bytes", func(g *types.GenesisState) { g.Models[0].TotalBytes++ }, "total_bytes"},
		{"status unspecified", func(g *types.GenesisState) { g.Models[0].Status = 0 }, "status"},
		{"unknown superseded_by", func(g *types.GenesisState) { g.Models[0].SupersededBy = strings.Repeat("7", 64) }, "superseded_by"},
		{"content mismatch", func(g *types.GenesisState) { g.Datasets[0].Files[0].Size_++ }, "does not match the files"},
		{"revoked height without revoked", func(g *types.GenesisState) { g.Attestations[0].RevokedHeight = 3 }, "revoked_height"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := validGenesis()
			tc.mutate(g)
			err := g.Validate()
			require.ErrorIs(t, err, types.ErrInvalidGenesis)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
