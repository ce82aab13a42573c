package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// possessionModel registers a model with real files (the chain checks proofs against their roots) and returns
// its content root and its files' bytes by path.
func (f *fixture) possessionModel(tag string) (string, map[string][]byte) {
	f.t.Helper()
	data := map[string][]byte{
		"model.onnx":  bytes.Repeat([]byte(tag+"/weights "), 1500), // several leaves, the last one short
		"config.json": []byte(`{"tag":"` + tag + `"}`),             // one short leaf
	}
	var files []digest.File
	for p, b := range data {
		files = append(files, digest.File{Path: p, Size: uint64(len(b)), Root: digest.FileRootBytes(b)})
	}
	files = digest.SortFiles(files)
	root, err := digest.ArtifactRoot(files)
	require.NoError(f.t, err)
	m := registrytypes.Model{ContentRoot: root.Hex(), Name: tag, Version: "1.0", Publisher: f.acc(f.publisher), Status: registrytypes.ModelStatus_MODEL_STATUS_ACTIVE}
	for _, fl := range files {
		m.Files = append(m.Files, registrytypes.ArtifactFile{Path: fl.Path, Size_: fl.Size, Root: fl.Root.Hex()})
		m.TotalBytes += fl.Size
	}
	f.registry.models[m.ContentRoot] = m
	return m.ContentRoot, data
}

// possessionParams: an epoch every 20 blocks, 2 leaves, 5 blocks to answer.
func (f *fixture) possessionParams() types.Params {
	f.t.Helper()
	p, err := f.k.GetParams(f.ctx)
	require.NoError(f.t, err)
	p.PossessionEpochBlocks, p.PossessionLeaves, p.PossessionWindowBlocks = 20, 2, 5
	require.NoError(f.t, f.k.Params.Set(f.ctx, p))
	return p
}

func (f *fixture) challenge(val, model string) (types.PossessionChallenge, bool) {
	f.t.Helper()
	c, err := f.k.PossessionChallenges.Get(f.ctx, collections.Join(val, model))
	if err != nil {
		return types.PossessionChallenge{}, false
	}
	return c, true
}

// honestProofs answers a challenge from the files' bytes, as a sidecar holding them would.
func honestProofs(t *testing.T, c types.PossessionChallenge, files map[string][]byte) []types.LeafProof {
	t.Helper()
	var out []types.LeafProof
	for _, l := range c.Leaves {
		b := files[l.Path]
		leaves, _, err := digest.FileLeafHashes(bytes.NewReader(b))
		require.NoError(t, err)
		path, err := digest.InclusionProof(leaves, l.LeafIndex)
		require.NoError(t, err)
		lo := l.LeafIndex * digest.LeafSize
		hi := min(lo+digest.LeafSize, uint64(len(b)))
		p := types.LeafProof{Path: l.Path, LeafIndex: l.LeafIndex, Data: append([]byte{}, b[lo:hi]...)}
		for _, h := range path {
			p.AuditPath = append(p.AuditPath, append([]byte{}, h[:]...))
		}
		out = append(out, p)
	}
	return out
}

func (f *fixture) executorModels(val string) []string {
	f.t.Helper()
	bz, err := f.vc.StringToBytes(val)
	require.NoError(f.t, err)
	e, found, err := f.k.GetExecutor(f.ctx, bz)
	require.NoError(f.t, err)
	require.True(f.t, found)
	return e.Models
}

func TestPossessionHonestProofAccepted(t *testing.T) {
	f := newFixture(t)
	f.possessionParams()
	model, files := f.possessionModel("pop")
	val := f.executor("val1", 1000, model)
	f.runUntil(20)
	_, open := f.challenge(val, model)
	require.False(t, open, "no challenge before the epoch boundary")
	f.endBlock() // height 20: epoch 1 starts
	c, open := f.challenge(val, model)
	require.True(t, open)
	require.Equal(t, uint64(1), c.Epoch)
	require.Equal(t, int64(25), c.DeadlineHeight)
	require.Len(t, c.Leaves, 2)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventPossessionChallenge"), 1)

	_, err := f.msg.ProvePossession(f.ctx, &types.MsgProvePossession{Sidecar: f.acc(sidecarOf("val1")), Model: model, Epoch: 1, Proofs: honestProofs(t, c, files)})
	require.NoError(t, err)
	_, open = f.challenge(val, model)
	require.False(t, open, "answered challenge closed")
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventPossessionProved"), 1)
	// a second answer to the same challenge is refused (nothing open)
	f.requireRefused(func() error {
		_, err := f.msg.ProvePossession(f.ctx, &types.MsgProvePossession{Sidecar: f.acc(sidecarOf("val1")), Model: model, Epoch: 1, Proofs: honestProofs(t, c, files)})
		return err
	}, "no open possession challenge")
	f.runUntil(30)
	require.Equal(t, []string{model}, f.executorModels(val), "an honest executor keeps its model")
	require.Empty(t, f.typedEvents("inferchain.inference.v1.EventPossessionFailed"))

	// the query lists open challenges: none now, one after the next boundary
	res, err := f.q.PossessionChallenges(f.ctx, &types.QueryPossessionChallengesRequest{Validator: val})
	require.NoError(t, err)
	require.Empty(t, res.Challenges)
	f.runUntil(41)
	res, err = f.q.PossessionChallenges(f.ctx, &types.QueryPossessionChallengesRequest{Validator: val})
	require.NoError(t, err)
	require.Len(t, res.Challenges, 1)
	require.Equal(t, uint64(2), res.Challenges[0].Epoch)
	require.NotEqual(t, c.Leaves, res.Challenges[0].Leaves, "each epoch draws fresh leaves")
}

func TestPossessionBadAnswersRefused(t *testing.T) {
	f := newFixture(t)
	f.possessionParams()
	model, files := f.possessionModel("pop")
	other, otherFiles := f.possessionModel("other")
	val := f.executor("val1", 1000, model, other)
	f.executor("val2", 1000, model)
	f.runUntil(21)
	c, open := f.challenge(val, model)
	require.True(t, open)
	oc, _ := f.challenge(val, other)
	sidecar := f.acc(sidecarOf("val1"))
	good := func() *types.MsgProvePossession {
		return &types.MsgProvePossession{Sidecar: sidecar, Model: model, Epoch: 1, Proofs: honestProofs(t, c, files)}
	}
	cases := []struct {
		name   string
		mutate func(m *types.MsgProvePossession)
		want   string
	}{
		{"flipped leaf byte", func(m *types.MsgProvePossession) { m.Proofs[0].Data[0] ^= 1 }, "does not lead from the leaf to the root"},
		{"truncated leaf", func(m *types.MsgProvePossession) { m.Proofs[1].Data = m.Proofs[1].Data[:len(m.Proofs[1].Data)-1] }, "does not lead"},
		{"oversized leaf", func(m *types.MsgProvePossession) { m.Proofs[0].Data = make([]byte, digest.LeafSize+1) }, "at most 4096"},
		{"wrong audit path", func(m *types.MsgProvePossession) {
			if len(m.Proofs[0].AuditPath) == 0 {
				m.Proofs[0].AuditPath = [][]byte{make([]byte, 32)}
			} else {
				m.Proofs[0].AuditPath[0][0] ^= 1
			}
		}, "does not lead"},
		{"short hash in path", func(m *types.MsgProvePossession) { m.Proofs[0].AuditPath = [][]byte{{1, 2, 3}} }, "a hash has 32"},
		{"other leaf index", func(m *types.MsgProvePossession) { m.Proofs[0].LeafIndex++ }, "the challenge asks for"},
		{"other file", func(m *types.MsgProvePossession) { m.Proofs[0].Path = "nope.bin" }, "the challenge asks for"},
		{"too few proofs", func(m *types.MsgProvePossession) { m.Proofs = m.Proofs[:1] }, "has 1 entries, the challenge asks for 2"},
		{"another epoch", func(m *types.MsgProvePossession) { m.Epoch = 0 }, "the open challenge is for epoch 1"},
		{"proofs of another model", func(m *types.MsgProvePossession) { m.Proofs = honestProofs(t, oc, otherFiles) }, "proofs[0]"},
		{"unchallenged model", func(m *types.MsgProvePossession) { m.Model = f.model }, "no open possession challenge"},
		{"not a bound sidecar", func(m *types.MsgProvePossession) { m.Sidecar = f.acc(f.alice) }, "not the bound sidecar"},
		{"another executor's sidecar", func(m *types.MsgProvePossession) { m.Sidecar = f.acc(sidecarOf("val2")) }, "the challenge asks for"}, // checked against val2's own challenge,
		{"bad address", func(m *types.MsgProvePossession) { m.Sidecar = "infer1nope" }, "sidecar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.mutate(m)
			f.requireRefused(func() error { _, err := f.msg.ProvePossession(f.ctx, m); return err }, tc.want)
		})
	}
	// val2's own challenge cannot be answered with val1's sidecar, and vice versa: covered above; the honest
	// answer still works after all the refusals
	late := f.ctx
	f.ctx = f.ctx.WithBlockHeight(c.DeadlineHeight + 1)
	f.requireRefused(func() error { _, err := f.msg.ProvePossession(f.ctx, good()); return err }, "closed at height 25")
	f.ctx = late
	_, err := f.msg.ProvePossession(f.ctx, good())
	require.NoError(t, err)
}

func TestPossessionSilentExecutorDropped(t *testing.T) {
	f := newFixture(t)
	f.possessionParams()
	kept, files := f.possessionModel("kept")
	lost, _ := f.possessionModel("lost")
	val := f.executor("val1", 1000, kept, lost)
	f.runUntil(21)
	c, _ := f.challenge(val, kept)
	_, err := f.msg.ProvePossession(f.ctx, &types.MsgProvePossession{Sidecar: f.acc(sidecarOf("val1")), Model: kept, Epoch: 1, Proofs: honestProofs(t, c, files)})
	require.NoError(t, err)
	f.runUntil(25) // deadline height: still answerable in this block
	require.ElementsMatch(t, []string{kept, lost}, f.executorModels(val))
	f.endBlock() // EndBlocker at 25 closes the window
	require.Equal(t, []string{kept}, f.executorModels(val), "the unproven model is dropped")
	has, err := f.k.ExecutorsByModel.Has(f.ctx, collections.Join(lost, mustVal(f, val)))
	require.NoError(t, err)
	require.False(t, has, "the executor leaves the model's executor set")
	ev := f.typedEvents("inferchain.inference.v1.EventPossessionFailed")
	require.Len(t, ev, 1)
	require.Contains(t, attr(ev[0], "outcome"), types.PossessionOutcomeModelDropped)
	_, open := f.challenge(val, lost)
	require.False(t, open)
	n, err := f.k.PossessionQueue.Iterate(f.ctx, nil)
	require.NoError(t, err)
	keys, err := n.Keys()
	require.NoError(t, err)
	require.Empty(t, keys, "no queue entry left behind")
	// not slashed, not jailed: removal from assignment only
	require.Empty(t, f.staking.slashes)
	require.Empty(t, f.slashing.jailedUntil)
}

func TestPossessionOnlyModelUnprovenDeactivates(t *testing.T) {
	f := newFixture(t)
	f.possessionParams()
	model, _ := f.possessionModel("only")
	val := f.executor("val1", 1000, model)
	f.runUntil(26)
	e, _, err := f.k.GetExecutor(f.ctx, mustVal(f, val))
	require.NoError(t, err)
	require.False(t, e.Active, "an executor whose only model is unproven serves nothing")
	require.Equal(t, []string{model}, e.Models, "a model list is never empty")
	require.Equal(t, int64(25), e.DeactivatedHeight)
	ev := f.typedEvents("inferchain.inference.v1.EventPossessionFailed")
	require.Len(t, ev, 1)
	require.Contains(t, attr(ev[0], "outcome"), types.PossessionOutcomeExecutorDeactivated)
	// an inactive executor is not challenged again
	f.runUntil(41)
	_, open := f.challenge(val, model)
	require.False(t, open)
}

func TestPossessionDisabledAndBounded(t *testing.T) {
	f := newFixture(t)
	p := f.possessionParams()
	model, _ := f.possessionModel("pop")
	val := f.executor("val1", 1000, model, f.model) // f.model has no files: nothing to prove
	f.runUntil(21)
	_, open := f.challenge(val, model)
	require.True(t, open)
	_, open = f.challenge(val, f.model)
	require.False(t, open)
	// between boundaries nothing is issued
	before := len(f.typedEvents("inferchain.inference.v1.EventPossessionChallenge"))
	f.runUntil(40)
	require.Equal(t, before, len(f.typedEvents("inferchain.inference.v1.EventPossessionChallenge")))
	// epoch 0 disables challenges
	p.PossessionEpochBlocks = 0
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	f.runUntil(61)
	require.Equal(t, before, len(f.typedEvents("inferchain.inference.v1.EventPossessionChallenge")))
}

func TestChallengeLeavesDraw(t *testing.T) {
	files := []registrytypes.ArtifactFile{{Path: "a", Size_: 10 * digest.LeafSize}, {Path: "b", Size_: 90 * digest.LeafSize}}
	e1 := sha256.Sum256([]byte("e1"))
	e2 := sha256.Sum256([]byte("e2"))
	a := types.ChallengeLeaves(e1[:], "v", "m", 1, files, 4)
	require.Equal(t, a, types.ChallengeLeaves(e1[:], "v", "m", 1, files, 4), "pure")
	require.NotEqual(t, a, types.ChallengeLeaves(e2[:], "v", "m", 1, files, 4), "depends on the entropy")
	require.NotEqual(t, a, types.ChallengeLeaves(e1[:], "w", "m", 1, files, 4), "depends on the validator")
	require.NotEqual(t, a, types.ChallengeLeaves(e1[:], "v", "m", 2, files, 4), "depends on the epoch")
	// proportional to size: over many draws, b (90% of the leaves) gets about 90%
	inB := 0
	for ep := uint64(0); ep < 500; ep++ {
		for _, l := range types.ChallengeLeaves(e1[:], "v", "m", ep, files, 2) {
			if l.Path == "b" {
				inB++
				require.Less(t, l.LeafIndex, uint64(90))
			} else {
				require.Less(t, l.LeafIndex, uint64(10))
			}
		}
	}
	require.InDelta(t, 900, inB, 60)
}

func TestPossessionParamsValidation(t *testing.T) {
	p := types.DefaultParams()
	require.NoError(t, p.Validate())
	for name, mut := range map[string]func(*types.Params){
		"window beyond epoch": func(p *types.Params) { p.PossessionWindowBlocks = p.PossessionEpochBlocks + 1 },
		"zero window":         func(p *types.Params) { p.PossessionWindowBlocks = 0 },
		"zero leaves":         func(p *types.Params) { p.PossessionLeaves = 0 },
		"too many leaves":     func(p *types.Params) { p.PossessionLeaves = types.CeilingPossessionLeaves + 1 },
		"huge epoch":          func(p *types.Params) { p.PossessionEpochBlocks = types.CeilingPossessionEpochBlocks + 1 },
	} {
		q := p
		mut(&q)
		require.ErrorIs(t, q.Validate(), types.ErrInvalidParams, name)
	}
	q := p
	q.PossessionEpochBlocks, q.PossessionLeaves, q.PossessionWindowBlocks = 0, 0, 0
	require.NoError(t, q.Validate(), "0 disables challenges")
}
