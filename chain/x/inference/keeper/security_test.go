package keeper_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Attack tests of issue 9: each one describes the attack and fails without its defence.

// hugeStake is 10,000 consensus power (power reduction 10^6).
const hugeStake = 10_000_000_000

// fraudAudit runs an audit of job id in which every committee member votes verdicts[i] (cycling), and
// returns the concluded job.
func (f *fixture) runAudit(id uint64, verdicts ...types.Verdict) types.Job {
	f.t.Helper()
	job := f.job(id)
	require.Equal(f.t, types.JobStatus_JOB_STATUS_AUDITING, job.Status, "job %d", id)
	for i, m := range job.Audit.Committee {
		require.NoError(f.t, f.commit(id, m, verdicts[i%len(verdicts)]))
	}
	for i, m := range job.Audit.Committee {
		require.NoError(f.t, f.reveal(id, m, verdicts[i%len(verdicts)], ""))
	}
	f.endBlock()
	return f.job(id)
}

// Attack (slash escape): an executor forges a result, sees its audit selected, and before the verdict makes
// its validator leave the active set: it raises its min-self-delegation above its self-delegation by
// undelegating a single token, so x/staking jails it and starts unbonding it (consensus power 0 now). A slash
// "at the current power" then burns ~nothing, and it unjails right after. Defence: the power at the result's
// height is recorded at MsgSubmitResult and slashed from the infraction height (as x/evidence does), and the
// fraud jail carries a JailedUntil. The validator still loses exactly slash_fraction of its recorded stake.
func TestSlashEscapeByUnbondingStillSlashesRecordedStake(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *types.Params) {
		p.AuditProbability = "1.000000000000000000"
		p.DeadlineBlocks = 1000
	})
	exec := f.executor("exec", hugeStake)
	id := f.requestOK(f.request()).JobId
	v1 := f.executor("v1", bigStake)
	v2 := f.executor("v2", bigStake)
	f.submit(id)
	submitted := f.ctx.BlockHeight()
	job := f.job(id)
	require.Equal(t, int64(10_000), job.Result.ExecutorPower)
	require.Equal(t, "10000000000", job.Result.ExecutorTokens)
	f.endBlock()
	f.endBlock() // decides: audited by v1 and v2
	require.ElementsMatch(t, []string{v1, v2}, f.job(id).Audit.Committee)

	// the escape: undelegate 1 token below min-self-delegation: jailed, unbonding, power 0
	op := mustVal(f, exec)
	f.staking.undelegate(sdk.AccAddress(op), 1, f.ctx.BlockHeight(), stakingtypes.Unbonding, true)
	require.Zero(t, f.staking.vals[string(op)].GetConsensusPower(sdk.DefaultPowerReduction))
	supplyBefore := f.bank.GetSupply(f.ctx, "stake").Amount

	job = f.runAudit(id, fraud)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, job.Audit.Outcome)
	// exactly slash_fraction (5%) of the recorded 10^10: 5 * 10^8, at the submission height with its power
	require.Len(t, f.staking.slashes, 1)
	require.Equal(t, submitted, f.staking.slashes[0].infractionHeight)
	require.Equal(t, int64(10_000), f.staking.slashes[0].power)
	require.Equal(t, "500000000stake", job.Audit.Slashed.String())
	require.Equal(t, math.NewInt(500_000_000), supplyBefore.Sub(f.bank.GetSupply(f.ctx, "stake").Amount))

	// and it cannot unjail at once: JailedUntil is jail_duration_seconds away
	require.ErrorIs(t, f.slashing.unjail(sdk.AccAddress(op), f.ctx.BlockTime()), slashingtypes.ErrValidatorJailed)
	require.NoError(t, f.slashing.unjail(sdk.AccAddress(op), f.ctx.BlockTime().Add(601*time.Second)))
}

// The same escape through undelegating most of the stake: the unbonding entry started after the infraction
// is slashed too, and the total is still exactly slash_fraction of the recorded stake.
func TestSlashEscapeByUndelegatingMostStake(t *testing.T) {
	f := newAuditFixture(t)
	id := f.requestOK(f.request()).JobId
	f.executor("v1", bigStake)
	f.executor("v2", bigStake)
	f.submit(id) // exec has 100 power (10^8)
	f.endBlock()
	f.endBlock()
	op := mustVal(f, f.job(id).Executor)
	f.staking.undelegate(sdk.AccAddress(op), 90_000_000, f.ctx.BlockHeight(), stakingtypes.Unbonding, true)
	job := f.runAudit(id, fraud)
	require.Equal(t, "5000000stake", job.Audit.Slashed.String(), "5% of the recorded 10^8")
	require.Equal(t, math.NewInt(90_000_000-4_500_000), f.staking.unbonding[string(op)][0].balance)
	require.Equal(t, math.NewInt(10_000_000-500_000), f.staking.vals[string(op)].Tokens)
}

// Attack (lazy FRAUD voter): a committee member votes FRAUD on every audit without running the model, hoping
// to be paid per verdict (and to slash someone one day). Defence: only verdicts that agree with the outcome
// are paid; the outvoted one counts a miss, and max_verifier_misses of them jail it.
func TestLazyFraudVoterEarnsNothingAndIsJailed(t *testing.T) {
	f := newAuditFixture(t)
	var jobs []uint64
	for i := 0; i < 3; i++ {
		jobs = append(jobs, f.requestOK(f.request()).JobId)
	}
	lazy := f.executor("lazy", bigStake)
	f.executor("h1", bigStake)
	f.executor("h2", bigStake)
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(10_000))
	for n, id := range jobs {
		job := f.submitAndDecide(id)
		require.Len(t, job.Audit.Committee, 3)
		for _, m := range job.Audit.Committee {
			v := valid
			if m == lazy {
				v = fraud
			}
			require.NoError(t, f.commit(id, m, v))
		}
		for _, m := range job.Audit.Committee {
			v := valid
			if m == lazy {
				v = fraud
			}
			require.NoError(t, f.reveal(id, m, v, ""))
		}
		f.endBlock()
		job = f.job(id)
		require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_HONEST, job.Audit.Outcome)
		for _, v := range job.Audit.Votes {
			if v.Verifier == lazy {
				require.True(t, v.Outvoted)
				require.Equal(t, coin(0), v.Reward)
			} else {
				require.Equal(t, coin(100), v.Reward)
			}
		}
		e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, lazy))
		require.Equal(t, uint64(n+1), e.MissedAudits)
	}
	require.True(t, f.bank.balance(sdk.AccAddress(mustVal(f, lazy))).IsZero(), "the lazy FRAUD voter earned nothing")
	require.True(t, f.staking.vals[string(mustVal(f, lazy))].Jailed, "jailed at max_verifier_misses")
	require.Empty(t, f.staking.slashes)
}

// Attack (single verifier slashes): with one other executor serving the model, the old rule capped the quorum
// at the committee size, so that executor alone could slash anyone by voting FRAUD. Defence: the committee is
// never below quorum (>= 2): the job settles unaudited instead.
func TestSingleVerifierCanNeverSlash(t *testing.T) {
	f := newAuditFixture(t)
	id := f.requestOK(f.request()).JobId
	f.executor("lonely", bigStake)
	job := f.submitAndDecide(id)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE, job.Audit.Outcome)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Empty(t, f.staking.slashes)

	// with two members, one FRAUD verdict and one missing reveal slash nobody either
	id2 := f.requestOK(f.request()).JobId
	f.executor("other", bigStake)
	job = f.submitAndDecide(id2)
	if job.Status != types.JobStatus_JOB_STATUS_AUDITING {
		t.Fatalf("job %d: %s %s", id2, job.Status, job.Audit.Note)
	}
	c := job.Audit.Committee
	require.NoError(t, f.commit(id2, c[0], fraud))
	f.runUntil(job.Audit.CommitDeadline + 1)
	require.NoError(t, f.reveal(id2, c[0], fraud, ""))
	f.runUntil(job.Audit.RevealDeadline + 1)
	job = f.job(id2)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INCONCLUSIVE, job.Audit.Outcome)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Empty(t, f.staking.slashes)
	require.Equal(t, coin(0), job.Audit.Votes[0].Reward, "an unconfirmed FRAUD verdict is not paid")

	// and governance cannot set a single-verifier quorum
	p, _ := f.k.GetParams(f.ctx)
	p.Quorum, p.CommitteeSize = 1, 1
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.ErrorContains(t, err, "params.quorum: 1 is below 2")
}

// ABSTAIN (no calibrated tolerance for the executor's execution provider): not paid, not a miss, and not
// counted toward a quorum on either side.
func TestAbstainIsNeitherPaidNorMissed(t *testing.T) {
	f := newAuditFixture(t)
	id1 := f.requestOK(f.request()).JobId
	id2 := f.requestOK(f.request()).JobId
	for i := 1; i <= 3; i++ {
		f.executor(fmt.Sprintf("v%d", i), bigStake)
	}
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(10_000))
	abstain := types.Verdict_VERDICT_ABSTAIN

	// ABSTAIN, FRAUD, FRAUD: fraud by quorum 2; the abstainer gets nothing and no miss
	f.submitAndDecide(id1)
	job := f.runAudit(id1, abstain, fraud, fraud)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, job.Audit.Outcome)
	require.Equal(t, coin(0), job.Audit.Votes[0].Reward)
	require.False(t, job.Audit.Votes[0].Outvoted)
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, job.Audit.Votes[0].Verifier))
	require.Zero(t, e.MissedAudits)
	require.Equal(t, coin(100), job.Audit.Votes[1].Reward)

	f.executor("v4", bigStake) // so that id2 still finds a committee of 3
	// id2 is still assigned to the fraudulent executor: inactive now, it may still answer its open job
	f.submit(id2)
	f.endBlock()
	f.endBlock()
	job = f.job(id2)
	require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, job.Status, job.Audit.Note)
	// ABSTAIN, ABSTAIN, VALID: one decisive verdict, below quorum: inconclusive, settled; VALID paid
	job = f.runAudit(id2, abstain, abstain, valid)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INCONCLUSIVE, job.Audit.Outcome)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, []sdk.Coin{coin(0), coin(0), coin(100)}, []sdk.Coin{job.Audit.Votes[0].Reward, job.Audit.Votes[1].Reward, job.Audit.Votes[2].Reward})
}

// Attack (fraud, then straight back): after a fraud verdict the executor re-lists the model at once (or
// re-registers) and keeps serving it. Defence: the binding is tombstoned for tombstone_cooldown_blocks (or
// until governance clears it).
func TestFraudTombstonesTheModelBinding(t *testing.T) {
	f := newAuditFixture(t)
	f.setParams(func(p *types.Params) { p.TombstoneCooldownBlocks = 50; p.JailDurationSeconds = 0 })
	id := f.requestOK(f.request()).JobId
	f.executor("v1", bigStake)
	f.executor("v2", bigStake)
	f.submitAndDecide(id)
	job := f.runAudit(id, fraud)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, job.Audit.Outcome)
	exec := job.Executor
	op := sdk.AccAddress(mustVal(f, exec))
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, exec))
	require.Empty(t, e.Models, "the model left the executor's list")
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventExecutorTombstoned"), 1)

	// the state still exports and imports with the executor's list empty
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	f.reimport(gs)

	f.endBlock()
	require.NoError(t, f.slashing.unjail(op, f.ctx.BlockTime()))
	// it cannot come back active with no model
	f.requireRefused(func() error {
		_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(op), Active: true})
		return err
	}, "models:", "serves no model")
	relist := func() error {
		_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(op), Active: true, Models: []string{f.model}})
		return err
	}
	err = f.requireRefused(relist, "models[0]:", "is barred from model", "found fraud", fmt.Sprintf("until height %d", job.Audit.ConcludedHeight+50))
	require.ErrorIs(t, err, types.ErrTombstoned)
	// governance only, and only an existing tombstone
	_, err = f.msg.ClearTombstone(f.ctx, &types.MsgClearTombstone{Authority: f.acc(f.alice), Validator: exec, Model: f.model})
	require.ErrorIs(t, err, types.ErrUnauthorized)
	_, err = f.msg.ClearTombstone(f.ctx, &types.MsgClearTombstone{Authority: f.authority, Validator: exec, Model: f.addModel("other", 1)})
	require.ErrorIs(t, err, types.ErrNotFound)
	// the cooldown passes
	f.runUntil(job.Audit.ConcludedHeight + 50)
	require.NoError(t, relist())

	// exported and imported
	gs, err = f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Len(t, gs.Tombstones, 1)
	require.Len(t, gs.Entropy, 32)
	f.reimport(gs)
}

// Attack (deactivation undone at once): an executor past its limit of free rejections is deactivated by the
// chain, and its operator reactivates it in the same block to keep its assignment weight. Defence: the
// reactivation waits for a later block. Also: rejections beyond max_rejections_per_window count as misses,
// so refusing every job is not free; "overloaded" and "prompt_too_long" are accepted reasons.
func TestRejectionsRateLimitedAndDeactivationHolds(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *types.Params) {
		p.MaxRejectionsPerWindow = 2
		p.RejectionWindowBlocks = 10
		p.MaxMissedDeadlines = 2
	})
	val := f.executor("val1", bigStake)
	reject := func(reason string) {
		t.Helper()
		id := f.requestOK(f.request()).JobId
		_, err := f.msg.RejectJob(f.ctx, &types.MsgRejectJob{Sidecar: f.sidecarFor(id), JobId: id, Reason: reason})
		require.NoError(t, err)
		require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, f.job(id).Status)
	}
	missed := func() types.Executor {
		e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, val))
		return e
	}
	reject("prompt_too_long: 9000 tokens, the model's context is 2048")
	reject("overloaded: 12 jobs queued, cannot finish before the deadline")
	require.Zero(t, missed().MissedDeadlines, "two rejections per window are free")
	reject("overloaded")
	require.Equal(t, uint64(1), missed().MissedDeadlines, "the third counts a miss")
	f.endBlock()
	reject("overloaded")
	require.Equal(t, uint64(2), missed().MissedDeadlines)
	require.False(t, missed().Active, "deactivated at max_missed_deadlines")
	// not in the same block
	op := sdk.AccAddress(addrOf("val1"))
	activate := func() error {
		_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(op), Active: true})
		return err
	}
	err := f.requireRefused(activate, "active:", "was deactivated by the chain at this height")
	require.ErrorIs(t, err, types.ErrTooSoon)
	f.endBlock()
	require.NoError(t, activate())
	// a new window: free again
	f.runUntil(f.ctx.BlockHeight() + 10)
	reject("overloaded")
	require.Equal(t, uint64(0), missed().MissedDeadlines, "reactivation reset the count and the window is new")
}

// Attack (burst deactivation): a burst of jobs assigned in one block all expire in one block, and each
// counted a miss, so one spike deactivated an honest executor. Defence: misses count once per block.
func TestMissesCountOncePerBlock(t *testing.T) {
	f := newFixture(t)
	val := f.executor("val1", bigStake)
	var last *types.MsgRequestInferenceResponse
	for i := 0; i < 5; i++ {
		last = f.requestOK(f.request())
	}
	f.runUntil(last.DeadlineHeight + 1)
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, val))
	require.Equal(t, uint64(1), e.MissedDeadlines)
	require.True(t, e.Active)
}

// Attack (state bloat): an executor answers a 1-token job with megabytes of output_text, which every node
// stores. Defence: output_text <= max_output_bytes_per_token x output tokens.
func TestOutputTextBoundedByTokens(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", bigStake)
	id := f.requestOK(f.request()).JobId
	m := f.result(id, f.sidecarFor(id), 2)
	m.OutputText = fmt.Sprintf("%065d", 0)
	f.requireRefused(func() error { _, err := f.msg.SubmitResult(f.ctx, m); return err },
		"output_text: is 65 bytes for 2 output tokens, the maximum is 32 bytes per token (64)")
	m.OutputText = m.OutputText[:64]
	_, err := f.msg.SubmitResult(f.ctx, m)
	require.NoError(t, err)
}

// Attack (grinding the audit decision): the executor's validator, when it proposes the block that decides
// its own audit, can reorder transactions / vary the timestamp until the block hash does not select the
// audit. Defence: a block proposed by the executor's validator (or, for audit_max_defer_blocks, by a candidate
// verifier while a neutral validator exists) never decides it; after the bounds, liveness wins.
func TestAuditNeverDecidedByTheExecutorsOwnBlock(t *testing.T) {
	f := newAuditFixture(t)
	f.setParams(func(p *types.Params) { p.AuditMaxDeferBlocks = 3 })
	id := f.requestOK(f.request()).JobId
	f.executor("v1", bigStake)
	f.executor("v2", bigStake)
	// a neutral validator that serves another model
	other := f.addModel("other", 1)
	f.executor("neutral", bigStake, other)
	cons := func(name string) sdk.ConsAddress {
		c, err := f.staking.vals[string(addrOf(name))].GetConsAddr()
		require.NoError(t, err)
		return c
	}
	propose := func(name string) { f.ctx = f.ctx.WithProposer(cons(name)) }
	f.submit(id)
	f.endBlock()
	submitted := f.ctx.BlockHeight() - 1

	// the executor proposes: deferred; a candidate verifier proposes: deferred (a neutral one exists)
	propose("exec")
	f.endBlock()
	propose("v1")
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(id).Status)
	require.Nil(t, f.job(id).Audit)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventAuditDeferred"), 2)
	// the neutral validator decides
	propose("neutral")
	f.endBlock()
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, job.Status)
	require.Equal(t, fmt.Sprintf("%X", cons("neutral").Bytes()), fmt.Sprintf("%X", mustHex(t, job.Audit.DecidedBy)))
	require.Equal(t, uint32(2), job.Audit.DeferredBlocks)
	_ = submitted

	// bounds: past audit_max_defer_blocks a candidate verifier decides; past twice that even the executor
	id2 := f.requestOK(f.request()).JobId
	_, err := f.msg.SubmitResult(f.ctx, f.result(id2, f.sidecarFor(id2), 7))
	require.NoError(t, err)
	ex2 := f.job(id2).Executor
	var exName string
	for _, n := range []string{"exec", "v1", "v2"} {
		if f.val(addrOf(n)) == ex2 {
			exName = n
		}
	}
	f.endBlock()
	for i := 0; i < 6; i++ { // waited 0..5 < 2 x 3: the executor's own blocks never decide
		propose(exName)
		f.endBlock()
		require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(id2).Status, "block %d", i)
	}
	propose(exName)
	f.endBlock()
	require.NotEqual(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(id2).Status, "liveness: decided after 2 x audit_max_defer_blocks")
	require.Equal(t, uint32(6), f.job(id2).Audit.DeferredBlocks)
}

// The entropy of a block folds its hash into the running hash of every earlier block.
func TestEntropyFoldsEveryBlockHash(t *testing.T) {
	f := newFixture(t)
	f.endBlock()
	e1, err := f.k.Entropy.Get(f.ctx)
	require.NoError(t, err)
	f.endBlock()
	e2, err := f.k.Entropy.Get(f.ctx)
	require.NoError(t, err)
	require.NotEqual(t, e1, e2)
	want := sha256Concat([]byte(types.EntropyDomain), e1, types.JobIDBytes(uint64(f.ctx.BlockHeight()-1)))
	require.Equal(t, want, e2)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func sha256Concat(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// storeBytes is the size of the module's KV store: the sum of every key and value length.
func (f *fixture) storeBytes() int {
	n := 0
	it := f.ctx.KVStore(f.key).Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		n += len(it.Key()) + len(it.Value())
	}
	return n
}

// settleMany requests and answers perBlock jobs per block for blocks blocks and runs the chain until all are
// settled (audits off).
func (f *fixture) settleMany(blocks, perBlock int) {
	f.t.Helper()
	for b := 0; b < blocks; b++ {
		for i := 0; i < perBlock; i++ {
			id := f.requestOK(f.request()).JobId
			_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
			require.NoError(f.t, err)
		}
		f.endBlock()
		f.cms.Commit() // as a node does: an uncommitted IAVL working set makes every iteration slower
	}
	f.endBlock()
}

// Attack (state bloat by volume): every settled job stayed in state forever, so state grew with history.
// Defence: terminal jobs are pruned retention_blocks after they ended (after EventJobPruned carried them).
// 10,000 jobs settle with retention_blocks = 5: the store stays flat; without pruning it grows linearly.
func TestPruningKeepsStateFlat(t *testing.T) {
	run := func(retention uint64) (at1k, at10k int) {
		f := newFixture(t)
		f.setParams(func(p *types.Params) { p.AuditProbability = "0"; p.RetentionBlocks = retention })
		f.executor("val1", bigStake)
		f.bank.balances[string(f.alice)] = sdk.NewCoins(coin(1 << 60))
		f.settleMany(10, 100) // 1,000 jobs
		f.runUntil(f.ctx.BlockHeight() + 6)
		at1k = f.storeBytes()
		f.settleMany(90, 100) // 10,000 in all
		f.runUntil(f.ctx.BlockHeight() + 6)
		at10k = f.storeBytes()
		if retention > 0 {
			n, err := f.k.Jobs.Iterate(f.ctx, nil)
			require.NoError(t, err)
			keys, err := n.Keys()
			require.NoError(t, err)
			require.Empty(t, keys, "every job pruned")
			// the index entries went with them
			for _, r := range []*types.QueryJobsRequest{{Requester: f.acc(f.alice)}, {Executor: f.val(addrOf("val1"))}, {Status: types.JobStatus_JOB_STATUS_SETTLED}} {
				require.Empty(t, ids(t, f, r))
			}
			require.Len(t, f.typedEvents("inferchain.inference.v1.EventJobPruned"), 10_000)
		}
		return at1k, at10k
	}
	p1, p10 := run(5)
	k1, k10 := run(0)
	t.Logf("inference store bytes: pruning on (retention_blocks 5): %d after 1,000 jobs, %d after 10,000; pruning off: %d after 1,000, %d after 10,000", p1, p10, k1, k10)
	require.LessOrEqual(t, p10, p1+64, "state must stay flat with pruning on")
	require.Greater(t, k10, 9*k1, "without pruning state grows with history (the test would not see a leak otherwise)")
}

// A pruned job's event carries the whole record: an indexer never needs the state to have it.
func TestPrunedJobEventCarriesTheRecord(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *types.Params) { p.AuditProbability = "0"; p.RetentionBlocks = 3 })
	f.executor("val1", bigStake)
	id := f.requestOK(f.request()).JobId
	f.submit(id)
	f.endBlock()
	f.endBlock()
	settled := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, settled.Status)
	f.runUntil(settled.SettledHeight + 4)
	_, found, err := f.k.GetJob(f.ctx, id)
	require.NoError(t, err)
	require.False(t, found)
	evs := f.typedEvents("inferchain.inference.v1.EventJobPruned")
	require.Len(t, evs, 1)
	msg, err := sdk.ParseTypedEvent(abciEvent(evs[0]))
	require.NoError(t, err)
	want, err := settled.Marshal()
	require.NoError(t, err)
	got, err := msg.(*types.EventJobPruned).Job.Marshal()
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func abciEvent(e sdk.Event) abci.Event {
	return abci.Event(e)
}

// Attack (stale indexes): a validator deleted by x/staking left its executor, its model index entries and its
// sidecar binding behind, so queries and the sidecar index kept pointing at it. Defence: the staking hook.
func TestRemovedValidatorIndexesCleaned(t *testing.T) {
	f := newFixture(t)
	gone := f.executor("gone", bigStake)
	f.executor("stays", bigStake)
	require.NoError(t, f.k.Hooks().AfterValidatorRemoved(f.ctx, nil, mustVal(f, gone)))
	_, found, err := f.k.GetExecutor(f.ctx, mustVal(f, gone))
	require.NoError(t, err)
	require.False(t, found)
	res, err := f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.NoError(t, err)
	require.Len(t, res.Executors, 1)
	has, err := f.k.ExecutorsByModel.Has(f.ctx, collectionsJoin(f.model, mustVal(f, gone)))
	require.NoError(t, err)
	require.False(t, has)
	// its sidecar is free again
	_, err = f.k.Executors.Indexes.Sidecar.MatchExact(f.ctx, f.acc(sidecarOf("gone")))
	require.Error(t, err)
	// a no-op for a validator without an executor
	require.NoError(t, f.k.Hooks().AfterValidatorRemoved(f.ctx, nil, mustVal(f, gone)))
}

// A model served only by its own publisher's validator is flagged: nobody else ever audits its answers.
func TestExecutorsOfModelFlagsPublisherOnly(t *testing.T) {
	f := newFixture(t)
	f.executor("publisher", bigStake) // the operator of this validator is the model's publisher account
	res, err := f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.NoError(t, err)
	require.True(t, res.PublisherOnly)
	require.False(t, res.Auditable)
	f.executor("v1", bigStake)
	res, _ = f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.False(t, res.PublisherOnly)
	require.False(t, res.Auditable, "2 executors: each has only 1 possible verifier, below the quorum 2")
	f.executor("v2", bigStake)
	res, _ = f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.True(t, res.Auditable)
}

// Reconciliation queries: {executor, PENDING} walks the executor+status index (only that executor's pending
// jobs), and list limits are capped at MaxPageLimit.
func TestReconciliationIndexAndLimitCap(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *types.Params) { p.AuditProbability = "0"; p.DeadlineBlocks = 1000 })
	val := f.executor("val1", bigStake)
	f.bank.balances[string(f.alice)] = sdk.NewCoins(coin(1 << 60))
	var pending []uint64
	for i := 0; i < keeper.MaxPageLimit+5; i++ {
		id := f.requestOK(f.request()).JobId
		if i%3 == 0 {
			pending = append(pending, id)
			continue
		}
		f.submit(id)
	}
	f.endBlock()
	f.endBlock()
	got := ids(t, f, &types.QueryJobsRequest{Executor: val, Status: types.JobStatus_JOB_STATUS_PENDING, Pagination: &query.PageRequest{Limit: 5000}})
	require.Equal(t, pending, got)
	// the index holds exactly the open jobs of the executor
	it, err := f.k.Jobs.Indexes.ExecutorStatus.MatchExact(f.ctx, collectionsJoin32(val, int32(types.JobStatus_JOB_STATUS_PENDING)))
	require.NoError(t, err)
	keys, err := it.PrimaryKeys()
	require.NoError(t, err)
	require.Equal(t, pending, keys)
	all, err := f.q.Jobs(f.ctx, &types.QueryJobsRequest{Pagination: &query.PageRequest{Limit: 5000}})
	require.NoError(t, err)
	require.Len(t, all.Jobs, keeper.MaxPageLimit, "limit capped")
	require.NotEmpty(t, all.Pagination.NextKey)
	execs, err := f.q.Executors(f.ctx, &types.QueryExecutorsRequest{Pagination: &query.PageRequest{Limit: 1 << 40}})
	require.NoError(t, err)
	require.Len(t, execs.Executors, 1)
}

func collectionsJoin(a string, b sdk.ValAddress) collections.Pair[string, sdk.ValAddress] {
	return collections.Join(a, b)
}

func collectionsJoin32(a string, b int32) collections.Pair[string, int32] {
	return collections.Join(a, b)
}

// Attack (self-assignment by grinding): the proposer of the block that includes a request builds the block
// whose hash draws the executor, so it could reorder transactions until it drew itself. Defence: the proposer
// is never drawn while another executor is eligible (and is, when it is the only one).
func TestProposerNeverAssignsItself(t *testing.T) {
	f := newFixture(t)
	f.executor("big", 1000*bigStake)
	f.executor("small", bigStake)
	c, err := f.staking.vals[string(addrOf("big"))].GetConsAddr()
	require.NoError(t, err)
	f.ctx = f.ctx.WithProposer(c)
	for i := 0; i < 50; i++ {
		res := f.requestOK(f.request())
		require.Equal(t, f.val(addrOf("small")), res.Executor, "request %d: the proposer drew itself", i)
	}
	// alone, it serves its own block's requests
	other := f.addModel("alone", 1)
	f.executor("solo", bigStake, other)
	c, err = f.staking.vals[string(addrOf("solo"))].GetConsAddr()
	require.NoError(t, err)
	f.ctx = f.ctx.WithProposer(c)
	m := f.request()
	m.Model = other
	require.Equal(t, f.val(addrOf("solo")), f.requestOK(m).Executor)
}

// Audit misses count once per block: a verifier down while several of its audits conclude together loses
// their rewards, but counts one failure (not enough, alone, to jail it).
func TestAuditMissesCountOncePerBlock(t *testing.T) {
	f := newAuditFixture(t)
	var jobs []uint64
	for i := 0; i < 3; i++ {
		jobs = append(jobs, f.requestOK(f.request()).JobId)
	}
	v1 := f.executor("v1", bigStake)
	v2 := f.executor("v2", bigStake)
	for _, id := range jobs {
		f.submit(id)
	}
	f.endBlock()
	f.endBlock() // all three decided in one block, so they conclude together
	for _, id := range jobs {
		require.NoError(t, f.commit(id, v1, valid))
	}
	f.runUntil(f.job(jobs[0]).Audit.RevealDeadline + 1) // v2 never answers
	for _, id := range jobs {
		require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INCONCLUSIVE, f.job(id).Audit.Outcome)
	}
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, v2))
	require.Equal(t, uint64(1), e.MissedAudits)
	require.False(t, f.staking.vals[string(mustVal(f, v2))].Jailed)
}
