package keeper_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
	"github.com/inferchain/inferchain/chain/x/training/types"
)

// member is a committee candidate: its validator (operator account = reward payee) and sidecar.
type member struct {
	valoper, sidecar string
	operator         sdk.AccAddress
}

// auditFixture: the training fixture plus three other executors serving the base and params that audit every
// result (p = 1) with a committee of 3, quorum 2, commit 5 + reveal 5 blocks, reward 10, slash 5 %.
type auditFixture struct {
	*fixture
	members []member
	jobID   uint64
	salts   map[string][]byte
}

func newAuditFixture(t *testing.T) *auditFixture {
	f := newFixture(t)
	a := &auditFixture{fixture: f, salts: map[string][]byte{}}
	for _, b := range []byte{'x', 'y', 'z'} {
		op := sdk.AccAddress(bytes.Repeat([]byte{b}, 20))
		valoper := sdk.ValAddress(op).String()
		sc := sdk.AccAddress(bytes.Repeat([]byte{b + 1}, 20)).String()
		e := inferencetypes.Executor{Validator: valoper, Sidecar: sc, Models: []string{f.base}, Active: true}
		f.inf.executors[valoper] = e
		f.inf.verifiers = append(f.inf.verifiers, e)
		a.members = append(a.members, member{valoper, sc, op})
	}
	// the job's own executor is an eligible executor too: it must never sit on its own committee
	f.inf.verifiers = append(f.inf.verifiers, f.inf.executors[f.valoper])
	p := types.DefaultParams()
	p.AuditProbability = "1.000000000000000000"
	p.CommitteeSize, p.Quorum, p.CommitBlocks, p.RevealBlocks = 3, 2, 5, 5
	p.VerifierReward = sdk.NewInt64Coin(denom, 10)
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	return a
}

// submit requests a job, submits its result at height 20 and runs the EndBlocker of block 21 (the decision).
func (a *auditFixture) submit() types.TrainingJob {
	t := a.t
	res, err := a.msg.RequestTraining(a.ctx, a.request())
	require.NoError(t, err)
	a.jobID = res.JobId
	a.ctx = a.ctx.WithBlockHeight(20)
	_, err = a.msg.SubmitTrainingResult(a.ctx, a.result(res.JobId))
	require.NoError(t, err)
	a.ctx = a.ctx.WithBlockHeight(21)
	require.NoError(t, a.k.EndBlocker(a.ctx))
	return a.job()
}

func (a *auditFixture) job() types.TrainingJob {
	j, found, err := a.k.GetJob(a.ctx, a.jobID)
	require.NoError(a.t, err)
	require.True(a.t, found)
	return j
}

func (a *auditFixture) memberOf(valoper string) member {
	for _, m := range a.members {
		if m.valoper == valoper {
			return m
		}
	}
	a.t.Fatalf("%s is not a test member", valoper)
	return member{}
}

func (a *auditFixture) commit(valoper string, v types.TrainingVerdict) error {
	salt := bytes.Repeat([]byte{valoper[len(valoper)-1]}, 32)
	a.salts[valoper] = salt
	_, err := a.msg.CommitTrainingVerdict(a.ctx, &types.MsgCommitTrainingVerdict{Sidecar: a.memberOf(valoper).sidecar, JobId: a.jobID, CommitHash: types.VerdictCommitHash(a.jobID, v, salt, valoper)})
	return err
}

func (a *auditFixture) reveal(valoper string, v types.TrainingVerdict, reason string) error {
	_, err := a.msg.RevealTrainingVerdict(a.ctx, &types.MsgRevealTrainingVerdict{Sidecar: a.memberOf(valoper).sidecar, JobId: a.jobID, Verdict: v, Salt: hexOf(a.salts[valoper]), Reason: reason})
	return err
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// vote commits every verdict, then reveals those with reveal = true, then ends the block.
func (a *auditFixture) vote(verdicts []types.TrainingVerdict, reveal []bool) types.TrainingJob {
	j := a.job()
	for i, m := range j.Audit.Committee {
		require.NoError(a.t, a.commit(m, verdicts[i]))
	}
	a.ctx = a.ctx.WithBlockHeight(22)
	for i, m := range j.Audit.Committee {
		if reveal[i] {
			require.NoError(a.t, a.reveal(m, verdicts[i], "replayed"))
		}
	}
	if all(reveal) {
		require.NoError(a.t, a.k.EndBlocker(a.ctx))
	} else {
		a.ctx = a.ctx.WithBlockHeight(j.Audit.RevealDeadline)
		require.NoError(a.t, a.k.EndBlocker(a.ctx))
	}
	return a.job()
}

func all(b []bool) bool {
	for _, x := range b {
		if !x {
			return false
		}
	}
	return true
}

var (
	match    = types.TrainingVerdict_TRAINING_VERDICT_MATCH
	mismatch = types.TrainingVerdict_TRAINING_VERDICT_MISMATCH
	abstain  = types.TrainingVerdict_TRAINING_VERDICT_ABSTAIN
)

func TestAudit_DecidedInALaterBlock_CommitteeExcludesExecutor_IntervalFromEntropy(t *testing.T) {
	a := newAuditFixture(t)
	res, err := a.msg.RequestTraining(a.ctx, a.request())
	require.NoError(t, err)
	a.jobID = res.JobId
	a.ctx = a.ctx.WithBlockHeight(20)
	_, err = a.msg.SubmitTrainingResult(a.ctx, a.result(res.JobId))
	require.NoError(t, err)
	require.NoError(t, a.k.EndBlocker(a.ctx))
	require.Nil(t, a.job().Audit, "nothing is decided in the result's own block: its entropy is not fixed yet")
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_SUBMITTED, a.job().Status)

	a.ctx = a.ctx.WithBlockHeight(21)
	require.NoError(t, a.k.EndBlocker(a.ctx))
	j := a.job()
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_AUDITING, j.Status)
	au := j.Audit
	require.Len(t, au.Committee, 3)
	require.NotContains(t, au.Committee, a.valoper, "the executor never audits itself")
	draw := types.AuditDraw([]byte("entropy"), a.jobID)
	require.Equal(t, types.IntervalIndex(draw, 4), au.Interval, "interval from the deciding block's entropy")
	require.Equal(t, au.Interval*10, au.FromStep)
	require.Equal(t, au.FromStep+10, au.ToStep)
	require.Equal(t, int64(26), au.CommitDeadline)
	require.Equal(t, int64(31), au.RevealDeadline)
	require.Equal(t, int64(0), a.bank.bal(a.operator).Int64(), "fee escrowed during the audit")
	// the committee's sidecars find their seats
	for _, m := range au.Committee {
		r, err := a.q.TrainingAudits(a.ctx, &types.QueryTrainingAuditsRequest{Verifier: m})
		require.NoError(t, err)
		require.Len(t, r.Jobs, 1)
	}
	r, err := a.q.TrainingAudits(a.ctx, &types.QueryTrainingAuditsRequest{Verifier: a.valoper})
	require.NoError(t, err)
	require.Empty(t, r.Jobs)
}

func TestIntervalIndex_CoversEveryIntervalAndDependsOnEntropy(t *testing.T) {
	seen := map[uint64]bool{}
	for i := 0; i < 200; i++ {
		x := types.IntervalIndex(types.AuditDraw([]byte{byte(i)}, 1), 4)
		require.Less(t, x, uint64(4))
		seen[x] = true
	}
	require.Len(t, seen, 4, "every interval can be drawn: an executor cannot count on an unchecked one")
}

func TestAudit_DeferredWhileTheProposerIsConflicted(t *testing.T) {
	a := newAuditFixture(t)
	a.inf.deferAll = true
	j := a.submit()
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_SUBMITTED, j.Status)
	require.Nil(t, j.Audit)
	a.inf.deferAll = false
	a.ctx = a.ctx.WithBlockHeight(22)
	require.NoError(t, a.k.EndBlocker(a.ctx))
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_AUDITING, a.job().Status)
}

func TestAudit_Honest_SettlesPaysExecutorAndRevealers(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{match, match, match}, []bool{true, true, true})
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_HONEST, j.Audit.Outcome)
	require.Equal(t, int64(22), j.Audit.ConcludedHeight, "concluded in the block of the last reveal")
	for _, m := range a.members {
		require.Equal(t, int64(10), a.bank.bal(m.operator).Int64(), "each MATCH revealer paid verifier_reward from the escrow")
	}
	require.Equal(t, int64(70), a.bank.bal(a.operator).Int64(), "the executor gets the rest of max_fee")
	require.Empty(t, a.inf.punished)
	child, _, _ := a.reg.GetModel(a.ctx, j.Result.ChildModel)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, child.Status)
}

// The executor posted a forged checkpoint k+K: the replay does not reproduce it and the committee says so.
func TestAudit_ForgedCheckpoint_SlashesRefundsRevokes(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{mismatch, mismatch, match}, []bool{true, true, true})
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_FRAUD, j.Status)
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_FRAUD, j.Audit.Outcome)
	require.Len(t, a.inf.punished, 1)
	p := a.inf.punished[0]
	require.Equal(t, a.valoper, p.valoper)
	require.Equal(t, int64(20), p.height, "slashed for an infraction at the submission height")
	require.Equal(t, int64(7), p.power, "from the stake recorded at submission")
	require.Equal(t, math.LegacyMustNewDecFromStr("0.05"), p.fraction)
	require.Equal(t, "stake", j.Audit.Slashed.Denom)
	require.Equal(t, int64(350_000), j.Audit.Slashed.Amount.Int64())
	require.Equal(t, int64(1000), a.bank.bal(a.aliceAddr).Int64(), "requester refunded in full")
	require.Equal(t, int64(0), a.bank.bal(a.operator).Int64(), "executor unpaid")
	child, _, _ := a.reg.GetModel(a.ctx, j.Result.ChildModel)
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_REVOKED, child.Status, "the forged child does not stay active")
	// the MISMATCH revealers are paid from the verifier pool, the outvoted MATCH one is not and counts a miss
	for i, m := range j.Audit.Committee {
		op := a.memberOf(m).operator
		if j.Audit.Votes[i].Verdict == mismatch {
			require.Equal(t, int64(10), a.inf.poolPaid[string(op)].Int64())
		} else {
			require.True(t, j.Audit.Votes[i].Outvoted)
			require.Equal(t, 1, a.inf.misses[string(op)])
			_, paid := a.inf.poolPaid[string(op)]
			require.False(t, paid)
		}
	}
}

// Withholding the state at k: the committee cannot replay and votes MISMATCH (README: withholding is fraud).
func TestAudit_WithheldCheckpointState_IsFraud(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.job()
	for _, m := range j.Audit.Committee {
		require.NoError(t, a.commit(m, mismatch))
	}
	a.ctx = a.ctx.WithBlockHeight(22)
	for _, m := range j.Audit.Committee {
		require.NoError(t, a.reveal(m, mismatch, "withheld: the executor did not serve the state at step k"))
	}
	require.NoError(t, a.k.EndBlocker(a.ctx))
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_FRAUD, a.job().Status)
	require.Len(t, a.inf.punished, 1)
}

// A lying verifier (MISMATCH on an honest result) is outvoted: nobody is slashed, the liar is unpaid and counted.
func TestAudit_LyingVerifier_Outvoted(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{mismatch, match, match}, []bool{true, true, true})
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	require.Empty(t, a.inf.punished)
	liar := a.memberOf(j.Audit.Committee[0]).operator
	require.True(t, j.Audit.Votes[0].Outvoted)
	require.Equal(t, int64(0), a.bank.bal(liar).Int64())
	require.Equal(t, 1, a.inf.misses[string(liar)])
	require.Equal(t, int64(80), a.bank.bal(a.operator).Int64())
}

// A single lying verifier cannot slash: one MISMATCH with the others silent is below quorum.
func TestAudit_SingleMismatchBelowQuorum_NeverSlashes(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{mismatch, match, match}, []bool{true, false, false})
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_INCONCLUSIVE, j.Audit.Outcome)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	require.Empty(t, a.inf.punished)
	require.Equal(t, int64(100), a.bank.bal(a.operator).Int64(), "inconclusive: settled, nobody rewarded")
}

func TestAudit_NonRevealersUnpaidAndCounted(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{match, match, match}, []bool{true, true, false})
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_HONEST, j.Audit.Outcome)
	require.Equal(t, j.Audit.RevealDeadline, j.Audit.ConcludedHeight)
	silent := a.memberOf(j.Audit.Committee[2]).operator
	require.Equal(t, int64(0), a.bank.bal(silent).Int64())
	require.Equal(t, 1, a.inf.misses[string(silent)])
	require.Equal(t, int64(80), a.bank.bal(a.operator).Int64(), "the unpaid share goes to the executor")
	for _, i := range []int{0, 1} {
		require.Equal(t, int64(10), a.bank.bal(a.memberOf(j.Audit.Committee[i]).operator).Int64())
	}
}

func TestAudit_VotesAfterDeadlinesRefused(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.job()
	m := j.Audit.Committee
	require.NoError(t, a.commit(m[0], match))
	a.ctx = a.ctx.WithBlockHeight(j.Audit.CommitDeadline + 1)
	require.ErrorIs(t, a.commit(m[1], match), types.ErrDeadlinePassed, "commit after the commit deadline")
	require.ErrorIs(t, a.reveal(m[1], match, ""), types.ErrAuditPhase, "no commit, no reveal")
	a.ctx = a.ctx.WithBlockHeight(j.Audit.RevealDeadline + 1)
	before := a.state()
	require.ErrorIs(t, a.reveal(m[0], match, ""), types.ErrDeadlinePassed, "a replay revealed after the deadline is refused")
	require.Equal(t, before, a.state())
}

func TestAudit_OnlyCommitteeMembersVote_OnceEach_SaltMustOpen(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.job()
	// the executor itself, and a stranger
	for _, sc := range []string{a.sidecar, a.bob} {
		_, err := a.msg.CommitTrainingVerdict(a.ctx, &types.MsgCommitTrainingVerdict{Sidecar: sc, JobId: a.jobID, CommitHash: types.VerdictCommitHash(a.jobID, match, make([]byte, 32), a.valoper)})
		require.ErrorIs(t, err, types.ErrUnauthorized)
	}
	m := j.Audit.Committee
	require.NoError(t, a.commit(m[0], match))
	require.ErrorIs(t, a.commit(m[0], mismatch), types.ErrDuplicate)
	require.ErrorIs(t, a.reveal(m[0], match, ""), types.ErrAuditPhase, "reveal waits for the commit phase")
	require.NoError(t, a.commit(m[1], mismatch))
	require.NoError(t, a.commit(m[2], match))
	// everyone committed: reveal phase open; the verdict must be the committed one
	before := a.state()
	require.ErrorIs(t, a.reveal(m[1], match, ""), types.ErrInvalidField, "revealing another verdict than the committed one")
	require.Equal(t, before, a.state())
	require.NoError(t, a.reveal(m[1], mismatch, ""))
	require.ErrorIs(t, a.reveal(m[1], mismatch, ""), types.ErrDuplicate)
	_, err := a.msg.RevealTrainingVerdict(a.ctx, &types.MsgRevealTrainingVerdict{Sidecar: a.bob, JobId: a.jobID, Verdict: match, Salt: hexOf(make([]byte, 32))})
	require.ErrorIs(t, err, types.ErrUnauthorized)
	require.ErrorIs(t, func() error {
		_, err := a.msg.RevealTrainingVerdict(a.ctx, &types.MsgRevealTrainingVerdict{Sidecar: a.memberOf(m[2]).sidecar, JobId: a.jobID, Verdict: 0, Salt: hexOf(a.salts[m[2]])})
		return err
	}(), types.ErrInvalidField)
}

func TestAudit_AbstainCountsForNeitherSide(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	j := a.vote([]types.TrainingVerdict{abstain, mismatch, mismatch}, []bool{true, true, true})
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_FRAUD, j.Audit.Outcome)
	abst := a.memberOf(j.Audit.Committee[0]).operator
	require.Equal(t, 0, a.inf.misses[string(abst)])
	_, paid := a.inf.poolPaid[string(abst)]
	require.False(t, paid)
}

func TestAudit_NotSelected_SettlesAtOnce(t *testing.T) {
	a := newAuditFixture(t)
	p, _ := a.k.GetParams(a.ctx)
	p.AuditProbability = "0.000000000000000000"
	require.NoError(t, a.k.Params.Set(a.ctx, p))
	j := a.submit()
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j.Status)
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_NOT_SELECTED, j.Audit.Outcome)
	require.Equal(t, int64(100), a.bank.bal(a.operator).Int64())
}

func TestAudit_GenesisRoundTripMidAudit(t *testing.T) {
	a := newAuditFixture(t)
	a.submit()
	gs, err := a.k.ExportGenesis(a.ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	rgs, err := a.reg.ExportGenesis(a.ctx)
	require.NoError(t, err)
	g := newAuditFixture(t)
	g.bank.balances[string(authtypes.NewModuleAddress(types.ModuleName))] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100))
	require.NoError(t, g.reg.InitGenesis(g.ctx, rgs))
	require.NoError(t, g.k.InitGenesis(g.ctx, gs))
	g.jobID = a.jobID
	child := g.job().Result.ChildModel
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_PENDING, g.model(child).Status, "the child stays pending across export/import")
	for _, m := range g.job().Audit.Committee {
		r, err := g.q.TrainingAudits(g.ctx, &types.QueryTrainingAuditsRequest{Verifier: m})
		require.NoError(t, err)
		require.Len(t, r.Jobs, 1, "committee index rebuilt")
	}
	g.ctx = g.ctx.WithBlockHeight(g.job().Audit.RevealDeadline)
	require.NoError(t, g.k.EndBlocker(g.ctx))
	require.Equal(t, types.TrainingAuditOutcome_TRAINING_AUDIT_OUTCOME_INCONCLUSIVE, g.job().Audit.Outcome, "audit queue rebuilt: concluded at its deadline")
	require.Equal(t, registrytypes.ModelStatus_MODEL_STATUS_ACTIVE, g.model(child).Status, "settled after import: the child is active")
}

func TestParams_AuditValidation(t *testing.T) {
	for name, mut := range map[string]func(p *types.Params){
		"quorum 0":               func(p *types.Params) { p.Quorum = 0 },
		"quorum above committee": func(p *types.Params) { p.Quorum = p.CommitteeSize + 1 },
		"probability above 1":    func(p *types.Params) { p.AuditProbability = "1.5" },
		"bad slash fraction":     func(p *types.Params) { p.SlashFraction = "x" },
		"no commit window":       func(p *types.Params) { p.CommitBlocks = 0 },
		"huge committee":         func(p *types.Params) { p.CommitteeSize = 100 },
		"bad reward":             func(p *types.Params) { p.VerifierReward = sdk.Coin{Denom: "", Amount: math.NewInt(1)} },
	} {
		p := types.DefaultParams()
		mut(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}
	require.NoError(t, types.DefaultParams().Validate())
}
