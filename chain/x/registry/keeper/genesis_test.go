package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	_, _, _, base, _, chat, _, merged := lineageGraph(f)
	id := f.attest(f.bob, chat, "eval")
	f.attest(f.alice, merged, "safety")
	_, err := f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.bob, Id: id})
	require.NoError(t, err)
	_, err = f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: base,
		Status: types.ModelStatus_MODEL_STATUS_DEPRECATED, SupersededBy: chat, Reason: "superseded"})
	require.NoError(t, err)
	p := types.DefaultParams()
	p.MaxFiles = 77
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Len(t, exported.Models, 5)
	require.Len(t, exported.Datasets, 3)
	require.Len(t, exported.Attestations, 2)
	require.Equal(t, uint64(3), exported.NextAttestationId)
	require.Equal(t, p, exported.Params)

	// import into a fresh store: the raw state (indexes included) and the re-export are identical
	g := newFixture(t)
	g.ctx = g.ctx.WithBlockHeight(f.ctx.BlockHeight())
	require.NoError(t, g.k.InitGenesis(g.ctx, exported))
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	require.Equal(t, f.snapshot().kv, g.snapshot().kv, "indexes or sequence differ after import")

	// the sequence continues, the indexes answer
	require.Equal(t, uint64(3), g.attest(g.bob, chat, "eval"))
	res, err := g.q.Descendants(g.ctx, &types.QueryDescendantsRequest{ContentRoot: base})
	require.NoError(t, err)
	require.Len(t, res.Descendants, 3)
	m, found, err := g.k.ModelByName(g.ctx, "chat", "1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, chat, m.ContentRoot)

	// the default genesis round-trips too
	h := newFixture(t)
	def, err := h.k.ExportGenesis(h.ctx)
	require.NoError(t, err)
	require.Equal(t, types.DefaultGenesis().Params, def.Params)
	require.Equal(t, types.FirstAttestationID, def.NextAttestationId)
	require.Empty(t, def.Models)
}

func TestInitGenesisRefusesInvalid(t *testing.T) {
	f := newFixture(t)
	lineageGraph(f)
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	gs.Models = gs.Models[1:] // drops a model others may reference
	g := newFixture(t)
	bad := *gs
	bad.Datasets = bad.Datasets[:1]
	err = g.k.InitGenesis(g.ctx, &bad)
	require.ErrorIs(t, err, types.ErrInvalidGenesis)
}
