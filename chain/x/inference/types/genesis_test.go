package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

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
		{"duplicate job", func(gs *types.GenesisState) { gs.Jobs = append(gs.Jobs, job) }, "duplicate id 1"},
		{"pending without executor", func(gs *types.GenesisState) { gs.Jobs[0].Executor = "" }, "no executor"},
		{"submitted without result", func(gs *types.GenesisState) { gs.Jobs[0].Status = types.JobStatus_JOB_STATUS_RESULT_SUBMITTED }, "no executor or result"},
		{"settled without settlement", func(gs *types.GenesisState) { gs.Jobs[0].Status = types.JobStatus_JOB_STATUS_SETTLED }, "no settlement"},
		{"unknown status", func(gs *types.GenesisState) { gs.Jobs[0].Status = 0 }, "unknown status"},
		{"bad model", func(gs *types.GenesisState) { gs.Jobs[0].Model = "x" }, "model:"},
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
