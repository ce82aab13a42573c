package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// pendingChild is a trained child held PENDING by x/training until its audit settles, served by executor val1
// (its trainer): only its status stands between a request and a job.
func (f *fixture) pendingChild() (child, valStr string) {
	f.t.Helper()
	child = f.addModel("child", registrytypes.ModelStatus_MODEL_STATUS_PENDING)
	m := f.registry.models[child]
	m.StatusReason, m.StatusHeight = "trained by training job 3, audited until block 45", 12
	f.registry.models[child] = m
	valStr = f.executor("val1", 100)
	val, err := sdk.ValAddressFromBech32(valStr)
	require.NoError(f.t, err)
	require.NoError(f.t, f.k.AddExecutorModel(f.ctx, val, child))
	return child, valStr
}

// A forged child must earn no inference fee (nor royalty) before its verdict: no job, no escrow, no event.
func TestRequestInference_PendingChildRefused(t *testing.T) {
	f := newFixture(t)
	child, _ := f.pendingChild()
	m := f.request()
	m.Model = child
	f.requireRefused(func() error { _, err := f.msg.RequestInference(f.ctx, m); return err },
		"model: model "+child+" (child@1.0) is pending its training audit (trained by training job 3, audited until block 45, since block 12)")

	// settled: the same request goes through
	reg := f.registry.models[child]
	reg.Status = registrytypes.ModelStatus_MODEL_STATUS_ACTIVE
	f.registry.models[child] = reg
	res := f.requestOK(m)
	require.Equal(t, child, f.job(res.JobId).Model)
}

// The trainer lists its pending child (x/training adds it at submission): it must stay able to update and
// reactivate its executor during the audit window, and another executor may declare the child too; neither
// makes the child servable.
func TestExecutorMayListPendingChild(t *testing.T) {
	f := newFixture(t)
	child, _ := f.pendingChild()
	op := f.acc(addrOf("val1"))
	_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: op})
	require.NoError(t, err)
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
	_, err = f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: op, Endpoint: "http://val1:9090", Active: true})
	require.NoError(t, err, "reactivation with a pending child listed")
	f.executor("val2", 100, f.model, child)

	m := f.request()
	m.Model = child
	_, err = f.msg.RequestInference(f.ctx, m)
	require.ErrorIs(t, err, types.ErrModelUnavailable)
	require.ErrorContains(t, err, "is pending its training audit")

	// a revoked model is still refused in a list (the verdict of a forged child)
	reg := f.registry.models[child]
	reg.Status = registrytypes.ModelStatus_MODEL_STATUS_REVOKED
	f.registry.models[child] = reg
	f.addValidator("val3", 100)
	_, err = f.msg.RegisterExecutor(f.ctx, &types.MsgRegisterExecutor{Operator: f.acc(addrOf("val3")), Sidecar: f.acc(sidecarOf("val3")), Models: []string{child}})
	require.ErrorContains(t, err, "is revoked")
}
