package keeper_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// bigStake is 100 consensus power (power reduction 10^6).
const bigStake = 100_000_000

const (
	evDecided   = "inferchain.inference.v1.EventAuditDecided"
	evConcluded = "inferchain.inference.v1.EventAuditConcluded"
	evCommitted = "inferchain.inference.v1.EventVerdictCommitted"
	evRevealed  = "inferchain.inference.v1.EventVerdictRevealed"
)

var (
	valid = types.Verdict_VERDICT_VALID
	fraud = types.Verdict_VERDICT_FRAUD
)

func (f *fixture) setParams(mod func(p *types.Params)) {
	f.t.Helper()
	p, err := f.k.GetParams(f.ctx)
	require.NoError(f.t, err)
	mod(&p)
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(f.t, err)
}

// newAuditFixture: every result is audited (audit_probability 1), deadlines far away, and the executor "exec"
// (100 power) registered alone, so jobs requested before other executors register are all assigned to it.
func newAuditFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.setParams(func(p *types.Params) {
		p.AuditProbability = "1.000000000000000000"
		p.DeadlineBlocks = 1000
	})
	f.executor("exec", bigStake)
	return f
}

func (f *fixture) pool() math.Int {
	return f.bank.balance(authtypes.NewModuleAddress(types.VerifierPoolName))
}

// submit posts a 7-token result (charged 1070 of 5000) for the job from its executor's sidecar.
func (f *fixture) submit(id uint64) {
	f.t.Helper()
	_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 7))
	require.NoError(f.t, err)
}

// submitAndDecide submits a result and runs the submission block and the next one (which decides the audit).
func (f *fixture) submitAndDecide(id uint64) types.Job {
	f.t.Helper()
	f.submit(id)
	f.endBlock()
	f.endBlock()
	return f.job(id)
}

// sidecarOfVal is the sidecar account bound to a validator's executor.
func (f *fixture) sidecarOfVal(val string) string {
	f.t.Helper()
	e, found, err := f.k.GetExecutor(f.ctx, mustVal(f, val))
	require.NoError(f.t, err)
	require.True(f.t, found)
	return e.Sidecar
}

// saltFor is a deterministic salt per (job, member).
func saltFor(id uint64, member string) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("salt/%d/%s", id, member)))
	return h[:]
}

func commitMsg(id uint64, member, sidecar string, v types.Verdict) *types.MsgCommitVerdict {
	return &types.MsgCommitVerdict{Sidecar: sidecar, JobId: id, CommitHash: types.VerdictCommitHash(id, v, saltFor(id, member), member)}
}

func revealMsg(id uint64, member, sidecar string, v types.Verdict, reason string) *types.MsgRevealVerdict {
	return &types.MsgRevealVerdict{Sidecar: sidecar, JobId: id, Verdict: v, Salt: hex.EncodeToString(saltFor(id, member)), Reason: reason}
}

func (f *fixture) commit(id uint64, member string, v types.Verdict) error {
	_, err := f.msg.CommitVerdict(f.ctx, commitMsg(id, member, f.sidecarOfVal(member), v))
	return err
}

func (f *fixture) reveal(id uint64, member string, v types.Verdict, reason string) error {
	_, err := f.msg.RevealVerdict(f.ctx, revealMsg(id, member, f.sidecarOfVal(member), v, reason))
	return err
}

func jsonStrings(t *testing.T, s string) []string {
	var out []string
	require.NoError(t, json.Unmarshal([]byte(s), &out))
	return out
}

func TestAuditNotSelectedSettlesAsBefore(t *testing.T) {
	f := newFixture(t)
	f.setParams(func(p *types.Params) { p.AuditProbability = "0" })
	f.executor("val1", bigStake)
	f.executor("val2", bigStake)
	id := f.requestOK(f.request()).JobId
	f.submit(id)
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(id).Status)
	f.endBlock()
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, int64(11), job.SettledHeight)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_NOT_SELECTED, job.Audit.Outcome)
	require.Equal(t, int64(11), job.Audit.DecidedHeight)
	require.Empty(t, job.Audit.Committee)
	require.Equal(t, types.FeeSplit{Executor: coin(749), Publisher: coin(107), VerifierPool: coin(107), CommunityPool: coin(107), Refund: coin(3930)}, *job.Settlement)
	evs := f.typedEvents(evDecided)
	require.Len(t, evs, 1)
	require.Equal(t, `"AUDIT_OUTCOME_NOT_SELECTED"`, attr(evs[0], "outcome"))
	require.Equal(t, `"1"`, attr(evs[0], "job_id"))
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventJobSettled"), 1)
}

// The 1-validator localnet: selected but nobody else serves the model: SKIPPED, settled in the same block
// as without audits.
func TestAuditSkippedWithoutOtherExecutors(t *testing.T) {
	f := newAuditFixture(t)
	id := f.requestOK(f.request()).JobId
	job := f.submitAndDecide(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, int64(11), job.SettledHeight)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_SKIPPED, job.Audit.Outcome)
	require.Equal(t, "no other executor serves the model", job.Audit.Note)
	evs := f.typedEvents(evDecided)
	require.Len(t, evs, 1)
	require.Equal(t, `"AUDIT_OUTCOME_SKIPPED"`, attr(evs[0], "outcome"))
	require.Equal(t, `"no other executor serves the model"`, attr(evs[0], "note"))
	require.True(t, f.escrow().IsZero())
}

func TestAuditCommittee(t *testing.T) {
	f := newAuditFixture(t)
	const n = 600
	for i := 0; i < n; i++ {
		f.requestOK(f.request())
	}
	// four other executors with stakes 1:2:3:4, one inactive and one jailed: never on a committee
	weights := map[string]int64{}
	for i := 1; i <= 4; i++ {
		v := f.executor(fmt.Sprintf("v%d", i), int64(i)*bigStake)
		weights[v] = int64(i)
	}
	inactive := f.executor("inactive", 10*bigStake)
	_, err := f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(addrOf("inactive")), Active: false})
	require.NoError(t, err)
	jailed := f.executor("jailed", 10*bigStake)
	jv := f.staking.vals[string(addrOf("jailed"))]
	jv.Jailed = true
	f.staking.vals[string(addrOf("jailed"))] = jv
	exec := f.job(1).Executor

	for id := uint64(1); id <= n; id++ {
		f.submit(id)
	}
	f.endBlock()
	f.endBlock()
	decided := f.ctx.BlockHeight() - 1
	// the draw's entropy: the running hash of the block hashes, as of the deciding block
	entropy, err := f.k.Entropy.Get(f.ctx)
	require.NoError(t, err)

	cands, err := f.k.EligibleExecutors(f.ctx, f.model, map[string]bool{exec: true})
	require.NoError(t, err)
	require.Len(t, cands, 4)
	ws := make([]math.Int, len(cands))
	for i, c := range cands {
		ws[i] = c.Weight
	}
	firsts := map[string]int{}
	evs := f.typedEvents(evDecided)
	require.Len(t, evs, n)
	for id := uint64(1); id <= n; id++ {
		job := f.job(id)
		a := job.Audit
		require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, job.Status)
		require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS, a.Outcome)
		require.Len(t, a.Committee, 3)
		require.NotContains(t, a.Committee, exec, "the executor never audits itself")
		require.NotContains(t, a.Committee, inactive)
		require.NotContains(t, a.Committee, jailed)
		require.Equal(t, uint32(2), a.Quorum)
		require.Equal(t, "", a.Note)
		require.Equal(t, decided, a.DecidedHeight)
		require.Equal(t, decided+10, a.CommitDeadline)
		require.Equal(t, decided+20, a.RevealDeadline)
		require.Len(t, a.Votes, 3)
		// the committee is the pure function of the block's entropy and the job id
		picks := types.PickCommittee(types.AuditDraw(entropy, id), ws, 3)
		for i, p := range picks {
			require.Equal(t, cands[p].Executor.Validator, a.Committee[i])
			require.Equal(t, a.Committee[i], a.Votes[i].Verifier)
			require.Equal(t, "0uinfer", a.Votes[i].Reward.String())
		}
		firsts[a.Committee[0]]++
		// the event carries the committee and its sidecars in order
		ev := evs[id-1]
		require.Equal(t, a.Committee, jsonStrings(t, attr(ev, "committee")))
		sidecars := jsonStrings(t, attr(ev, "committee_sidecars"))
		for i, m := range a.Committee {
			require.Equal(t, f.sidecarOfVal(m), sidecars[i])
		}
		require.Equal(t, fmt.Sprintf(`"%d"`, a.CommitDeadline), attr(ev, "commit_deadline"))
	}
	// stake-weighted: the first member is drawn with probability weight / 10
	for v, w := range weights {
		require.InDelta(t, float64(w)/10, float64(firsts[v])/n, 0.07, "validator weight %d", w)
	}
	// the escrow is kept while auditing
	require.Equal(t, math.NewInt(5000*n), f.escrow())
}

// A committee is never below quorum: with one other executor (quorum 2) the job settles unaudited
// (INSUFFICIENT_COMMITTEE), since one verifier must never be able to slash; with two it is audited by both.
func TestAuditSmallerCommittee(t *testing.T) {
	f := newAuditFixture(t)
	id1 := f.requestOK(f.request()).JobId
	id2 := f.requestOK(f.request()).JobId
	v1 := f.executor("v1", bigStake)
	job := f.submitAndDecide(id1)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE, job.Audit.Outcome)
	require.Empty(t, job.Audit.Committee)
	require.Equal(t, "unaudited: only 1 other eligible executor(s) serve the model, below the quorum 2; settled without an audit", job.Audit.Note)
	require.Empty(t, ids(t, f, &types.QueryJobsRequest{Verifier: v1}))

	v2 := f.executor("v2", bigStake)
	job = f.submitAndDecide(id2)
	require.ElementsMatch(t, []string{v1, v2}, job.Audit.Committee)
	require.Equal(t, uint32(2), job.Audit.Quorum)
	require.Equal(t, "committee of 2: only 2 other executors serve the model", job.Audit.Note)
	evs := f.typedEvents(evDecided)
	require.Equal(t, `"committee of 2: only 2 other executors serve the model"`, attr(evs[len(evs)-1], "note"))
}

// ids runs a Jobs query and returns the job ids, in order.
func ids(t *testing.T, f *fixture, req *types.QueryJobsRequest) []uint64 {
	t.Helper()
	res, err := f.q.Jobs(f.ctx, req)
	require.NoError(t, err)
	var out []uint64
	for _, j := range res.Jobs {
		out = append(out, j.Id)
	}
	return out
}

func TestVerdictCommitRevealRules(t *testing.T) {
	f := newAuditFixture(t)
	id := f.requestOK(f.request()).JobId
	pending := f.requestOK(f.request()).JobId
	for i := 1; i <= 3; i++ {
		f.executor(fmt.Sprintf("v%d", i), bigStake)
	}
	job := f.submitAndDecide(id)
	a := job.Audit
	m0, m1, m2 := a.Committee[0], a.Committee[1], a.Committee[2]
	exec := job.Executor

	commit := func(m *types.MsgCommitVerdict) func() error {
		return func() error { _, err := f.msg.CommitVerdict(f.ctx, m); return err }
	}
	reveal := func(m *types.MsgRevealVerdict) func() error {
		return func() error { _, err := f.msg.RevealVerdict(f.ctx, m); return err }
	}

	// commit refusals
	f.requireRefused(commit(commitMsg(id, exec, f.sidecarOfVal(exec), valid)), "sidecar:", "is not the account of a member of the audit committee of job 1")
	f.requireRefused(commit(commitMsg(id, m0, f.acc(f.bob), valid)), "sidecar:", "is not the account of a member")
	f.requireRefused(commit(commitMsg(id, m0, "infer1bad", valid)), "sidecar:", "not a valid account address")
	f.requireRefused(commit(commitMsg(pending, m0, f.sidecarOfVal(m0), valid)), "job_id:", "job 2 is not under audit (status JOB_STATUS_PENDING)")
	f.requireRefused(commit(commitMsg(99, m0, f.sidecarOfVal(m0), valid)), "job_id:", "job 99 not found")
	bad := commitMsg(id, m0, f.sidecarOfVal(m0), valid)
	bad.CommitHash = strings.ToUpper(bad.CommitHash)
	f.requireRefused(commit(bad), "commit_hash:", "64 lowercase hex")

	// m0 commits; a second commit is refused
	require.NoError(t, f.commit(id, m0, fraud))
	require.Equal(t, f.ctx.BlockHeight(), f.job(id).Audit.Votes[0].CommittedHeight)
	require.Len(t, f.typedEvents(evCommitted), 1)
	f.requireRefused(commit(commitMsg(id, m0, f.sidecarOfVal(m0), valid)), "commit_hash:", "already committed")

	// no reveal during the commit phase while a member has not committed
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m0), fraud, "")), "job_id:", "commit phase until height", "1 of 3 members committed")
	require.NoError(t, f.commit(id, m1, valid))

	// after the commit deadline: no more commits; m2 (never committed) cannot reveal
	f.ctx = f.ctx.WithBlockHeight(a.CommitDeadline + 1)
	f.requireRefused(commit(commitMsg(id, m2, f.sidecarOfVal(m2), valid)), "job_id:", "the commit phase ended at height")
	f.requireRefused(reveal(revealMsg(id, m2, f.sidecarOfVal(m2), valid, "")), "commit_hash:", "did not commit")

	// reveal refusals: another verdict or salt than committed, a non-member, bad fields
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m0), valid, "")), "salt: does not open the commitment")
	wrongSalt := revealMsg(id, m0, f.sidecarOfVal(m0), fraud, "")
	wrongSalt.Salt = hex.EncodeToString(saltFor(id, m1))
	f.requireRefused(reveal(wrongSalt), "salt: does not open the commitment")
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m1), fraud, "")), "salt: does not open the commitment") // m1's sidecar, m0's salt
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(exec), fraud, "")), "sidecar:", "is not the account of a member")
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m0), types.Verdict_VERDICT_UNSPECIFIED, "")), "verdict:")
	shortSalt := revealMsg(id, m0, f.sidecarOfVal(m0), fraud, "")
	shortSalt.Salt = shortSalt.Salt[:10]
	f.requireRefused(reveal(shortSalt), "salt:", "64 lowercase hex")
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m0), fraud, strings.Repeat("x", 513))), "reason:", "513 bytes")

	// a good reveal; a second one is refused
	require.NoError(t, f.reveal(id, m0, fraud, "step 3: gap 5.21 > eps 0.01"))
	v := f.job(id).Audit.Votes[0]
	require.Equal(t, fraud, v.Verdict)
	require.Equal(t, "step 3: gap 5.21 > eps 0.01", v.Reason)
	require.Equal(t, f.ctx.BlockHeight(), v.RevealedHeight)
	evs := f.typedEvents(evRevealed)
	require.Len(t, evs, 1)
	require.Equal(t, `"VERDICT_FRAUD"`, attr(evs[0], "verdict"))
	f.requireRefused(reveal(revealMsg(id, m0, f.sidecarOfVal(m0), fraud, "")), "verdict:", "already revealed")

	// after the reveal deadline: refused
	f.ctx = f.ctx.WithBlockHeight(a.RevealDeadline + 1)
	f.requireRefused(reveal(revealMsg(id, m1, f.sidecarOfVal(m1), valid, "")), "job_id:", "the reveal phase ended at height")
}

// Once every member has committed, the commit phase is over: reveals are accepted before the commit deadline,
// and once every member has revealed the audit concludes in that block's EndBlocker.
func TestAuditEarlyRevealAndConclusion(t *testing.T) {
	f := newAuditFixture(t)
	id := f.requestOK(f.request()).JobId
	f.executor("v1", bigStake)
	f.executor("v2", bigStake)
	job := f.submitAndDecide(id)
	c := job.Audit.Committee
	require.NoError(t, f.commit(id, c[0], valid))
	require.NoError(t, f.commit(id, c[1], valid))
	require.NoError(t, f.reveal(id, c[0], valid, ""))
	require.NoError(t, f.reveal(id, c[1], valid, ""))
	h := f.ctx.BlockHeight()
	require.Less(t, h, job.Audit.CommitDeadline)
	require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, f.job(id).Status)
	f.endBlock()
	job = f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, h, job.SettledHeight)
	require.Equal(t, h, job.Audit.ConcludedHeight)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_HONEST, job.Audit.Outcome)
}

func TestAuditFraud(t *testing.T) {
	f := newAuditFixture(t)
	aliceBefore := f.bank.balance(f.alice)
	id := f.requestOK(f.request()).JobId
	for i := 1; i <= 3; i++ {
		f.executor(fmt.Sprintf("v%d", i), bigStake)
	}
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(1000))
	submitted := f.ctx.BlockHeight()
	job := f.submitAndDecide(id)
	exec := job.Executor
	c := job.Audit.Committee
	verdicts := []types.Verdict{fraud, valid, fraud}
	for i, m := range c {
		require.NoError(t, f.commit(id, m, verdicts[i]))
	}
	f.endBlock()
	for i, m := range c {
		require.NoError(t, f.reveal(id, m, verdicts[i], fmt.Sprintf("member %d", i)))
	}
	concluded := f.ctx.BlockHeight()
	f.endBlock()

	job = f.job(id)
	a := job.Audit
	require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, job.Status)
	require.Contains(t, job.StatusReason, "fraud: the audit committee found the result of executor "+exec+" invalid (2 of 3 FRAUD verdicts, quorum 2)")
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, a.Outcome)
	require.Equal(t, concluded, a.ConcludedHeight)

	// slashed: the executor's validator, at the result's height, at its power, by slash_fraction
	require.Len(t, f.staking.slashes, 1)
	s := f.staking.slashes[0]
	execVal := f.staking.vals[string(mustVal(f, exec))]
	cons, err := execVal.GetConsAddr()
	require.NoError(t, err)
	require.Equal(t, sdk.ConsAddress(cons), s.consAddr)
	require.Equal(t, submitted, s.infractionHeight)
	require.Equal(t, int64(100), s.power)
	require.Equal(t, "0.050000000000000000", s.fraction.String())
	require.Equal(t, "5000000stake", a.Slashed.String())
	require.Equal(t, math.NewInt(bigStake-5_000_000), execVal.Tokens)
	// jailed through x/slashing, for jail_duration_seconds from the conclusion's block time
	require.Equal(t, []sdk.ConsAddress{cons}, f.staking.jails)
	require.Equal(t, f.ctx.BlockTime().Add(-blockTime).Add(600*time.Second), f.slashing.jailedUntil[string(cons)])

	// the executor is deactivated, with the reason
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, exec))
	require.False(t, e.Active)
	upd := f.typedEvents("inferchain.inference.v1.EventExecutorUpdated")
	require.Contains(t, attr(upd[len(upd)-1], "reason"), "deactivated: the audit of job 1 found fraud (2 of 3 verifiers, quorum 2); slashed 5000000stake; validator jailed until ")

	// the requester got the whole max_fee back; nothing was paid to the executor or the publisher
	require.Equal(t, aliceBefore, f.bank.balance(f.alice))
	require.True(t, f.escrow().IsZero())
	require.True(t, f.bank.balance(addrOf("exec")).IsZero())
	require.True(t, f.bank.balance(f.publisher).IsZero())

	// FRAUD voters rewarded from the pool, the outvoted VALID voter not
	for i, m := range c {
		want := int64(100)
		if verdicts[i] == valid {
			want = 0
		}
		require.Equal(t, coin(want), a.Votes[i].Reward, "member %d", i)
		require.Equal(t, math.NewInt(want), f.bank.balance(sdk.AccAddress(mustVal(f, m))), "member %d paid to its operator account", i)
		require.Equal(t, verdicts[i], a.Votes[i].Verdict)
		require.Equal(t, fmt.Sprintf("member %d", i), a.Votes[i].Reason)
		// the outvoted member counts a missed audit
		require.Equal(t, verdicts[i] == valid, a.Votes[i].Outvoted, "member %d", i)
		e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, m))
		require.Equal(t, map[bool]uint64{true: 1, false: 0}[verdicts[i] == valid], e.MissedAudits, "member %d", i)
	}
	require.Equal(t, math.NewInt(800), f.pool())

	evs := f.typedEvents(evConcluded)
	require.Len(t, evs, 1)
	require.Equal(t, `"AUDIT_OUTCOME_FRAUD"`, attr(evs[0], "outcome"))
	require.Equal(t, `{"denom":"stake","amount":"5000000"}`, attr(evs[0], "slashed"))
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventJobRefunded"), 1)
	require.Empty(t, f.typedEvents("inferchain.inference.v1.EventJobSettled"))
}

func TestAuditHonest(t *testing.T) {
	f := newAuditFixture(t)
	id1 := f.requestOK(f.request()).JobId
	id2 := f.requestOK(f.request()).JobId
	for i := 1; i <= 3; i++ {
		f.executor(fmt.Sprintf("v%d", i), bigStake)
	}
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(200))
	aliceBefore := f.bank.balance(f.alice)

	// one FRAUD verdict is below the quorum: honest; the VALID voters are rewarded, the outvoted FRAUD voter
	// is not and counts a missed audit
	job := f.submitAndDecide(id1)
	c := job.Audit.Committee
	verdicts := []types.Verdict{valid, fraud, valid}
	for i, m := range c {
		require.NoError(t, f.commit(id1, m, verdicts[i]))
	}
	for i, m := range c {
		require.NoError(t, f.reveal(id1, m, verdicts[i], ""))
	}
	f.endBlock()
	job = f.job(id1)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_HONEST, job.Audit.Outcome)
	require.Equal(t, types.FeeSplit{Executor: coin(749), Publisher: coin(107), VerifierPool: coin(107), CommunityPool: coin(107), Refund: coin(3930)}, *job.Settlement)
	require.Equal(t, aliceBefore.AddRaw(3930), f.bank.balance(f.alice))
	require.Equal(t, math.NewInt(749), f.bank.balance(addrOf("exec")))
	require.Equal(t, "0stake", job.Audit.Slashed.String())
	require.Empty(t, f.staking.slashes)
	for i, m := range c {
		want := int64(100)
		if verdicts[i] == fraud {
			want = 0
		}
		require.Equal(t, coin(want), job.Audit.Votes[i].Reward)
		require.Equal(t, math.NewInt(want), f.bank.balance(sdk.AccAddress(mustVal(f, m))))
		require.Equal(t, verdicts[i] == fraud, job.Audit.Votes[i].Outvoted)
	}
	require.Equal(t, math.NewInt(200+107-200), f.pool())
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, job.Executor))
	require.True(t, e.Active)
	require.Equal(t, uint64(1), e.CompletedJobs)

	// the pool pays what it has and never fails the block: 107 + 107 = 214 for three rewards of 100
	job = f.submitAndDecide(id2)
	c = job.Audit.Committee
	for _, m := range c {
		require.NoError(t, f.commit(id2, m, valid))
	}
	for _, m := range c {
		require.NoError(t, f.reveal(id2, m, valid, ""))
	}
	f.endBlock()
	job = f.job(id2)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status)
	require.Equal(t, []sdk.Coin{coin(100), coin(100), coin(14)}, []sdk.Coin{job.Audit.Votes[0].Reward, job.Audit.Votes[1].Reward, job.Audit.Votes[2].Reward})
	require.True(t, f.pool().IsZero())
	require.True(t, f.escrow().IsZero())
}

// A member that does not reveal gets no reward and counts a missed audit; a verdict that agrees with the
// outcome resets the count; at max_verifier_misses its validator is jailed (for jail_duration_seconds) and its
// executor deactivated.
func TestAuditMissedRevealsJail(t *testing.T) {
	f := newAuditFixture(t)
	var ids []uint64
	for i := 0; i < 6; i++ {
		ids = append(ids, f.requestOK(f.request()).JobId)
	}
	v1 := f.executor("v1", bigStake)
	v2 := f.executor("v2", bigStake)
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(1000))
	missed := func() uint64 {
		e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, v2))
		return e.MissedAudits
	}
	// v2's behaviour per job: "none" (never commits), "commit" (commits, never reveals), "reveal"
	plan := []string{"none", "reveal", "commit", "none", "commit"}
	wantMissed := []uint64{1, 0, 1, 2, 3}
	for i, what := range plan {
		id := ids[i]
		job := f.submitAndDecide(id)
		require.ElementsMatch(t, []string{v1, v2}, job.Audit.Committee)
		require.NoError(t, f.commit(id, v1, valid))
		if what != "none" {
			require.NoError(t, f.commit(id, v2, valid))
		}
		f.runUntil(job.Audit.CommitDeadline + 1)
		require.NoError(t, f.reveal(id, v1, valid, ""))
		if what == "reveal" {
			require.NoError(t, f.reveal(id, v2, valid, ""))
		}
		f.runUntil(job.Audit.RevealDeadline + 1)
		job = f.job(id)
		require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status, "job %d", id)
		// a silent member leaves one VALID verdict, below the quorum 2: inconclusive, settled; the VALID voter
		// is still paid (its verdict agrees with the settlement)
		wantOutcome := types.AuditOutcome_AUDIT_OUTCOME_INCONCLUSIVE
		if what == "reveal" {
			wantOutcome = types.AuditOutcome_AUDIT_OUTCOME_HONEST
		}
		require.Equal(t, wantOutcome, job.Audit.Outcome)
		require.Equal(t, wantMissed[i], missed(), "job %d", id)
		k := 0
		if job.Audit.Committee[1] == v2 {
			k = 1
		}
		require.Equal(t, coin(100), job.Audit.Votes[1-k].Reward)
		evs := f.typedEvents(evConcluded)
		if what == "reveal" {
			require.Equal(t, coin(100), job.Audit.Votes[k].Reward)
			require.Empty(t, jsonStrings(t, attr(evs[len(evs)-1], "missed")))
		} else {
			require.Equal(t, coin(0), job.Audit.Votes[k].Reward)
			require.Equal(t, []string{v2}, jsonStrings(t, attr(evs[len(evs)-1], "missed")))
		}
		if i < len(plan)-1 {
			require.Empty(t, f.staking.jails)
		}
	}
	// jailed at the third consecutive miss
	require.Len(t, f.staking.jails, 1)
	cons, err := f.staking.vals[string(mustVal(f, v2))].GetConsAddr()
	require.NoError(t, err)
	require.Equal(t, sdk.ConsAddress(cons), f.staking.jails[0])
	require.True(t, f.staking.vals[string(mustVal(f, v2))].Jailed)
	e, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, v2))
	require.False(t, e.Active)
	upd := f.typedEvents("inferchain.inference.v1.EventExecutorUpdated")
	require.Contains(t, attr(upd[len(upd)-1], "reason"), "missed or lost 3 consecutive audits (max_verifier_misses 3, last job 5: did not reveal a verdict); validator jailed until ")
	// jailed through x/slashing with a JailedUntil: MsgUnjail fails until jail_duration_seconds have passed
	require.ErrorIs(t, f.slashing.unjail(mustVal(f, v2).Bytes(), f.ctx.BlockTime()), slashingtypes.ErrValidatorJailed)
	e1, _, _ := f.k.GetExecutor(f.ctx, mustVal(f, v1))
	require.Equal(t, uint64(0), e1.MissedAudits)
	require.True(t, e1.Active)

	// the jailed verifier is off the next committee, which leaves v1 alone, below the quorum: unaudited
	job := f.submitAndDecide(ids[5])
	require.Empty(t, job.Audit.Committee)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE, job.Audit.Outcome)
}

func TestQueryJobsByVerifier(t *testing.T) {
	f := newAuditFixture(t)
	id1 := f.requestOK(f.request()).JobId
	id2 := f.requestOK(f.request()).JobId
	v1 := f.executor("v1", bigStake)
	v2 := f.executor("v2", bigStake)
	f.submitAndDecide(id1)
	v3 := f.executor("v3", bigStake)
	f.submitAndDecide(id2)
	require.ElementsMatch(t, []string{v1, v2}, f.job(id1).Audit.Committee)
	on := func(id uint64, v string) bool { return slicesContains(f.job(id).Audit.Committee, v) }
	var want3 []uint64
	if on(id2, v3) {
		want3 = []uint64{id2}
	}
	require.Equal(t, want3, ids(t, f, &types.QueryJobsRequest{Verifier: v3}))
	require.Equal(t, want3, ids(t, f, &types.QueryJobsRequest{Verifier: v3, Status: types.JobStatus_JOB_STATUS_AUDITING}))
	require.Empty(t, ids(t, f, &types.QueryJobsRequest{Verifier: v1, Status: types.JobStatus_JOB_STATUS_SETTLED}))
	require.Empty(t, ids(t, f, &types.QueryJobsRequest{Verifier: f.job(id1).Executor}))
	var want1 []uint64
	for _, id := range []uint64{id1, id2} {
		if on(id, v1) {
			want1 = append(want1, id)
		}
	}
	require.Equal(t, want1, ids(t, f, &types.QueryJobsRequest{Verifier: v1}))
	require.Equal(t, want1, ids(t, f, &types.QueryJobsRequest{Verifier: v1, Requester: f.acc(f.alice), Status: types.JobStatus_JOB_STATUS_AUDITING}))
	require.Empty(t, ids(t, f, &types.QueryJobsRequest{Verifier: v1, Requester: f.acc(f.bob)}))
	_, err := f.q.Jobs(f.ctx, &types.QueryJobsRequest{Verifier: f.acc(f.alice)})
	requireCode(t, err, codes.InvalidArgument, "verifier:")
	// kept after the audit concludes; the open-audit index (verifier + AUDITING) is not
	f.runUntil(f.job(id2).Audit.RevealDeadline + 1)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, f.job(id2).Status)
	require.Equal(t, want1, ids(t, f, &types.QueryJobsRequest{Verifier: v1}))
	require.Empty(t, ids(t, f, &types.QueryJobsRequest{Verifier: v1, Status: types.JobStatus_JOB_STATUS_AUDITING}))
	it, err := f.k.OpenAudits.Iterate(f.ctx, nil)
	require.NoError(t, err)
	keys, err := it.Keys()
	require.NoError(t, err)
	require.Empty(t, keys, "the open-audit index holds only AUDITING jobs")
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
