package keeper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

const tooLong = "prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64"

func (f *fixture) reject(jobID uint64, sidecar, reason string) func() error {
	return func() error {
		_, err := f.msg.RejectJob(f.ctx, &types.MsgRejectJob{Sidecar: sidecar, JobId: jobID, Reason: reason})
		return err
	}
}

func TestRejectJob(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	f.executor("val2", 100)
	aliceBefore := f.bank.balance(f.alice)
	totalBefore := f.bank.total()
	res := f.requestOK(f.request())
	id := res.JobId
	assigned := f.sidecarFor(id)
	require.Equal(t, aliceBefore.SubRaw(5000), f.bank.balance(f.alice))
	// the executor carries a streak of missed deadlines: a rejection neither adds to it nor clears it
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, res.Executor))
	e.MissedDeadlines = 1
	require.NoError(t, f.k.Executors.Set(f.ctx, mustVal(f, res.Executor), e))

	f.ctx = f.ctx.WithBlockHeight(res.DeadlineHeight) // still in time at the deadline height
	require.NoError(t, f.reject(id, assigned, tooLong)())

	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, job.Status)
	require.Equal(t, "rejected by executor "+res.Executor+": "+tooLong, job.StatusReason)
	require.Equal(t, res.DeadlineHeight, job.SettledHeight)
	require.Nil(t, job.Result)
	// the whole max_fee is back, the escrow is empty, nothing was created or burnt
	require.Equal(t, aliceBefore, f.bank.balance(f.alice))
	require.True(t, f.escrow().IsZero())
	require.Equal(t, totalBefore, f.bank.total())
	// out of the deadline index: the EndBlocker will not expire or reassign it
	has, err := f.k.DeadlineQueue.Has(f.ctx, collections.Join(res.DeadlineHeight, id))
	require.NoError(t, err)
	require.False(t, has)
	e, _, _ = f.k.GetExecutor(f.ctx, mustVal(f, res.Executor))
	require.Equal(t, uint64(1), e.MissedDeadlines)
	require.True(t, e.Active)

	rej := f.typedEvents("inferchain.inference.v1.EventJobRejected")
	require.Len(t, rej, 1)
	require.Equal(t, `"1"`, attr(rej[0], "job_id"))
	require.Equal(t, `"`+res.Executor+`"`, attr(rej[0], "executor"))
	require.Contains(t, attr(rej[0], "reason"), "prompt_too_long: prompt is 2100 tokens")
	ref := f.typedEvents("inferchain.inference.v1.EventJobRefunded")
	require.Len(t, ref, 1)
	require.Equal(t, `"5000uinfer"`, attr(ref[0], "amount"))
	require.Contains(t, attr(ref[0], "reason"), "rejected by executor "+res.Executor+": prompt_too_long")

	// the following blocks leave it alone
	f.runUntil(res.DeadlineHeight + 25)
	require.Equal(t, job, f.job(id))
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventJobAssigned"), 1)

	// a second rejection or a result is refused: the job is over
	f.requireRefused(f.reject(id, assigned, tooLong), "job_id: job 1 was refunded (rejected by executor")
	f.requireRefused(func() error { _, err := f.msg.SubmitResult(f.ctx, f.result(id, assigned, 3)); return err }, "was refunded")
}

func TestRejectJobRefusals(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	f.executor("val2", 100)
	res := f.requestOK(f.request())
	id := res.JobId
	assigned := f.sidecarFor(id)
	other := f.acc(sidecarOf("val1"))
	if other == assigned {
		other = f.acc(sidecarOf("val2"))
	}

	// not the assigned executor's sidecar (another executor's, the requester, the validator operator)
	f.requireRefused(f.reject(id, other, tooLong), "sidecar: "+other+" is not the account of the assigned executor", "of job 1")
	f.requireRefused(f.reject(id, f.acc(f.alice), tooLong), "is not the account of the assigned executor")
	f.requireRefused(f.reject(id, f.acc(mustVal(f, res.Executor)), tooLong), "is not the account of the assigned executor")
	f.requireRefused(f.reject(id, "infer1bad", tooLong), "sidecar:", "not a valid account address")
	f.requireRefused(f.reject(id, "", tooLong), "sidecar: must not be empty")
	f.requireRefused(f.reject(99, assigned, tooLong), "job_id:", "job 99 not found")

	// reason: required, bounded, a machine code first
	f.requireRefused(f.reject(id, assigned, ""), "reason: must not be empty")
	f.requireRefused(f.reject(id, assigned, "   "), "reason: must not be empty")
	f.requireRefused(f.reject(id, assigned, "prompt_too_long: "+strings.Repeat("x", 500)), "reason: is 517 bytes, the maximum is 512")
	f.requireRefused(f.reject(id, assigned, "Prompt too long"), "reason: must start with a machine code")
	f.requireRefused(f.reject(id, assigned, "prompt_too_long:no space"), "reason: must start with a machine code")
	f.requireRefused(f.reject(id, assigned, "prompt_too_long: a\nb"), "reason: must not contain control characters")
	f.requireRefused(f.reject(id, assigned, "prompt_too_long: \xff"), "reason: must be valid UTF-8")

	// after the deadline: refused (the EndBlocker reassigns it), like a result
	f.ctx = f.ctx.WithBlockHeight(res.DeadlineHeight + 1)
	f.requireRefused(f.reject(id, assigned, tooLong), "job_id: job 1: deadline passed at height 30 (now 31)")
	f.ctx = f.ctx.WithBlockHeight(res.DeadlineHeight - 1)

	// wrong status: a job with a result cannot be rejected any more
	require.NoError(t, func() error { _, err := f.msg.SubmitResult(f.ctx, f.result(id, assigned, 3)); return err }())
	f.requireRefused(f.reject(id, assigned, tooLong), "job_id: job 1 already has a result")
	f.endBlock()
	f.endBlock() // settles in the block after the submission
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, f.job(id).Status)
	f.requireRefused(f.reject(id, assigned, tooLong), "job_id: job 1 already has a result")
	require.Empty(t, f.typedEvents("inferchain.inference.v1.EventJobRejected"))
}

// A bare code is a valid reason; ValidateBasic runs the same reason checks as the msg server.
func TestRejectReasonValidation(t *testing.T) {
	for _, ok := range []string{"prompt_too_long", "unsupported_input: x", tooLong, "a1_b2: " + strings.Repeat("é", 200)} {
		require.NoError(t, types.ValidateRejectReason(ok), ok)
	}
	for _, bad := range []string{"", "1code: x", "code-x: y", ": x", strings.Repeat("a", 65), "prompt_too_long:\tx"} {
		require.Error(t, types.ValidateRejectReason(bad), bad)
	}
	m := &types.MsgRejectJob{Sidecar: "infer1xyz", JobId: 0, Reason: tooLong}
	require.ErrorContains(t, m.ValidateBasic(), "job_id: must be positive")
	m.JobId = 1
	require.NoError(t, m.ValidateBasic())
	m.Reason = ""
	require.ErrorContains(t, m.ValidateBasic(), "reason: must not be empty")
}
