package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

// pendingChild registers a model and holds it pending in the same block, as x/training does with a child.
func (f *fixture) pendingChild(tag string) string {
	f.t.Helper()
	root := f.registerModel(f.modelMsg(tag, tag, "1"))
	require.NoError(f.t, f.k.HoldModelPending(f.ctx, root, "training job 7: awaiting its training audit"))
	return root
}

func (f *fixture) status(root string) types.Model {
	f.t.Helper()
	m, found, err := f.k.GetModel(f.ctx, root)
	require.NoError(f.t, err)
	require.True(f.t, found)
	return m
}

func TestHoldModelPending(t *testing.T) {
	f := newFixture(t)
	child := f.pendingChild("child")
	m := f.status(child)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_PENDING, m.Status)
	require.Equal(t, "training job 7: awaiting its training audit", m.StatusReason)
	active, err := f.k.IsModelActive(f.ctx, child)
	require.NoError(t, err)
	require.False(t, active, "a pending child is not active")

	// held again (the audit was decided): the reason is updated, the status stays
	require.NoError(t, f.k.HoldModelPending(f.ctx, child, "training job 7: audited until block 40"))
	require.Equal(t, "training job 7: audited until block 40", f.status(child).StatusReason)

	// registry queries keep listing it, with its status: auditors must see it
	res, err := f.q.Model(f.ctx, &types.QueryModelRequest{ContentRoot: child})
	require.NoError(t, err)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_PENDING, res.Model.Status)

	// a model served before (registered in an earlier block), deprecated or revoked is never taken back to pending
	old := f.registerModel(f.modelMsg("old", "old", "1"))
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
	require.ErrorIs(t, f.k.HoldModelPending(f.ctx, old, "x"), types.ErrInvalidStatus)
	require.NoError(t, f.k.RevokeModel(f.ctx, child, "forged"))
	require.ErrorIs(t, f.k.HoldModelPending(f.ctx, child, "x"), types.ErrInvalidStatus)
}

func TestActivateModelNeverResurrects(t *testing.T) {
	f := newFixture(t)
	child := f.pendingChild("child")
	require.NoError(t, f.k.ActivateModel(f.ctx, child, "training job 7 settled"))
	require.Equal(t, types.ModelStatus_MODEL_STATUS_ACTIVE, f.status(child).Status)

	forged := f.pendingChild("forged")
	require.NoError(t, f.k.RevokeModel(f.ctx, forged, "forged checkpoint"))
	require.NoError(t, f.k.ActivateModel(f.ctx, forged, "settled"))
	require.Equal(t, types.ModelStatus_MODEL_STATUS_REVOKED, f.status(forged).Status, "a revoked child stays revoked")

	dep := f.registerModel(f.modelMsg("dep", "dep", "1"))
	_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: dep, Status: types.ModelStatus_MODEL_STATUS_DEPRECATED})
	require.NoError(t, err)
	require.NoError(t, f.k.ActivateModel(f.ctx, dep, "settled"))
	require.Equal(t, types.ModelStatus_MODEL_STATUS_DEPRECATED, f.status(dep).Status, "only a pending model is activated")
}

// The publisher (the training requester) cannot move its pending child: not to active (serving it before the
// verdict), not to deprecated (to un-deprecate it later), not to revoked (a final status x/training decides).
func TestPublisherCannotMovePendingChild(t *testing.T) {
	f := newFixture(t)
	child := f.pendingChild("child")
	for _, to := range []types.ModelStatus{types.ModelStatus_MODEL_STATUS_ACTIVE, types.ModelStatus_MODEL_STATUS_DEPRECATED, types.ModelStatus_MODEL_STATUS_REVOKED} {
		f.requireRefused(func() error {
			_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: child, Status: to})
			return err
		}, "pending its training audit")
	}
	// nor can anyone set pending by message (a served model taken off the market as if under audit)
	old := f.registerModel(f.modelMsg("old", "old", "1"))
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_PENDING})
		return err
	}, "pending is set by x/training")
	require.Equal(t, types.ModelStatus_MODEL_STATUS_PENDING, f.status(child).Status)
}

// A derivative of a pending child would pay its publisher lineage royalties before the verdict: refused.
func TestNoDerivativeOfPendingChild(t *testing.T) {
	f := newFixture(t)
	child := f.pendingChild("child")
	q := f.modelMsg("quant", "child-q4", "1")
	q.Publisher = f.bob
	q.Parents = []types.ParentRef{{Model: child, Relation: types.ParentRelation_PARENT_RELATION_QUANTIZED}}
	f.requireRefused(func() error {
		_, err := f.msg.RegisterModel(f.ctx, q)
		return err
	}, "parents[0].model", "pending its training audit")

	require.NoError(t, f.k.ActivateModel(f.ctx, child, "settled"))
	f.registerModel(q)
}

func TestGenesisKeepsPending(t *testing.T) {
	f := newFixture(t)
	child := f.pendingChild("child")
	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())

	g := newFixture(t)
	g.ctx = g.ctx.WithBlockHeight(f.ctx.BlockHeight() + 5)
	require.NoError(t, g.k.InitGenesis(g.ctx, exported))
	m := g.status(child)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_PENDING, m.Status)
	require.Equal(t, "training job 7: awaiting its training audit", m.StatusReason)
	// still held after import: the publisher cannot move it, x/training can still activate it
	_, err = g.msg.UpdateModelStatus(g.ctx, &types.MsgUpdateModelStatus{Publisher: g.alice, ContentRoot: child, Status: types.ModelStatus_MODEL_STATUS_ACTIVE})
	require.ErrorIs(t, err, types.ErrInvalidStatus)
	require.NoError(t, g.k.ActivateModel(g.ctx, child, "settled"))
	require.Equal(t, types.ModelStatus_MODEL_STATUS_ACTIVE, g.status(child).Status)
}
