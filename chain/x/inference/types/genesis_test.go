package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// auditingJob turns a pending job into one under audit by a committee of two (the first committed).
func auditingJob(j types.Job) types.Job {
	j.Status = types.JobStatus_JOB_STATUS_AUDITING
	j.Result = &types.Result{SubmittedHeight: 11}
	j.Audit = &types.Audit{
		DecidedHeight: 12, Outcome: types.AuditOutcome_AUDIT_OUTCOME_IN_PROGRESS,
		Committee: []string{"infervaloper1a", "infervaloper1b"}, Quorum: 2, CommitDeadline: 22, RevealDeadline: 32,
		Votes: []types.VerifierVote{
			{Verifier: "infervaloper1a", CommitHash: strings.Repeat("cd", 32), CommittedHeight: 14},
			{Verifier: "infervaloper1b"},
		},
	}
	return j
}

func TestGenesisValidate(t *testing.T) {
	require.NoError(t, types.DefaultGenesis().Validate())
	model := strings.Repeat("ab", 32)
	exec := types.Executor{Validator: "infervaloper1x", Sidecar: "infer1s", Models: []string{model}, Active: true}
	job := types.Job{Id: 1, Requester: "infer1r", Model: model, MaxFee: sdk.NewInt64Coin("uinfer", 5000),
		Status: types.JobStatus_JOB_STATUS_PENDING, Executor: "infervaloper1x"}
	valid := func() *types.GenesisState {
		return types.NewGenesisState(types.DefaultParams(), []types.Executor{exec}, []types.Job{job}, 2)
	}
	require.NoError(t, valid().Validate())
	// an executor whose only model was tombstoned: inactive with an empty list
	tombstoned := valid()
	tombstoned.Executors[0].Models, tombstoned.Executors[0].Active = nil, false
	require.NoError(t, tombstoned.Validate())
	withAudit := valid()
	withAudit.Jobs[0] = auditingJob(job)
	require.NoError(t, withAudit.Validate())

	for _, tc := range []struct {
		name string
		mod  func(gs *types.GenesisState)
		want string
	}{
		{"params", func(gs *types.GenesisState) { gs.Params.MaxAttempts = 0 }, "params"},
		{"next id", func(gs *types.GenesisState) { gs.NextJobId = 1 }, "jobs[0]: id 1 is not in [1, next_job_id=1)"},
		{"zero next id", func(gs *types.GenesisState) { gs.NextJobId = 0; gs.Jobs = nil }, "next_job_id"},
		{"duplicate executor", func(gs *types.GenesisState) {
			e := exec
			e.Sidecar = "infer1other"
			gs.Executors = append(gs.Executors, e)
		}, "duplicate validator"},
		{"shared sidecar", func(gs *types.GenesisState) {
			e := exec
			e.Validator = "infervaloper1y"
			gs.Executors = append(gs.Executors, e)
		}, "bound to two executors"},
		{"executor models", func(gs *types.GenesisState) { gs.Executors[0].Models = nil }, "models"},
		{"negative recorded power", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Result.ExecutorPower = -1
		}, "result.executor_power"},
		{"recorded tokens", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Result.ExecutorTokens = "12x"
		}, "result.executor_tokens"},
		{"tombstone model", func(gs *types.GenesisState) {
			gs.Tombstones = []types.ExecutorTombstone{{Validator: "infervaloper1x", Model: "x"}}
		}, "tombstones[0]: model"},
		{"duplicate tombstone", func(gs *types.GenesisState) {
			gs.Tombstones = []types.ExecutorTombstone{{Validator: "infervaloper1x", Model: model}, {Validator: "infervaloper1x", Model: model}}
		}, "duplicate tombstone"},
		{"entropy", func(gs *types.GenesisState) { gs.Entropy = []byte{1, 2} }, "entropy: must be empty or 32 bytes"},
		{"duplicate job", func(gs *types.GenesisState) { gs.Jobs = append(gs.Jobs, job) }, "duplicate id 1"},
		{"pending without executor", func(gs *types.GenesisState) { gs.Jobs[0].Executor = "" }, "no executor"},
		{"submitted without result", func(gs *types.GenesisState) { gs.Jobs[0].Status = types.JobStatus_JOB_STATUS_RESULT_SUBMITTED }, "no executor or result"},
		{"settled without settlement", func(gs *types.GenesisState) { gs.Jobs[0].Status = types.JobStatus_JOB_STATUS_SETTLED }, "no settlement"},
		{"unknown status", func(gs *types.GenesisState) { gs.Jobs[0].Status = 0 }, "unknown status"},
		{"bad model", func(gs *types.GenesisState) { gs.Jobs[0].Model = "x" }, "model:"},
		{"auditing without audit", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit = nil
		}, "no executor, result or audit"},
		{"in progress but settled", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Status = types.JobStatus_JOB_STATUS_SETTLED
			gs.Jobs[0].Settlement = &types.FeeSplit{}
		}, "does not match the job status"},
		{"auditing but concluded", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Outcome = types.AuditOutcome_AUDIT_OUTCOME_HONEST
		}, "does not match the job status"},
		{"no committee", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Committee, gs.Jobs[0].Audit.Votes = nil, nil
		}, "no committee"},
		{"member twice", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Committee[1] = gs.Jobs[0].Audit.Committee[0]
		}, "on the committee twice"},
		{"quorum above committee", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Quorum = 3
		}, "quorum: 3 is not in [1, 2]"},
		{"deadlines", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.RevealDeadline = gs.Jobs[0].Audit.CommitDeadline
		}, "reveal_deadline"},
		{"votes out of order", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			v := gs.Jobs[0].Audit.Votes
			v[0], v[1] = v[1], v[0]
		}, "votes[0]: verifier"},
		{"revealed without commit", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Votes[1].RevealedHeight = 30
			gs.Jobs[0].Audit.Votes[1].Verdict = types.Verdict_VERDICT_VALID
		}, "revealed without a commitment"},
		{"revealed without verdict", func(gs *types.GenesisState) {
			gs.Jobs[0] = auditingJob(job)
			gs.Jobs[0].Audit.Votes[0].RevealedHeight = 30
		}, "votes[0]: verdict:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs := valid()
			tc.mod(gs)
			err := gs.Validate()
			require.ErrorIs(t, err, types.ErrInvalidGenesis)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestMsgValidateBasic(t *testing.T) {
	model := strings.Repeat("ab", 32)
	req := types.MsgRequestInference{Requester: "infer1r", Model: model, Prompt: "hi", MaxTokens: 4, MaxFee: sdk.NewInt64Coin("uinfer", 1)}
	require.NoError(t, req.ValidateBasic()) // the fee minimum needs the params: checked by Validate
	require.ErrorContains(t, req.Validate(types.DefaultParams()), "max_fee: 1uinfer is below the minimum 1040uinfer for max_tokens=4")
	bad := req
	bad.Prompt = ""
	require.ErrorContains(t, bad.ValidateBasic(), "prompt: must not be empty")

	res := types.MsgSubmitResult{Sidecar: "infer1s", JobId: 1, Commitment: strings.Repeat("0", 64), FinishReason: "length"}
	require.NoError(t, res.ValidateBasic())
	res.JobId = 0
	require.ErrorContains(t, res.ValidateBasic(), "job_id")

	reg := types.MsgRegisterExecutor{Operator: "infer1o", Sidecar: "infer1s", Models: []string{model}, Endpoint: "http://a b"}
	require.ErrorContains(t, reg.ValidateBasic(), "endpoint:")
	upd := types.MsgUpdateExecutor{Operator: "infer1o"}
	require.NoError(t, upd.ValidateBasic())
}
