package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func TestSettlementInALaterBlock(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	id := f.requestOK(f.request()).JobId
	f.ctx = f.ctx.WithBlockHeight(12)
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.NoError(t, err)

	// the EndBlocker of the submission block does not settle it
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(id).Status)
	aliceBefore := f.bank.balance(f.alice)

	// the next block does: charged = 1000 + 10*7 = 1070 of max_fee 5000, shares 0.70/0.10/0.10/0.10
	f.endBlock()
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, int64(13), job.SettledHeight)
	want := types.FeeSplit{Executor: coin(749), Publisher: coin(107), VerifierPool: coin(107), CommunityPool: coin(107), Refund: coin(3930)}
	require.Equal(t, want, *job.Settlement)
	require.Equal(t, math.NewInt(5000), job.Settlement.Total())

	require.Equal(t, math.NewInt(749), f.bank.balance(addrOf("val1")), "executor share goes to the validator operator's account")
	require.True(t, f.bank.balance(sidecarOf("val1")).IsZero(), "not to the sidecar")
	require.Equal(t, math.NewInt(107), f.bank.balance(f.publisher))
	require.Equal(t, math.NewInt(107), f.bank.balance(authtypes.NewModuleAddress(types.VerifierPoolName)))
	require.Equal(t, math.NewInt(107), f.bank.balance(authtypes.NewModuleAddress(distrtypes.ModuleName)))
	require.Equal(t, aliceBefore.AddRaw(3930), f.bank.balance(f.alice))
	require.True(t, f.escrow().IsZero())

	e, _, _ := f.k.GetExecutor(f.ctx, sdk.ValAddress(addrOf("val1")))
	require.Equal(t, uint64(1), e.CompletedJobs)
	evs := f.typedEvents("inferchain.inference.v1.EventJobSettled")
	require.Len(t, evs, 1)
	require.Equal(t, `"1"`, attr(evs[0], "job_id"))

	// settled: no more results
	_, err = f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.ErrorContains(t, err, "job 1 already has a result")
}

func TestSettlementRoundingAndRedirects(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.ExecutorShare, p.PublisherShare, p.VerifierShare, p.CommunityShare = "0.5", "0.17", "0.17", "0.16"
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	f.executor("val1", 100)
	// the publisher is a blocked (module) address: its royalty goes to the community pool
	m := f.registry.models[f.model]
	m.Publisher = f.acc(authtypes.NewModuleAddress("gov"))
	f.registry.models[f.model] = m
	f.bank.blocked[string(authtypes.NewModuleAddress("gov"))] = true

	id := f.requestOK(f.request()).JobId
	_, err = f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.NoError(t, err)
	f.endBlock()
	f.endBlock()
	// charged 1070: publisher floor(181.9)=181 -> community, verifier 181, community floor(171.2)=171,
	// executor 1070-181-181-171 = 537 (its 535 plus the rounding remainder)
	want := types.FeeSplit{Executor: coin(537), Publisher: coin(0), VerifierPool: coin(181), CommunityPool: coin(171 + 181), Refund: coin(3930)}
	require.Equal(t, want, *f.job(id).Settlement)
	require.Equal(t, math.NewInt(352), f.bank.balance(authtypes.NewModuleAddress(distrtypes.ModuleName)))
	require.True(t, f.escrow().IsZero())
}

func TestDeadlineReassignThenRefund(t *testing.T) {
	f := newFixture(t)
	for i := 1; i <= 4; i++ {
		f.executor(fmt.Sprintf("val%d", i), 100)
	}
	aliceBefore := f.bank.balance(f.alice)
	res := f.requestOK(f.request())
	id := res.JobId
	first := res.Executor

	// nothing happens before the deadline
	f.runUntil(res.DeadlineHeight)
	require.Equal(t, uint32(1), f.job(id).Attempt)

	// EndBlocker at the deadline height: no result can come any more: reassign
	f.endBlock()
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_PENDING, job.Status)
	require.Equal(t, uint32(2), job.Attempt)
	require.Equal(t, []string{first}, job.Tried)
	require.NotEqual(t, first, job.Executor)
	require.Equal(t, res.DeadlineHeight, job.AssignedHeight)
	require.Equal(t, res.DeadlineHeight+20, job.DeadlineHeight)
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, first))
	require.Equal(t, uint64(1), e.MissedDeadlines)
	require.True(t, e.Active)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventJobAssigned"), 2)

	// the old executor can no longer answer; the new one could
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, e.Sidecar, 3))
	require.ErrorContains(t, err, "is not the account of the assigned executor")

	// attempt 2 and 3 expire too: refund everything after max_attempts = 3
	f.runUntil(job.DeadlineHeight + 1)
	job = f.job(id)
	require.Equal(t, uint32(3), job.Attempt)
	require.Len(t, job.Tried, 2)
	f.runUntil(job.DeadlineHeight + 1)
	job = f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, job.Status)
	require.Equal(t, "no executor answered after 3 attempts", job.StatusReason)
	require.Len(t, job.Tried, 3)
	require.Len(t, map[string]bool{job.Tried[0]: true, job.Tried[1]: true, job.Tried[2]: true}, 3, "never the same executor twice")
	require.Equal(t, aliceBefore, f.bank.balance(f.alice))
	require.True(t, f.escrow().IsZero())
	evs := f.typedEvents("inferchain.inference.v1.EventJobRefunded")
	require.Len(t, evs, 1)
	require.Equal(t, `"5000uinfer"`, attr(evs[0], "amount"))

	// a refunded job takes no result
	_, err = f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 3))
	require.ErrorContains(t, err, "was refunded")
}

func TestDeadlineRefundWhenNoOtherExecutor(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	res := f.requestOK(f.request())
	f.runUntil(res.DeadlineHeight + 1)
	job := f.job(res.JobId)
	require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, job.Status)
	require.Contains(t, job.StatusReason, "no other executor serves model")
	require.True(t, f.escrow().IsZero())
}

func TestMissedDeadlinesDeactivate(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	for i := 0; i < 3; i++ {
		res := f.requestOK(f.request())
		f.runUntil(res.DeadlineHeight + 1)
	}
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, valStr))
	require.Equal(t, uint64(3), e.MissedDeadlines)
	require.False(t, e.Active)
	evs := f.typedEvents("inferchain.inference.v1.EventExecutorUpdated")
	require.Len(t, evs, 1)
	require.Contains(t, attr(evs[0], "reason"), "missed 3 consecutive deadlines")
	// no executor left for new requests
	_, err := f.msg.RequestInference(f.ctx, f.request())
	require.ErrorContains(t, err, "no executor serves model")
	// reactivation resets the count
	_, err = f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(addrOf("val1")), Active: true})
	require.NoError(t, err)
	e, _, _ = f.k.GetExecutor(f.ctx, mustVal(f, valStr))
	require.Equal(t, uint64(0), e.MissedDeadlines)
	require.True(t, e.Active)
}

func TestAnsweredJobResetsMissedDeadlines(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	res := f.requestOK(f.request())
	f.runUntil(res.DeadlineHeight + 1)
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, valStr))
	require.Equal(t, uint64(1), e.MissedDeadlines)
	id := f.requestOK(f.request()).JobId
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 1))
	require.NoError(t, err)
	e, _, _ = f.k.GetExecutor(f.ctx, mustVal(f, valStr))
	require.Equal(t, uint64(0), e.MissedDeadlines)
}

// TestNothingIsLost runs many jobs through random outcomes (answered by the first, second or third executor,
// or never; rejected; audited with honest or fraudulent verdicts, members that never commit or never reveal)
// and checks that every job ends SETTLED or REFUNDED, the escrow ends empty, every split sums to max_fee, the
// total supply is unchanged (verifier rewards come out of the pool) and every queue is empty.
func TestNothingIsLost(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.MaxMissedDeadlines = 0  // keep every executor active so each job's planned outcome happens
	p.MaxVerifierMisses = 0   // no jailing either
	p.JailDurationSeconds = 0 // a validator jailed for fraud may unjail at once
	p.AuditProbability = "0.5"
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	for i := 1; i <= 4; i++ {
		f.executor(fmt.Sprintf("val%d", i), int64(100_000_000*i))
	}
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(250))
	supply := f.bank.total()
	const n = 80
	answerOnAttempt := map[uint64]uint32{}
	rejects := map[uint64]bool{} // answered with MsgRejectJob instead of a result
	for i := 0; i < n; i++ {
		m := f.request()
		m.MaxTokens = uint32(1 + i%64)
		m.MaxFee = coin(int64(2000 + 37*i))
		if i%2 == 0 {
			m.Requester = f.acc(f.bob)
		}
		id := f.requestOK(m).JobId
		answerOnAttempt[id] = uint32(i % 4) // 0 = never
		rejects[id] = i%7 == 6 && i%4 != 0
		if i%5 == 0 {
			f.endBlock()
		}
	}
	// each committee member's behaviour: 0 never commits, 1 commits but never reveals, else commits and
	// reveals; the verdict is FRAUD for every third job
	action := func(id uint64, member int) int { return int(id*7+uint64(member)*3) % 5 }
	verdict := func(id uint64) types.Verdict {
		if id%3 == 0 {
			return fraud
		}
		return valid
	}
	for step := 0; step < 200; step++ {
		h := f.ctx.BlockHeight()
		it, err := f.k.Jobs.Iterate(f.ctx, nil)
		require.NoError(t, err)
		jobs, err := it.Values()
		require.NoError(t, err)
		for _, j := range jobs {
			// the assigned executor of each pending job answers on its chosen attempt
			if j.Status == types.JobStatus_JOB_STATUS_PENDING && answerOnAttempt[j.Id] == j.Attempt && h >= j.AssignedHeight+2 {
				if rejects[j.Id] {
					_, err := f.msg.RejectJob(f.ctx, &types.MsgRejectJob{Sidecar: f.sidecarFor(j.Id), JobId: j.Id, Reason: "prompt_too_long"})
					require.NoError(t, err)
					continue
				}
				_, err := f.msg.SubmitResult(f.ctx, f.result(j.Id, f.sidecarFor(j.Id), int(j.Id)%int(j.MaxTokens+1)))
				require.NoError(t, err)
			}
			// committee members commit, then reveal
			if j.Status == types.JobStatus_JOB_STATUS_AUDITING {
				a := j.Audit
				for i, v := range a.Votes {
					act := action(j.Id, i)
					if act == 0 {
						continue
					}
					if v.CommitHash == "" && h <= a.CommitDeadline {
						require.NoError(t, f.commit(j.Id, v.Verifier, verdict(j.Id)))
					}
				}
				if h > a.CommitDeadline && h <= a.RevealDeadline {
					for i, v := range f.job(j.Id).Audit.Votes {
						if action(j.Id, i) >= 2 && v.CommitHash != "" && v.RevealedHeight == 0 {
							require.NoError(t, f.reveal(j.Id, v.Verifier, verdict(j.Id), ""))
						}
					}
				}
			}
		}
		f.endBlock()
		// executors deactivated for fraud come back, so every planned answer can still happen: their validator
		// unjails (jail_duration_seconds is 0 here), governance lifts the tombstone, the operator re-lists the model
		for i := 1; i <= 4; i++ {
			op := addrOf(fmt.Sprintf("val%d", i))
			e, _, _ := f.k.GetExecutor(f.ctx, sdk.ValAddress(op))
			if !e.Active {
				if f.staking.vals[string(op)].Jailed {
					require.NoError(t, f.slashing.unjail(op, f.ctx.BlockTime()))
				}
				if has, _ := f.k.Tombstones.Has(f.ctx, collections.Join(e.Validator, f.model)); has {
					_, err := f.msg.ClearTombstone(f.ctx, &types.MsgClearTombstone{Authority: f.authority, Validator: e.Validator, Model: f.model})
					require.NoError(t, err)
				}
				_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(op), Active: true, Models: []string{f.model}})
				require.NoError(t, err)
			}
		}
	}
	it, err := f.k.Jobs.Iterate(f.ctx, nil)
	require.NoError(t, err)
	jobs, err := it.Values()
	require.NoError(t, err)
	require.Len(t, jobs, n)
	counts := map[string]int{}
	for _, j := range jobs {
		counts[j.Status.String()]++
		if j.Result != nil {
			require.NotNil(t, j.Audit, "job %d", j.Id)
			require.NotEqual(t, types.AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS, j.Audit.Outcome, "job %d", j.Id)
			counts[j.Audit.Outcome.String()]++
		}
		switch j.Status {
		case types.JobStatus_JOB_STATUS_SETTLED:
			require.Equal(t, j.MaxFee.Amount, j.Settlement.Total(), "job %d", j.Id)
			require.Equal(t, answerOnAttempt[j.Id], j.Attempt)
			require.False(t, rejects[j.Id], "job %d", j.Id)
			require.NotEqual(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, j.Audit.Outcome)
		case types.JobStatus_JOB_STATUS_REFUNDED:
			switch {
			case rejects[j.Id]:
				require.Equal(t, answerOnAttempt[j.Id], j.Attempt, "job %d", j.Id)
				require.Contains(t, j.StatusReason, "rejected by executor", "job %d", j.Id)
				counts["REJECTED"]++
			case j.Audit != nil:
				require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, j.Audit.Outcome, "job %d", j.Id)
				require.Contains(t, j.StatusReason, "fraud:", "job %d", j.Id)
				require.Equal(t, uint64(0), j.Id%3, "only jobs with FRAUD verdicts")
			default:
				require.Equal(t, uint32(0), answerOnAttempt[j.Id], "job %d", j.Id)
			}
		default:
			t.Fatalf("job %d ended %s", j.Id, j.Status)
		}
	}
	t.Logf("outcomes: %v (%v)", counts, sortedKeys(counts))
	for _, o := range []types.AuditOutcome{types.AuditOutcome_AUDIT_OUTCOME_NOT_SELECTED, types.AuditOutcome_AUDIT_OUTCOME_HONEST, types.AuditOutcome_AUDIT_OUTCOME_FRAUD} {
		require.Positive(t, counts[o.String()], "no %s audit: the test lost its coverage", o)
	}
	require.NotEmpty(t, f.staking.slashes)
	require.True(t, f.escrow().IsZero(), "escrow left: %s", f.escrow())
	require.Equal(t, supply, f.bank.total())
	// the queues are empty
	for _, q := range []collections.KeySet[collections.Pair[int64, uint64]]{f.k.DeadlineQueue, f.k.SettlementQueue, f.k.AuditQueue} {
		it, err := q.Iterate(f.ctx, nil)
		require.NoError(t, err)
		keys, err := it.Keys()
		require.NoError(t, err)
		require.Empty(t, keys)
	}
}

func mustVal(f *fixture, s string) sdk.ValAddress {
	bz, err := f.vc.StringToBytes(s)
	require.NoError(f.t, err)
	return bz
}
