package keeper_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

func TestRegisterExecutor(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	e, found, err := f.k.GetExecutor(f.ctx, sdk.ValAddress(addrOf("val1")))
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, types.Executor{
		Validator: valStr, Sidecar: f.acc(sidecarOf("val1")), Models: []string{f.model},
		Endpoint: "http://val1:8080", Active: true, RegisteredHeight: 10,
	}, e)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventExecutorRegistered"), 1)

	revoked := f.addModel("old", registrytypes.ModelStatus_MODEL_STATUS_REVOKED)
	f.addValidator("val2", 100)
	unbonded := f.addValidator("val3", 100)
	v := f.staking.vals[string(unbonded)]
	v.Status = stakingtypes.Unbonded
	f.staking.vals[string(unbonded)] = v
	reg := func(op sdk.AccAddress, sidecar string, models ...string) func() error {
		return func() error {
			_, err := f.msg.RegisterExecutor(f.ctx, &types.MsgRegisterExecutor{Operator: f.acc(op), Sidecar: sidecar, Models: models})
			return err
		}
	}
	op2 := sdk.AccAddress(addrOf("val2"))
	free := f.acc(sidecarOf("val2"))
	f.requireRefused(reg(addrOf("nobody"), free, f.model), "operator:", "is not the operator of a validator")
	f.requireRefused(reg(unbonded, free, f.model), "operator:", "is not bonded")
	f.requireRefused(reg(addrOf("val1"), free, f.model), "operator:", "already has an executor")
	f.requireRefused(reg(op2, f.acc(sidecarOf("val1")), f.model), "sidecar:", "already bound to executor "+valStr)
	f.requireRefused(reg(op2, free, strings.Repeat("ab", 32)), "models[0]:", "is unknown")
	f.requireRefused(reg(op2, free, f.model, revoked), "models[1]:", "is revoked")
	f.requireRefused(reg(op2, free, f.model, f.model), "models[1]:", "is also models[0]")
	f.requireRefused(reg(op2, free), "models:", "at least one model")
	f.requireRefused(reg(op2, "infer1bad", f.model), "sidecar:", "not a valid account address")
	f.requireRefused(reg(op2, free, "xyz"), "models[0]:", "content root")
}

func TestUpdateExecutor(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	other := f.addModel("other", registrytypes.ModelStatus_MODEL_STATUS_ACTIVE)
	revoked := f.addModel("old", registrytypes.ModelStatus_MODEL_STATUS_REVOKED)
	op := f.acc(addrOf("val1"))
	upd := func(m *types.MsgUpdateExecutor) func() error {
		return func() error { _, err := f.msg.UpdateExecutor(f.ctx, m); return err }
	}

	// only an operator with an executor: another signer is refused
	f.addValidator("val2", 100)
	f.requireRefused(upd(&types.MsgUpdateExecutor{Operator: f.acc(addrOf("val2")), Active: true}), "operator:", "has no executor")
	// models are re-validated
	f.requireRefused(upd(&types.MsgUpdateExecutor{Operator: op, Models: []string{other, revoked}, Active: true}), "models[1]:", "is revoked")

	// replace models and endpoint; the model index follows
	require.NoError(t, upd(&types.MsgUpdateExecutor{Operator: op, Models: []string{other}, Endpoint: "http://new", Active: true})())
	res, err := f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.NoError(t, err)
	require.Empty(t, res.Executors)
	res, err = f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: other})
	require.NoError(t, err)
	require.Len(t, res.Executors, 1)
	require.Equal(t, "http://new", res.Executors[0].Endpoint)
	require.Equal(t, f.acc(sidecarOf("val1")), res.Executors[0].Sidecar, "empty sidecar keeps the current one")

	// deactivate: always allowed, even when a listed model was revoked since
	m := f.registry.models[other]
	m.Status = registrytypes.ModelStatus_MODEL_STATUS_REVOKED
	f.registry.models[other] = m
	require.NoError(t, upd(&types.MsgUpdateExecutor{Operator: op})())
	e, _, _ := f.k.GetExecutor(f.ctx, sdk.ValAddress(addrOf("val1")))
	require.False(t, e.Active)
	// reactivating re-checks the current model list
	f.requireRefused(upd(&types.MsgUpdateExecutor{Operator: op, Active: true}), "models[0]:", "is revoked")
	require.NoError(t, upd(&types.MsgUpdateExecutor{Operator: op, Models: []string{f.model}, Sidecar: f.acc(addrOf("newcar")), Active: true})())
	e, _, _ = f.k.GetExecutor(f.ctx, sdk.ValAddress(addrOf("val1")))
	require.True(t, e.Active)
	require.Equal(t, f.acc(addrOf("newcar")), e.Sidecar)
	require.Equal(t, valStr, e.Validator)
	evs := f.typedEvents("inferchain.inference.v1.EventExecutorUpdated")
	require.Len(t, evs, 3)
	require.Contains(t, attr(evs[1], "reason"), "deactivated by the operator")
}

func TestRequestInference(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	before := f.bank.balance(f.alice)
	res := f.requestOK(f.request())
	require.Equal(t, uint64(1), res.JobId)
	require.Equal(t, valStr, res.Executor)
	require.Equal(t, int64(30), res.DeadlineHeight)

	require.Equal(t, before.SubRaw(5000), f.bank.balance(f.alice))
	require.Equal(t, math.NewInt(5000), f.escrow())

	job := f.job(1)
	require.Equal(t, types.JobStatus_JOB_STATUS_PENDING, job.Status)
	require.Equal(t, f.acc(f.alice), job.Requester)
	require.Equal(t, uint32(1), job.Attempt)
	require.Equal(t, int64(10), job.CreatedHeight)
	require.Equal(t, int64(10), job.AssignedHeight)
	require.Equal(t, int64(30), job.DeadlineHeight)
	// no header hash in the unit-test context: the 8-byte big-endian height stands in for it
	require.Equal(t, types.DeriveSeed(types.JobIDBytes(10), 1), job.Seed)

	evs := f.typedEvents("inferchain.inference.v1.EventJobAssigned")
	require.Len(t, evs, 1)
	require.Equal(t, `"`+f.acc(sidecarOf("val1"))+`"`, attr(evs[0], "sidecar"))
	require.Equal(t, `"`+valStr+`"`, attr(evs[0], "executor"))

	// ids are sequential
	require.Equal(t, uint64(2), f.requestOK(f.request()).JobId)
}

func TestRequestInferenceUsesHeaderHash(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	hash := make([]byte, 32)
	hash[0] = 7
	f.ctx = f.ctx.WithHeaderHash(hash)
	f.requestOK(f.request())
	require.Equal(t, types.DeriveSeed(hash, 1), f.job(1).Seed)
}

func TestRequestInferenceRefusals(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	revoked := f.addModel("revoked", registrytypes.ModelStatus_MODEL_STATUS_REVOKED)
	deprecated := f.addModel("deprecated", registrytypes.ModelStatus_MODEL_STATUS_DEPRECATED)
	unserved := f.addModel("unserved", registrytypes.ModelStatus_MODEL_STATUS_ACTIVE)
	poor := addrOf("poor")
	f.bank.balances[string(poor)] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100))
	gov := authtypes.NewModuleAddress("gov")
	f.bank.blocked[string(gov)] = true

	for _, tc := range []struct {
		name string
		mod  func(m *types.MsgRequestInference)
		want []string
	}{
		{"unknown model", func(m *types.MsgRequestInference) { m.Model = strings.Repeat("cd", 32) }, []string{"model:", "is unknown"}},
		{"revoked model", func(m *types.MsgRequestInference) { m.Model = revoked }, []string{"model:", "is revoked"}},
		{"deprecated model", func(m *types.MsgRequestInference) { m.Model = deprecated }, []string{"model:", "is deprecated"}},
		{"malformed model", func(m *types.MsgRequestInference) { m.Model = "tiny@1.0" }, []string{"model:", "content root"}},
		{"no executor", func(m *types.MsgRequestInference) { m.Model = unserved }, []string{"no executor serves model " + unserved}},
		{"fee below minimum", func(m *types.MsgRequestInference) { m.MaxFee = sdk.NewInt64Coin(denom, 1639) },
			[]string{"max_fee:", "below the minimum 1640uinfer for max_tokens=64"}},
		{"fee denom", func(m *types.MsgRequestInference) { m.MaxFee = sdk.NewInt64Coin("stake", 5000) }, []string{"max_fee:", "denom must be uinfer"}},
		{"empty prompt", func(m *types.MsgRequestInference) { m.Prompt = "" }, []string{"prompt:", "must not be empty"}},
		{"prompt too long", func(m *types.MsgRequestInference) { m.Prompt = strings.Repeat("x", 16385) },
			[]string{"prompt:", "is 16385 bytes, the maximum is 16384"}},
		{"zero max_tokens", func(m *types.MsgRequestInference) { m.MaxTokens = 0 }, []string{"max_tokens:", "between 1 and 1024"}},
		{"max_tokens over limit", func(m *types.MsgRequestInference) { m.MaxTokens = 1025 }, []string{"max_tokens:", "got 1025"}},
		{"temperature", func(m *types.MsgRequestInference) { m.TemperatureMilli = 5001 }, []string{"temperature_milli:", "at most 5000"}},
		{"top_k", func(m *types.MsgRequestInference) { m.TopK = 1001 }, []string{"top_k:", "at most 1000"}},
		{"bad requester", func(m *types.MsgRequestInference) { m.Requester = "cosmos1xyz" }, []string{"requester:"}},
		{"blocked requester", func(m *types.MsgRequestInference) { m.Requester = f.acc(gov) }, []string{"requester:", "blocked"}},
		{"insufficient funds", func(m *types.MsgRequestInference) { m.Requester = f.acc(poor) }, []string{"max_fee:", "insufficient funds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := f.request()
			tc.mod(m)
			f.requireRefused(func() error { _, err := f.msg.RequestInference(f.ctx, m); return err }, tc.want...)
		})
	}
	// nothing was created: the first accepted request still gets id 1
	require.Equal(t, uint64(1), f.requestOK(f.request()).JobId)
}

func TestSubmitResult(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	f.executor("val2", 100)
	id := f.requestOK(f.request()).JobId
	assigned := f.sidecarFor(id)
	other := f.acc(sidecarOf("val1"))
	if other == assigned {
		other = f.acc(sidecarOf("val2"))
	}
	submit := func(m *types.MsgSubmitResult) func() error {
		return func() error { _, err := f.msg.SubmitResult(f.ctx, m); return err }
	}

	f.requireRefused(submit(f.result(id, other, 3)), "sidecar: "+other+" is not the account of the assigned executor", "of job 1")
	f.requireRefused(submit(f.result(99, assigned, 3)), "job_id:", "job 99 not found")
	f.requireRefused(submit(f.result(id, assigned, 65)), "output_token_ids:", "has 65 tokens, the job's max_tokens is 64")
	bad := f.result(id, assigned, 3)
	bad.Commitment = "ABCD"
	f.requireRefused(submit(bad), "commitment:", "64 lowercase hex")
	bad = f.result(id, assigned, 3)
	bad.FinishReason = "stop"
	f.requireRefused(submit(bad), "finish_reason:", `"eos" or "length"`)
	bad = f.result(id, assigned, 3)
	bad.OutputText = strings.Repeat("y", 65537)
	f.requireRefused(submit(bad), "output_text:", "the maximum is 65536")

	// after the deadline (height 30): refused
	deadline := f.job(id).DeadlineHeight
	f.ctx = f.ctx.WithBlockHeight(deadline + 1)
	f.requireRefused(submit(f.result(id, assigned, 3)), "deadline passed at height 30")
	// at the deadline: accepted
	f.ctx = f.ctx.WithBlockHeight(deadline)
	require.NoError(t, submit(f.result(id, assigned, 3))())
	job := f.job(id)
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, job.Status)
	require.Equal(t, assigned, job.Result.SubmittedBy)
	require.Equal(t, deadline, job.Result.SubmittedHeight)
	require.Equal(t, []uint32{100, 101, 102}, job.Result.OutputTokenIds)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventResultSubmitted"), 1)

	// duplicate
	f.requireRefused(submit(f.result(id, assigned, 3)), "job 1 already has a result")
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.DeadlineBlocks = 5
	f.requireRefused(func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.acc(f.alice), Params: p})
		return err
	}, "authority:", "expected "+f.authority)
	bad := p
	bad.ExecutorShare = "0.8"
	f.requireRefused(func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: bad})
		return err
	}, "must be exactly 1")
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	got, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, uint32(5), got.Params.DeadlineBlocks)
}

// A requester may choose the sampling seed (MsgRequestInference.seed): it becomes the job's seed, 0 included
// (the wrapper tells "no seed" from "seed 0"), and does not depend on the block; without it the chain derives one.
func TestRequestInferenceClientSeed(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	for i, seed := range []uint64{0, 42, ^uint64(0)} {
		f.ctx = f.ctx.WithHeaderHash(bytes.Repeat([]byte{byte(i + 1)}, 32))
		m := f.request()
		m.Seed = &types.ClientSeed{Value: seed}
		id := f.requestOK(m).JobId
		job := f.job(id)
		require.Equal(t, seed, job.Seed, "seed %d", seed)
		require.True(t, job.ClientSeed)
	}
	hash := bytes.Repeat([]byte{9}, 32)
	f.ctx = f.ctx.WithHeaderHash(hash)
	id := f.requestOK(f.request()).JobId
	require.Equal(t, types.DeriveSeed(hash, id), f.job(id).Seed)
	require.False(t, f.job(id).ClientSeed)
}

// Attack: a requester picks seeds to steer which executor is drawn (e.g. onto a colluding one). The draw reads
// the block hash and the job id only, so every seed draws the executor that no seed draws.
func TestClientSeedDoesNotSteerAssignment(t *testing.T) {
	hash := bytes.Repeat([]byte{3}, 32)
	drawn := func(seed *types.ClientSeed) string {
		f := newFixture(t)
		for _, v := range []string{"val1", "val2", "val3", "val4"} {
			f.executor(v, 100)
		}
		f.ctx = f.ctx.WithHeaderHash(hash)
		m := f.request()
		m.Seed = seed
		return f.requestOK(m).Executor
	}
	want := drawn(nil)
	for s := uint64(0); s < 16; s++ {
		require.Equal(t, want, drawn(&types.ClientSeed{Value: s}), "seed %d", s)
	}
}
