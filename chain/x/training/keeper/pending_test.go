package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	registrykeeper "github.com/inferchain/inferchain/chain/x/registry/keeper"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
	"github.com/inferchain/inferchain/chain/x/training/types"
)

// A trained child is PENDING in x/registry from its submission until its job settles: a forged child must not be
// servable (nor a training base, nor a parent) during the audit window.

func (f *fixture) model(root string) registrytypes.Model {
	f.t.Helper()
	m, found, err := f.reg.GetModel(f.ctx, root)
	require.NoError(f.t, err)
	require.True(f.t, found)
	return m
}

func requirePending(t *testing.T, m registrytypes.Model, reason string) {
	t.Helper()
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_PENDING, m.Status, "the child is not servable before its verdict")
	require.Contains(t, m.StatusReason, reason)
}

func TestSubmit_ChildPendingUntilSettled(t *testing.T) {
	f := newFixture(t)
	p, _ := f.k.GetParams(f.ctx)
	p.AuditProbability = "1.000000000000000000" // selected, but no other executor can sit on the committee
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	res, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	f.ctx = f.ctx.WithBlockHeight(20)
	out, err := f.msg.SubmitTrainingResult(f.ctx, f.result(res.JobId))
	require.NoError(t, err)
	requirePending(t, f.model(out.ChildModel), "trained by training job 1, awaiting its audit decision")

	// insufficient committee: settled unaudited in the next block, and only then active
	f.ctx = f.ctx.WithBlockHeight(21)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	j, _, _ := f.k.GetJob(f.ctx, res.JobId)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	m := f.model(out.ChildModel)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, m.Status)
	require.Equal(t, "training job 1 settled (audit insufficient_committee)", m.StatusReason)
	require.Equal(t, int64(21), m.StatusHeight)
}

// A pending (possibly forged) child as the base of another job would carry the forgery past the verdict.
func TestRequestTraining_PendingBaseRefused(t *testing.T) {
	f := newFixture(t)
	res, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	f.ctx = f.ctx.WithBlockHeight(20)
	out, err := f.msg.SubmitTrainingResult(f.ctx, f.result(res.JobId))
	require.NoError(t, err)
	// an executor serves the child: only its status stands in the way
	f.inf.byModel[out.ChildModel] = f.inf.executors[f.valoper]

	m := f.request()
	m.BaseModel, m.ChildName = out.ChildModel, "grandchild"
	before := f.state()
	_, err = f.msg.RequestTraining(f.ctx, m)
	require.ErrorIs(t, err, types.ErrModelUnavailable)
	require.ErrorContains(t, err, "is pending its training audit (trained by training job 1")
	require.Equal(t, before, f.state(), "refused: nothing escrowed, no job, no reserved name")

	f.ctx = f.ctx.WithBlockHeight(21)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	_, err = f.msg.RequestTraining(f.ctx, m)
	require.NoError(t, err, "once settled the child is a base like any other")
}

func TestAudit_ChildPendingWhileAuditing_ActiveWhenHonest(t *testing.T) {
	a := newAuditFixture(t)
	j := a.submit()
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_AUDITING, j.Status)
	requirePending(t, a.model(j.Result.ChildModel), "audited until block 31")
	j = a.vote([]types.TrainingVerdict{match, match, match}, []bool{true, true, true})
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	m := a.model(j.Result.ChildModel)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, m.Status)
	require.Equal(t, "training job 1 settled (audit honest)", m.StatusReason)
}

func TestAudit_ChildPendingWhileAuditing_RevokedWhenForged(t *testing.T) {
	a := newAuditFixture(t)
	j := a.submit()
	requirePending(t, a.model(j.Result.ChildModel), "audited until block")
	j = a.vote([]types.TrainingVerdict{mismatch, mismatch, match}, []bool{true, true, true})
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_FRAUD, j.Status)
	m := a.model(j.Result.ChildModel)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_REVOKED, m.Status, "never active: revoked straight from pending")
	require.Contains(t, m.StatusReason, "forged checkpoint")
}

func TestAudit_InconclusiveAndNotSelected_Activate(t *testing.T) {
	a := newAuditFixture(t)
	j := a.submit()
	j = a.vote([]types.TrainingVerdict{match, mismatch, abstain}, []bool{true, true, true})
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_INCONCLUSIVE, j.Audit.Outcome)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, a.model(j.Result.ChildModel).Status)

	b := newAuditFixture(t)
	p, _ := b.k.GetParams(b.ctx)
	p.AuditProbability = "0.000000000000000000"
	require.NoError(t, b.k.Params.Set(b.ctx, p))
	j = b.submit()
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_NOT_SELECTED, j.Audit.Outcome)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, b.model(j.Result.ChildModel).Status)
}

// The requester publishes the child: it cannot serve it before the verdict by setting its status itself.
func TestAudit_RequesterCannotActivatePendingChild(t *testing.T) {
	a := newAuditFixture(t)
	j := a.submit()
	_, err := registrykeeper.NewMsgServerImpl(a.reg).UpdateModelStatus(a.ctx, &registrytypes.MsgUpdateModelStatus{
		Publisher: a.alice, ContentRoot: j.Result.ChildModel, Status: registrytypes.ModelStatus_MODEL_STATUS_ACTIVE,
	})
	require.ErrorIs(t, err, registrytypes.ErrInvalidStatus)
	requirePending(t, a.model(j.Result.ChildModel), "audited until block")
}
