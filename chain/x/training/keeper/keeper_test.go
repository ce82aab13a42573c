package keeper_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	inferencekeeper "github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
	registrykeeper "github.com/inferchain/inferchain/chain/x/registry/keeper"
	registrymodule "github.com/inferchain/inferchain/chain/x/registry/module"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
	"github.com/inferchain/inferchain/chain/x/training/keeper"
	trainingmodule "github.com/inferchain/inferchain/chain/x/training/module"
	"github.com/inferchain/inferchain/chain/x/training/types"
)

const denom = "uinfer"

func TestMain(m *testing.M) {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount("infer", "inferpub")
	cfg.SetBech32PrefixForValidator("infervaloper", "infervaloperpub")
	os.Exit(m.Run())
}

type fakeBank struct{ balances map[string]sdk.Coins }

func (b *fakeBank) send(from, to sdk.AccAddress, amt sdk.Coins) error {
	bal := b.balances[string(from)]
	rest, neg := bal.SafeSub(amt...)
	if neg {
		return sdkerrors.ErrInsufficientFunds.Wrapf("balance %s is smaller than %s", bal, amt)
	}
	b.balances[string(from)] = rest
	b.balances[string(to)] = b.balances[string(to)].Add(amt...)
	return nil
}
func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, m string, amt sdk.Coins) error {
	return b.send(from, authtypes.NewModuleAddress(m), amt)
}
func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, m string, to sdk.AccAddress, amt sdk.Coins) error {
	return b.send(authtypes.NewModuleAddress(m), to, amt)
}
func (b *fakeBank) BlockedAddr(addr sdk.AccAddress) bool {
	return bytes.Equal(addr, authtypes.NewModuleAddress(types.ModuleName))
}
func (b *fakeBank) bal(a sdk.AccAddress) math.Int { return b.balances[string(a)].AmountOf(denom) }

type fakeAccounts struct{}

func (fakeAccounts) GetModuleAddress(m string) sdk.AccAddress { return authtypes.NewModuleAddress(m) }

// fakeInference serves one executor per model (or none): assignment itself is x/inference's and tested there.
type fakeInference struct {
	byModel   map[string]inferencetypes.Executor
	executors map[string]inferencetypes.Executor
	drawn     []uint64

	// audits
	verifiers []inferencetypes.Executor // eligible executors serving the base (EligibleExecutors filters exclude)
	entropy   []byte
	deferAll  bool
	power     int64
	punished  []punishCall
	poolPaid  map[string]math.Int
	misses    map[string]int
	resets    map[string]int
}

type punishCall struct {
	valoper         string
	height, power   int64
	fraction        math.LegacyDec
	what, reasonTxt string
}

func (f *fakeInference) EligibleExecutors(_ context.Context, model string, exclude map[string]bool) ([]inferencekeeper.Candidate, error) {
	var out []inferencekeeper.Candidate
	for _, e := range f.verifiers {
		if !exclude[e.Validator] {
			out = append(out, inferencekeeper.Candidate{Executor: e, Weight: math.NewInt(10)})
		}
	}
	return out, nil
}
func (f *fakeInference) CurrentEntropy(context.Context) ([]byte, error) { return f.entropy, nil }
func (f *fakeInference) DeferAuditDecision(context.Context, string, int64, []inferencekeeper.Candidate) (bool, uint32, error) {
	return f.deferAll, 0, nil
}
func (f *fakeInference) ValidatorPower(context.Context, sdk.ValAddress) int64 { return f.power }
func (f *fakeInference) BondDenom(context.Context) (string, error)            { return "stake", nil }
func (f *fakeInference) PunishFraud(_ context.Context, valoper string, h, power int64, fraction math.LegacyDec, what, reason string) (math.Int, string, error) {
	f.punished = append(f.punished, punishCall{valoper, h, power, fraction, what, reason})
	return fraction.MulInt64(power * 1_000_000).TruncateInt(), "", nil
}
func (f *fakeInference) PayVerifierReward(_ context.Context, to sdk.AccAddress, want sdk.Coin) (sdk.Coin, error) {
	if f.poolPaid == nil {
		f.poolPaid = map[string]math.Int{}
	}
	cur, ok := f.poolPaid[string(to)]
	if !ok {
		cur = math.ZeroInt()
	}
	f.poolPaid[string(to)] = cur.Add(want.Amount)
	return want, nil
}
func (f *fakeInference) CountVerifierMiss(_ context.Context, val sdk.ValAddress, _ string) error {
	f.misses[string(val)]++
	return nil
}
func (f *fakeInference) ResetVerifierMisses(_ context.Context, val sdk.ValAddress) error {
	f.resets[string(val)]++
	return nil
}

func (f *fakeInference) PickExecutor(_ context.Context, model string, jobID uint64, _ map[string]bool) (inferencekeeper.Candidate, bool, error) {
	f.drawn = append(f.drawn, jobID)
	e, ok := f.byModel[model]
	return inferencekeeper.Candidate{Executor: e, Weight: math.OneInt()}, ok, nil
}
func (f *fakeInference) AddExecutorModel(_ context.Context, val sdk.ValAddress, model string) error {
	for k, e := range f.executors {
		if bz, _ := sdk.ValAddressFromBech32(e.Validator); bytes.Equal(bz, val) {
			e.Models = append(e.Models, model)
			f.executors[k] = e
			return nil
		}
	}
	return fmt.Errorf("no executor")
}
func (f *fakeInference) GetExecutor(_ context.Context, val sdk.ValAddress) (inferencetypes.Executor, bool, error) {
	for _, e := range f.executors {
		if bz, _ := sdk.ValAddressFromBech32(e.Validator); bytes.Equal(bz, val) {
			return e, true, nil
		}
	}
	return inferencetypes.Executor{}, false, nil
}

type fixture struct {
	t                   *testing.T
	ctx                 sdk.Context
	key                 *storetypes.KVStoreKey
	k                   keeper.Keeper
	msg                 types.MsgServer
	q                   types.QueryServer
	reg                 registrykeeper.Keeper
	bank                *fakeBank
	inf                 *fakeInference
	alice, sidecar, bob string
	aliceAddr, operator sdk.AccAddress
	valoper             string
	base, dataset       string
}

func root(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func files(seed string) ([]registrytypes.ArtifactFile, string) {
	fs := []registrytypes.ArtifactFile{{Path: "config.json", Size_: 10, Root: root(seed + "c")}, {Path: "model.onnx", Size_: 1000, Root: root(seed + "m")}}
	r, err := registrytypes.ComputeContentRoot(fs)
	if err != nil {
		panic(err)
	}
	return fs, r
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	regKey := storetypes.NewKVStoreKey(registrytypes.StoreKey)
	tctx := testutil.DefaultContextWithKeys(map[string]*storetypes.KVStoreKey{"t": key, "r": regKey}, map[string]*storetypes.TransientStoreKey{"x": storetypes.NewTransientStoreKey("x")}, nil)
	ctx := tctx.WithBlockHeight(10)
	enc := moduletestutil.MakeTestEncodingConfig(registrymodule.AppModuleBasic{}, trainingmodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	vc := addresscodec.NewBech32Codec("infervaloper")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	reg := registrykeeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(regKey), ac, authority)
	require.NoError(t, reg.InitGenesis(ctx, registrytypes.DefaultGenesis()))

	acct := func(b byte) (string, sdk.AccAddress) {
		a := sdk.AccAddress(bytes.Repeat([]byte{b}, 20))
		s, err := ac.BytesToString(a)
		require.NoError(t, err)
		return s, a
	}
	alice, aliceAddr := acct('a')
	bob, _ := acct('b')
	sidecar, _ := acct('s')
	_, operator := acct('o')
	valoper, err := vc.BytesToString(operator)
	require.NoError(t, err)

	f := &fixture{t: t, ctx: ctx, key: key, reg: reg, alice: alice, aliceAddr: aliceAddr, bob: bob, sidecar: sidecar, operator: operator, valoper: valoper}
	rmsg := registrykeeper.NewMsgServerImpl(reg)
	baseFiles, base := files("base")
	_, err = rmsg.RegisterModel(ctx, &registrytypes.MsgRegisterModel{Publisher: bob, ContentRoot: base, Name: "tiny", Version: "1", Format: "inferchain-onnx-llama", Files: baseFiles})
	require.NoError(t, err)
	dsFiles, ds := files("data")
	_, err = rmsg.RegisterDataset(ctx, &registrytypes.MsgRegisterDataset{Publisher: bob, ContentRoot: ds, Name: "qa", Version: "1", Files: dsFiles})
	require.NoError(t, err)
	f.base, f.dataset = base, ds

	exec := inferencetypes.Executor{Validator: valoper, Sidecar: sidecar, Models: []string{base}, Active: true}
	f.inf = &fakeInference{byModel: map[string]inferencetypes.Executor{base: exec}, executors: map[string]inferencetypes.Executor{valoper: exec},
		entropy: []byte("entropy"), power: 7, misses: map[string]int{}, resets: map[string]int{}}
	f.bank = &fakeBank{balances: map[string]sdk.Coins{string(aliceAddr): sdk.NewCoins(sdk.NewInt64Coin(denom, 1000))}}
	f.k = keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, authority, fakeAccounts{}, f.bank, f.inf, reg, rmsg)
	require.NoError(t, f.k.InitGenesis(ctx, types.DefaultGenesis()))
	f.msg, f.q = keeper.NewMsgServerImpl(f.k), keeper.NewQueryServerImpl(f.k)
	return f
}

func hyper() types.HyperParams {
	return types.HyperParams{LearningRate: "0.01", Steps: 40, BatchSize: 2, SeqLen: 32, Seed: 7, CheckpointInterval: 10}
}

func (f *fixture) request() *types.MsgRequestTraining {
	return &types.MsgRequestTraining{
		Requester: f.alice, BaseModel: f.base, Datasets: []string{f.dataset}, Method: types.TrainingMethod_TRAINING_METHOD_FULL,
		HyperParams: hyper(), MaxFee: sdk.NewInt64Coin(denom, 100), ChildName: "tiny-ft", ChildVersion: "1", ChildLicense: "apache-2.0",
	}
}

// loraReq turns a request into a valid LoRA request (rank 8, alpha 16, q and v projections).
func loraReq(m *types.MsgRequestTraining) {
	m.Method = types.TrainingMethod_TRAINING_METHOD_LORA
	m.HyperParams.LoraRank, m.HyperParams.LoraAlpha, m.HyperParams.LoraTargets = 8, "16", "q,v"
}

func (f *fixture) result(id uint64) *types.MsgSubmitTrainingResult {
	fs, r := files("child")
	return &types.MsgSubmitTrainingResult{Sidecar: f.sidecar, JobId: id, ChildContentRoot: r, Files: fs, CheckpointRoot: root("ckpt"), CheckpointInterval: 10, FinalLoss: "0.0123", InitialLoss: "13.9"}
}

// state is every key/value of both module stores plus the balances and event count: "no state change" is
// equality of two of these.
func (f *fixture) state() string {
	var b bytes.Buffer
	for _, k := range []storetypes.StoreKey{f.key} {
		it := f.ctx.KVStore(k).Iterator(nil, nil)
		for ; it.Valid(); it.Next() {
			fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
		}
		it.Close()
	}
	_ = f.reg.Models.Walk(f.ctx, nil, func(k string, _ registrytypes.Model) (bool, error) {
		fmt.Fprintf(&b, "model %s\n", k)
		return false, nil
	})
	keys := make([]string, 0, len(f.bank.balances))
	for k := range f.bank.balances {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "bal %x %s\n", k, f.bank.balances[k])
	}
	fmt.Fprintf(&b, "events %d\n", len(f.ctx.EventManager().Events()))
	return b.String()
}

func TestRequestAndSubmit_RegistersChildWithLineageAndPays(t *testing.T) {
	f := newFixture(t)
	res, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	require.Equal(t, types.FirstJobID, res.JobId)
	require.Equal(t, f.valoper, res.Executor)
	require.Equal(t, int64(10)+int64(types.DefaultParams().DeadlineBlocks), res.DeadlineHeight)
	require.Equal(t, []uint64{types.FirstJobID | types.AssignmentDomain}, f.inf.drawn)
	require.Equal(t, types.RecipeHash(f.base, []string{f.dataset}, types.TrainingMethod_TRAINING_METHOD_FULL, hyper()), res.RecipeHash)
	require.Equal(t, int64(900), f.bank.bal(f.aliceAddr).Int64(), "max_fee escrowed")

	f.ctx = f.ctx.WithBlockHeight(20)
	out, err := f.msg.SubmitTrainingResult(f.ctx, f.result(res.JobId))
	require.NoError(t, err)
	child, found, err := f.reg.GetModel(f.ctx, out.ChildModel)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, f.alice, child.Publisher, "publisher = requester")
	require.Equal(t, "tiny-ft", child.Name)
	require.Equal(t, "inferchain-onnx-llama", child.Format)
	require.Equal(t, []registrytypes.ParentRef{{Model: f.base, Relation: registrytypes.ParentRelation_PARENT_RELATION_FINETUNE}}, child.Parents)
	require.Equal(t, []registrytypes.DatasetRef{{Dataset: f.dataset, Role: registrytypes.DatasetRole_DATASET_ROLE_FINETUNE}}, child.Datasets)
	require.Equal(t, res.RecipeHash, child.RecipeHash)
	require.Equal(t, int64(0), f.bank.bal(f.operator).Int64(), "the fee stays escrowed until the audit decision")
	require.Contains(t, f.inf.executors[f.valoper].Models, out.ChildModel, "the executor that trained the child serves it")

	j, err := f.q.TrainingJob(f.ctx, &types.QueryTrainingJobRequest{Id: res.JobId})
	require.NoError(t, err)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_SUBMITTED, j.Job.Status)
	require.Equal(t, int64(7), j.Job.Result.ExecutorPower, "stake recorded at submission")
	require.Equal(t, root("ckpt"), j.Job.Result.CheckpointRoot)
	require.Equal(t, int64(20), j.Job.Result.SubmittedHeight)
	require.Equal(t, "13.9", j.Job.Result.InitialLoss)

	// duplicate result: refused, nothing changes
	before := f.state()
	_, err = f.msg.SubmitTrainingResult(f.ctx, f.result(res.JobId))
	require.ErrorIs(t, err, types.ErrDuplicate)
	require.Equal(t, before, f.state())
	// the child's name is now taken in the registry
	_, err = f.msg.RequestTraining(f.ctx, f.request())
	require.ErrorIs(t, err, types.ErrDuplicate)

	// no other executor serves the base: the audit cannot be staffed, the job settles in the next block
	require.NoError(t, f.k.EndBlocker(f.ctx))
	j2, _, _ := f.k.GetJob(f.ctx, res.JobId)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_SUBMITTED, j2.Status, "never decided in the block of the result")
	f.ctx = f.ctx.WithBlockHeight(21)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	j2, _, _ = f.k.GetJob(f.ctx, res.JobId)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_COMPLETED, j2.Status)
	require.Equal(t, int64(100), f.bank.bal(f.operator).Int64(), "max_fee paid to the executor's operator on settlement")
}

func TestCanonicalRecipe_Vector(t *testing.T) {
	got := types.CanonicalRecipe("aa", []string{"bb", "cc"}, types.TrainingMethod_TRAINING_METHOD_FULL, hyper())
	require.Equal(t, "inferchain/training/recipe/v1\nbase_model=aa\ndatasets=bb,cc\nmethod=full\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\n", got)
	lh := hyper()
	lh.LoraRank, lh.LoraAlpha, lh.LoraTargets = 8, "16", "q,v"
	require.Equal(t, "inferchain/training/recipe/v1\nbase_model=aa\ndatasets=bb,cc\nmethod=lora\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\nlora_rank=8\nlora_alpha=16\nlora_targets=q,v\n",
		types.CanonicalRecipe("aa", []string{"bb", "cc"}, types.TrainingMethod_TRAINING_METHOD_LORA, lh))
	// PRETRAIN: the base is only the architecture, and the init rule is part of what the hash commits to
	require.Equal(t, "inferchain/training/recipe/v1\narchitecture=aa\ndatasets=bb,cc\nmethod=pretrain\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\ninit=inferchain/training/pretrain-init/v1\n",
		types.CanonicalRecipe("aa", []string{"bb", "cc"}, types.TrainingMethod_TRAINING_METHOD_PRETRAIN, hyper()))
	require.NotEqual(t, types.RecipeHash("aa", []string{"bb"}, types.TrainingMethod_TRAINING_METHOD_FULL, hyper()), types.RecipeHash("aa", []string{"bb"}, types.TrainingMethod_TRAINING_METHOD_PRETRAIN, hyper()))
	h2 := hyper()
	h2.Seed = 8
	require.NotEqual(t, types.RecipeHash("aa", []string{"bb"}, 1, hyper()), types.RecipeHash("aa", []string{"bb"}, 1, h2))
	require.NotEqual(t, types.RecipeHash("aa", []string{"bb", "cc"}, 1, hyper()), types.RecipeHash("aa", []string{"cc", "bb"}, 1, hyper()), "dataset order is part of the recipe")
}

func TestLoraRequest_AcceptedWithItsHyperParamsInTheRecipe(t *testing.T) {
	f := newFixture(t)
	m := f.request()
	loraReq(m)
	res, err := f.msg.RequestTraining(f.ctx, m)
	require.NoError(t, err)
	require.Equal(t, types.RecipeHash(f.base, []string{f.dataset}, types.TrainingMethod_TRAINING_METHOD_LORA, m.HyperParams), res.RecipeHash)
	j, err := f.q.TrainingJob(f.ctx, &types.QueryTrainingJobRequest{Id: res.JobId})
	require.NoError(t, err)
	require.Equal(t, types.TrainingMethod_TRAINING_METHOD_LORA, j.Job.Method)
	require.Equal(t, m.HyperParams, j.Job.HyperParams)

	// the merged child is registered like a full fine-tune's: parent FINETUNE, the recipe names the method
	out, err := f.msg.SubmitTrainingResult(f.ctx.WithBlockHeight(20), f.result(res.JobId))
	require.NoError(t, err)
	child, _, err := f.reg.GetModel(f.ctx, out.ChildModel)
	require.NoError(t, err)
	require.Equal(t, []registrytypes.ParentRef{{Model: f.base, Relation: registrytypes.ParentRelation_PARENT_RELATION_FINETUNE}}, child.Parents)
	require.Equal(t, res.RecipeHash, child.RecipeHash)

	// every adapter hyper-parameter is part of the recipe: changing one changes the hash
	for _, mut := range []func(h *types.HyperParams){
		func(h *types.HyperParams) { h.LoraRank = 4 },
		func(h *types.HyperParams) { h.LoraAlpha = "32" },
		func(h *types.HyperParams) { h.LoraTargets = "q,k,v,o" },
	} {
		h := m.HyperParams
		mut(&h)
		require.NotEqual(t, res.RecipeHash, types.RecipeHash(f.base, []string{f.dataset}, types.TrainingMethod_TRAINING_METHOD_LORA, h))
	}

	// max_lora_rank is a governance param: a rank allowed by the default is refused under a smaller one
	p := types.DefaultParams()
	p.MaxLoraRank = 4
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	m2 := f.request()
	loraReq(m2)
	m2.ChildName = "tiny-lora-2"
	_, err = f.msg.RequestTraining(f.ctx, m2)
	require.ErrorIs(t, err, types.ErrInvalidField)
}

// pretrainReq turns a request into a valid PRETRAIN request (the base model as the architecture template).
func pretrainReq(m *types.MsgRequestTraining) {
	m.Method = types.TrainingMethod_TRAINING_METHOD_PRETRAIN
	m.ChildName = "tiny-scratch"
}

func TestPretrainRequest_ChildHasNoParentPretrainDatasetsAndItsRecipe(t *testing.T) {
	f := newFixture(t)
	m := f.request()
	pretrainReq(m)
	res, err := f.msg.RequestTraining(f.ctx, m)
	require.NoError(t, err)
	require.Equal(t, types.RecipeHash(f.base, []string{f.dataset}, types.TrainingMethod_TRAINING_METHOD_PRETRAIN, m.HyperParams), res.RecipeHash)
	require.NotEqual(t, types.RecipeHash(f.base, []string{f.dataset}, types.TrainingMethod_TRAINING_METHOD_FULL, m.HyperParams), res.RecipeHash, "the recipe names the method and the init")
	// assigned like any job: to an executor serving the architecture template (it has the graph and tokenizer)
	require.Equal(t, f.valoper, res.Executor)
	j, err := f.q.TrainingJob(f.ctx, &types.QueryTrainingJobRequest{Id: res.JobId})
	require.NoError(t, err)
	require.Equal(t, types.TrainingMethod_TRAINING_METHOD_PRETRAIN, j.Job.Method)

	out, err := f.msg.SubmitTrainingResult(f.ctx.WithBlockHeight(20), f.result(res.JobId))
	require.NoError(t, err)
	child, found, err := f.reg.GetModel(f.ctx, out.ChildModel)
	require.NoError(t, err)
	require.True(t, found)
	require.Empty(t, child.Parents, "no weight of a model trained from scratch comes from the template")
	require.Equal(t, []registrytypes.DatasetRef{{Dataset: f.dataset, Role: registrytypes.DatasetRole_DATASET_ROLE_PRETRAIN}}, child.Datasets)
	require.Equal(t, res.RecipeHash, child.RecipeHash)
	require.Equal(t, f.alice, child.Publisher)
	require.Equal(t, []string{f.base, out.ChildModel}, f.inf.executors[f.valoper].Models, "the executor serves the child")
}

func TestPretrainRequest_RefusesLoraFieldsChangingNothing(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		mut  func(h *types.HyperParams)
	}{
		{"rank", func(h *types.HyperParams) { h.LoraRank = 8 }},
		{"alpha", func(h *types.HyperParams) { h.LoraAlpha = "16" }},
		{"targets", func(h *types.HyperParams) { h.LoraTargets = "q,v" }},
		{"all three", func(h *types.HyperParams) { h.LoraRank, h.LoraAlpha, h.LoraTargets = 8, "16", "q,v" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.state()
			m := f.request()
			pretrainReq(m)
			c.mut(&m.HyperParams)
			_, err := f.msg.RequestTraining(f.ctx, m)
			require.ErrorIs(t, err, types.ErrInvalidField)
			require.ErrorContains(t, err, "for method lora only (method pretrain trains every weight")
			require.Equal(t, before, f.state())
		})
	}
}

func TestParams_MaxLoraRankBounded(t *testing.T) {
	p := types.DefaultParams()
	require.NoError(t, p.Validate())
	p.MaxLoraRank = 0
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
	p.MaxLoraRank = types.CeilingParams().MaxLoraRank + 1
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
}

func TestRequestTraining_RefusedInputsChangeNothing(t *testing.T) {
	f := newFixture(t)
	_, err := f.msg.RequestTraining(f.ctx, func() *types.MsgRequestTraining { m := f.request(); m.ChildName = "taken"; return m }())
	require.NoError(t, err) // job 1 reserves taken@1
	cases := []struct {
		name string
		mut  func(m *types.MsgRequestTraining)
		want error
	}{
		{"unknown base", func(m *types.MsgRequestTraining) { m.BaseModel = root("nope") }, types.ErrModelUnavailable},
		{"unknown dataset", func(m *types.MsgRequestTraining) { m.Datasets = []string{root("nope")} }, types.ErrDatasetUnavailable},
		{"duplicate dataset", func(m *types.MsgRequestTraining) { m.Datasets = []string{f.dataset, f.dataset} }, types.ErrInvalidField},
		{"no dataset", func(m *types.MsgRequestTraining) { m.Datasets = nil }, types.ErrInvalidField},
		{"lora without its hyper-params", func(m *types.MsgRequestTraining) { m.Method = types.TrainingMethod_TRAINING_METHOD_LORA }, types.ErrInvalidField},
		{"lora rank 0", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraRank = 0 }, types.ErrInvalidField},
		{"lora rank above max", func(m *types.MsgRequestTraining) {
			loraReq(m)
			m.HyperParams.LoraRank = types.DefaultParams().MaxLoraRank + 1
		}, types.ErrInvalidField},
		{"lora alpha 0", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraAlpha = "0" }, types.ErrInvalidField},
		{"lora alpha not decimal", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraAlpha = "-16" }, types.ErrInvalidField},
		{"lora no targets", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraTargets = "" }, types.ErrInvalidField},
		{"lora targets out of order", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraTargets = "v,q" }, types.ErrInvalidField},
		{"lora targets repeated", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraTargets = "q,q" }, types.ErrInvalidField},
		{"lora unknown target", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraTargets = "q,gate" }, types.ErrInvalidField},
		{"lora targets trailing comma", func(m *types.MsgRequestTraining) { loraReq(m); m.HyperParams.LoraTargets = "q,v," }, types.ErrInvalidField},
		{"full with lora hyper-params", func(m *types.MsgRequestTraining) { loraReq(m); m.Method = types.TrainingMethod_TRAINING_METHOD_FULL }, types.ErrInvalidField},
		{"no method", func(m *types.MsgRequestTraining) { m.Method = 0 }, types.ErrInvalidField},
		{"bad lr", func(m *types.MsgRequestTraining) { m.HyperParams.LearningRate = "1e-3" }, types.ErrInvalidField},
		{"zero lr", func(m *types.MsgRequestTraining) { m.HyperParams.LearningRate = "0.000" }, types.ErrInvalidField},
		{"interval not dividing", func(m *types.MsgRequestTraining) { m.HyperParams.CheckpointInterval = 7 }, types.ErrInvalidField},
		{"too many steps", func(m *types.MsgRequestTraining) { m.HyperParams.Steps = types.DefaultParams().MaxSteps + 10 }, types.ErrInvalidField},
		{"reserved child name", func(m *types.MsgRequestTraining) { m.ChildName = "taken" }, types.ErrDuplicate},
		{"registered child name", func(m *types.MsgRequestTraining) { m.ChildName = "tiny" }, types.ErrDuplicate},
		{"no child name", func(m *types.MsgRequestTraining) { m.ChildName = "" }, types.ErrInvalidField},
		{"zero fee", func(m *types.MsgRequestTraining) { m.MaxFee = sdk.NewInt64Coin(denom, 0) }, types.ErrInvalidField},
		{"insufficient funds", func(m *types.MsgRequestTraining) { m.MaxFee = sdk.NewInt64Coin(denom, 5000) }, sdkerrors.ErrInsufficientFunds},
		{"bad requester", func(m *types.MsgRequestTraining) { m.Requester = "cosmos1xyz" }, types.ErrInvalidAddress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.state()
			m := f.request()
			c.mut(m)
			_, err := f.msg.RequestTraining(f.ctx, m)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, f.state())
		})
	}
	t.Run("no executor serves the base", func(t *testing.T) {
		delete(f.inf.byModel, f.base)
		before := f.state()
		_, err := f.msg.RequestTraining(f.ctx, f.request())
		require.ErrorIs(t, err, types.ErrNoExecutor)
		require.Equal(t, before, f.state())
	})
}

func TestSubmitTrainingResult_RefusedInputsChangeNothing(t *testing.T) {
	f := newFixture(t)
	res, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	cases := []struct {
		name string
		mut  func(m *types.MsgSubmitTrainingResult)
		want error
	}{
		{"not the assigned executor", func(m *types.MsgSubmitTrainingResult) { m.Sidecar = f.bob }, types.ErrUnauthorized},
		{"unknown job", func(m *types.MsgSubmitTrainingResult) { m.JobId = 99 }, types.ErrNotFound},
		{"root does not match files", func(m *types.MsgSubmitTrainingResult) { m.ChildContentRoot = root("other") }, types.ErrInvalidField},
		{"bad checkpoint root", func(m *types.MsgSubmitTrainingResult) { m.CheckpointRoot = "xyz" }, registrytypes.ErrInvalidDigest},
		{"wrong checkpoint interval", func(m *types.MsgSubmitTrainingResult) { m.CheckpointInterval = 5 }, types.ErrInvalidField},
		{"no files", func(m *types.MsgSubmitTrainingResult) { m.Files = nil }, types.ErrInvalidField},
		{"bad loss", func(m *types.MsgSubmitTrainingResult) { m.FinalLoss = "NaN" }, types.ErrInvalidField},
		{"bad initial loss", func(m *types.MsgSubmitTrainingResult) { m.InitialLoss = "-1" }, types.ErrInvalidField},
		{"child root is the base", func(m *types.MsgSubmitTrainingResult) {
			m.Files, m.ChildContentRoot = files("base")
		}, registrytypes.ErrInvalidField},
		{"child root is a registered dataset", func(m *types.MsgSubmitTrainingResult) {
			m.Files, m.ChildContentRoot = files("data")
		}, registrytypes.ErrDuplicate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.state()
			m := f.result(res.JobId)
			c.mut(m)
			_, err := f.msg.SubmitTrainingResult(f.ctx, m)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, f.state())
		})
	}
	t.Run("after the deadline", func(t *testing.T) {
		before := f.state()
		_, err := f.msg.SubmitTrainingResult(f.ctx.WithBlockHeight(res.DeadlineHeight+1), f.result(res.JobId))
		require.ErrorIs(t, err, types.ErrDeadlinePassed)
		require.Equal(t, before, f.state())
	})
}

func TestEndBlocker_RefundsAtDeadlineAndFreesTheName(t *testing.T) {
	f := newFixture(t)
	res, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	require.NoError(t, f.k.EndBlocker(f.ctx.WithBlockHeight(res.DeadlineHeight)))
	j, _, _ := f.k.GetJob(f.ctx, res.JobId)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_PENDING, j.Status, "still answerable at its deadline height")

	f.ctx = f.ctx.WithBlockHeight(res.DeadlineHeight + 1)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	j, _, _ = f.k.GetJob(f.ctx, res.JobId)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_REFUNDED, j.Status)
	require.Equal(t, int64(1000), f.bank.bal(f.aliceAddr).Int64())
	_, err = f.msg.SubmitTrainingResult(f.ctx, f.result(res.JobId))
	require.ErrorIs(t, err, types.ErrInvalidJobState)
	_, err = f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err, "the refunded job's child name is free again")
}

func TestGenesis_RoundTrip(t *testing.T) {
	f := newFixture(t)
	r1, err := f.msg.RequestTraining(f.ctx, f.request())
	require.NoError(t, err)
	m2 := f.request()
	m2.ChildName = "other"
	_, err = f.msg.RequestTraining(f.ctx, m2)
	require.NoError(t, err)
	_, err = f.msg.SubmitTrainingResult(f.ctx, f.result(r1.JobId))
	require.NoError(t, err)
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Jobs, 2)
	require.Equal(t, uint64(3), gs.NextJobId)

	g := newFixture(t)
	g.bank.balances[string(authtypes.NewModuleAddress(types.ModuleName))] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100)) // the pending job's escrow
	require.NoError(t, g.k.InitGenesis(g.ctx, gs))
	gs2, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, gs, gs2)
	// the pending job's name reservation and deadline were rebuilt
	_, err = g.msg.RequestTraining(g.ctx, m2)
	require.ErrorIs(t, err, types.ErrDuplicate)
	require.NoError(t, g.k.EndBlocker(g.ctx.WithBlockHeight(r1.DeadlineHeight+1)))
	j, _, _ := g.k.GetJob(g.ctx, 2)
	require.Equal(t, types.TrainingStatus_TRAINING_STATUS_REFUNDED, j.Status)

	bad := *gs
	bad.NextJobId = 2
	require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis)
}
