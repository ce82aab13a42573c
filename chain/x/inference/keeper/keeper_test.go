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

	"cosmossdk.io/core/address"
	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencemodule "github.com/inferchain/inferchain/chain/x/inference/module"
	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

const denom = "uinfer"

func TestMain(m *testing.M) {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount("infer", "inferpub")
	cfg.SetBech32PrefixForValidator("infervaloper", "infervaloperpub")
	os.Exit(m.Run())
}

// ---- fakes of the expected keepers ----

type fakeAccount struct{}

func (fakeAccount) GetModuleAddress(name string) sdk.AccAddress {
	switch name {
	case types.ModuleName, types.VerifierPoolName, distrtypes.ModuleName, govtypes.ModuleName:
		return authtypes.NewModuleAddress(name)
	}
	return nil
}

// fakeBank tracks balances exactly; module accounts are their module addresses.
type fakeBank struct {
	balances map[string]sdk.Coins
	blocked  map[string]bool
}

func newFakeBank() *fakeBank {
	return &fakeBank{balances: map[string]sdk.Coins{}, blocked: map[string]bool{}}
}

func (b *fakeBank) send(from, to sdk.AccAddress, amt sdk.Coins) error {
	if !amt.IsValid() {
		return fmt.Errorf("invalid coins %s", amt)
	}
	bal := b.balances[string(from)]
	rest, neg := bal.SafeSub(amt...)
	if neg {
		return sdkerrors.ErrInsufficientFunds.Wrapf("spendable balance %s is smaller than %s", bal, amt)
	}
	b.balances[string(from)] = rest
	b.balances[string(to)] = b.balances[string(to)].Add(amt...)
	return nil
}

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	return b.send(from, authtypes.NewModuleAddress(module), amt)
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if b.blocked[string(to)] {
		return sdkerrors.ErrUnauthorized.Wrapf("%s is not allowed to receive funds", to)
	}
	return b.send(authtypes.NewModuleAddress(module), to, amt)
}

func (b *fakeBank) SendCoinsFromModuleToModule(_ context.Context, from, to string, amt sdk.Coins) error {
	return b.send(authtypes.NewModuleAddress(from), authtypes.NewModuleAddress(to), amt)
}

func (b *fakeBank) BlockedAddr(addr sdk.AccAddress) bool { return b.blocked[string(addr)] }

func (b *fakeBank) GetBalance(_ context.Context, addr sdk.AccAddress, d string) sdk.Coin {
	return sdk.NewCoin(d, b.balances[string(addr)].AmountOf(d))
}

func (b *fakeBank) balance(addr sdk.AccAddress) math.Int {
	return b.balances[string(addr)].AmountOf(denom)
}

func (b *fakeBank) total() math.Int {
	t := math.ZeroInt()
	for _, c := range b.balances {
		t = t.Add(c.AmountOf(denom))
	}
	return t
}

func (b *fakeBank) copyBalances() map[string]string {
	out := map[string]string{}
	for k, v := range b.balances {
		out[k] = v.String()
	}
	return out
}

// fakeStaking holds validators by operator address and records Slash and Jail calls. Slash burns like
// x/staking does from the validator (min(tokens, fraction x power x reduction)); Jail sets the flag.
type fakeStaking struct {
	vals    map[string]stakingtypes.Validator
	slashes []slashCall
	jails   []sdk.ConsAddress
}

type slashCall struct {
	consAddr         sdk.ConsAddress
	infractionHeight int64
	power            int64
	fraction         math.LegacyDec
	burned           math.Int
}

func (s *fakeStaking) byCons(consAddr sdk.ConsAddress) (string, stakingtypes.Validator, bool) {
	for k, v := range s.vals {
		if c, err := v.GetConsAddr(); err == nil && bytes.Equal(c, consAddr) {
			return k, v, true
		}
	}
	return "", stakingtypes.Validator{}, false
}

func (s *fakeStaking) Slash(_ context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, fraction math.LegacyDec) (math.Int, error) {
	k, v, ok := s.byCons(consAddr)
	if !ok {
		return math.ZeroInt(), nil
	}
	amt := math.LegacyNewDecFromInt(sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction)).Mul(fraction).TruncateInt()
	amt = math.MinInt(amt, v.Tokens)
	v.Tokens = v.Tokens.Sub(amt)
	s.vals[k] = v
	s.slashes = append(s.slashes, slashCall{consAddr, infractionHeight, power, fraction, amt})
	return amt, nil
}

func (s *fakeStaking) Jail(_ context.Context, consAddr sdk.ConsAddress) error {
	k, v, ok := s.byCons(consAddr)
	if !ok {
		panic("jail: no validator")
	}
	if v.Jailed {
		return fmt.Errorf("cannot jail already jailed validator")
	}
	v.Jailed = true
	s.vals[k] = v
	s.jails = append(s.jails, consAddr)
	return nil
}

func (s *fakeStaking) PowerReduction(context.Context) math.Int { return sdk.DefaultPowerReduction }

func (s *fakeStaking) BondDenom(context.Context) (string, error) { return "stake", nil }

func (s *fakeStaking) Validator(_ context.Context, addr sdk.ValAddress) (stakingtypes.ValidatorI, error) {
	v, ok := s.vals[string(addr)]
	if !ok {
		return nil, stakingtypes.ErrNoValidatorFound
	}
	return v, nil
}

type fakeDistr struct{ bank *fakeBank }

func (d fakeDistr) FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error {
	return d.bank.SendCoinsFromAccountToModule(ctx, sender, distrtypes.ModuleName, amount)
}

type fakeRegistry struct {
	models map[string]registrytypes.Model
}

func (r *fakeRegistry) GetModel(_ context.Context, root string) (registrytypes.Model, bool, error) {
	m, ok := r.models[root]
	return m, ok, nil
}

// ---- fixture ----

type fixture struct {
	t         *testing.T
	ctx       sdk.Context
	key       *storetypes.KVStoreKey
	k         keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	bank      *fakeBank
	staking   *fakeStaking
	registry  *fakeRegistry
	ac, vc    address.Codec
	authority string
	publisher sdk.AccAddress
	alice     sdk.AccAddress
	bob       sdk.AccAddress
	model     string // an active model
}

// newFixture returns a keeper at height 10 with default params, one active model published by publisher,
// alice and bob funded with 1e9 uinfer each, and no validators.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_test"))
	ctx := tctx.Ctx.WithBlockHeight(10)
	enc := moduletestutil.MakeTestEncodingConfig(inferencemodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	vc := addresscodec.NewBech32Codec("infervaloper")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	bank := newFakeBank()
	staking := &fakeStaking{vals: map[string]stakingtypes.Validator{}}
	registry := &fakeRegistry{models: map[string]registrytypes.Model{}}
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, authority,
		fakeAccount{}, bank, staking, fakeDistr{bank}, registry)
	require.NoError(t, k.InitGenesis(ctx, types.DefaultGenesis()))
	f := &fixture{
		t: t, ctx: ctx, key: key, k: k,
		msg: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k),
		bank: bank, staking: staking, registry: registry, ac: ac, vc: vc, authority: authority,
		publisher: addrOf("publisher"), alice: addrOf("alice"), bob: addrOf("bob"),
	}
	f.model = f.addModel("tiny", registrytypes.ModelStatus_MODEL_STATUS_ACTIVE)
	f.bank.balances[string(f.alice)] = sdk.NewCoins(sdk.NewInt64Coin(denom, 1_000_000_000))
	f.bank.balances[string(f.bob)] = sdk.NewCoins(sdk.NewInt64Coin(denom, 1_000_000_000))
	return f
}

// addrOf is a deterministic 20-byte address derived from a name.
func addrOf(name string) []byte {
	h := sha256.Sum256([]byte(name))
	return h[:20]
}

func (f *fixture) acc(bz []byte) string {
	s, err := f.ac.BytesToString(bz)
	require.NoError(f.t, err)
	return s
}

func (f *fixture) val(bz []byte) string {
	s, err := f.vc.BytesToString(bz)
	require.NoError(f.t, err)
	return s
}

// addModel registers a model with the given status in the fake registry and returns its content root.
func (f *fixture) addModel(tag string, status registrytypes.ModelStatus) string {
	h := sha256.Sum256([]byte("model/" + tag))
	root := hex.EncodeToString(h[:])
	f.registry.models[root] = registrytypes.Model{
		ContentRoot: root, Name: tag, Version: "1.0", Publisher: f.acc(f.publisher), Status: status,
	}
	return root
}

// addValidator adds a bonded validator with the given bonded tokens; its operator account is addrOf(name).
func (f *fixture) addValidator(name string, tokens int64) sdk.AccAddress {
	op := sdk.AccAddress(addrOf(name))
	pk, err := codectypes.NewAnyWithValue(ed25519.GenPrivKeyFromSecret([]byte("cons/" + name)).PubKey())
	require.NoError(f.t, err)
	f.staking.vals[string(op)] = stakingtypes.Validator{
		OperatorAddress: f.val(op),
		ConsensusPubkey: pk,
		Status:          stakingtypes.Bonded,
		Tokens:          math.NewInt(tokens),
		DelegatorShares: math.LegacyNewDec(tokens),
	}
	return op
}

// sidecarOf is the sidecar account of a validator named name.
func sidecarOf(name string) sdk.AccAddress { return addrOf("sidecar/" + name) }

// executor adds a bonded validator and registers its executor for the models (default: f.model).
func (f *fixture) executor(name string, tokens int64, models ...string) string {
	f.t.Helper()
	if len(models) == 0 {
		models = []string{f.model}
	}
	op := f.addValidator(name, tokens)
	res, err := f.msg.RegisterExecutor(f.ctx, &types.MsgRegisterExecutor{
		Operator: f.acc(op), Sidecar: f.acc(sidecarOf(name)), Models: models, Endpoint: "http://" + name + ":8080",
	})
	require.NoError(f.t, err)
	require.Equal(f.t, f.val(op), res.Validator)
	return res.Validator
}

// request is a valid request from alice for f.model: 64 tokens, max_fee 5000uinfer (min is 1640).
func (f *fixture) request() *types.MsgRequestInference {
	return &types.MsgRequestInference{
		Requester: f.acc(f.alice), Model: f.model, Prompt: "Hello, world", MaxTokens: 64,
		TemperatureMilli: 700, TopK: 40, MaxFee: sdk.NewInt64Coin(denom, 5000),
	}
}

func (f *fixture) requestOK(m *types.MsgRequestInference) *types.MsgRequestInferenceResponse {
	f.t.Helper()
	res, err := f.msg.RequestInference(f.ctx, m)
	require.NoError(f.t, err)
	return res
}

// sidecarFor returns the sidecar account of the job's assigned executor.
func (f *fixture) sidecarFor(jobID uint64) string {
	f.t.Helper()
	job := f.job(jobID)
	bz, err := f.vc.StringToBytes(job.Executor)
	require.NoError(f.t, err)
	e, found, err := f.k.GetExecutor(f.ctx, bz)
	require.NoError(f.t, err)
	require.True(f.t, found)
	return e.Sidecar
}

func (f *fixture) result(jobID uint64, sidecar string, tokens int) *types.MsgSubmitResult {
	ids := make([]uint32, tokens)
	for i := range ids {
		ids[i] = uint32(100 + i)
	}
	return &types.MsgSubmitResult{
		Sidecar: sidecar, JobId: jobID, OutputTokenIds: ids, OutputText: "some text",
		Commitment: hex.EncodeToString(bytes.Repeat([]byte{0xab}, 32)), FinishReason: types.FinishReasonEOS,
		Runtime: types.RuntimeProfile{ExecutionProvider: "cpu", Threads: 4, Engine: "onnxruntime-node"},
	}
}

func (f *fixture) job(id uint64) types.Job {
	f.t.Helper()
	j, found, err := f.k.GetJob(f.ctx, id)
	require.NoError(f.t, err)
	require.True(f.t, found, "job %d", id)
	return j
}

// endBlock runs the EndBlocker at the current height and then moves to the next height.
func (f *fixture) endBlock() {
	f.t.Helper()
	require.NoError(f.t, f.k.EndBlocker(f.ctx))
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
}

// runUntil runs blocks (EndBlocker, then next height) until the height is h.
func (f *fixture) runUntil(h int64) {
	f.t.Helper()
	for f.ctx.BlockHeight() < h {
		f.endBlock()
	}
}

func (f *fixture) escrow() math.Int {
	return f.bank.balance(authtypes.NewModuleAddress(types.ModuleName))
}

// snapshot is every key/value of the module store, every balance and the number of events so far.
type snapshot struct {
	kv       map[string]string
	balances map[string]string
	events   int
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	s := snapshot{kv: map[string]string{}, balances: f.bank.copyBalances(), events: len(f.ctx.EventManager().Events())}
	it := f.ctx.KVStore(f.key).Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		s.kv[string(it.Key())] = string(it.Value())
	}
	return s
}

// requireRefused runs fn, requires an error containing every want string, and requires the store, the
// balances and the event log unchanged.
func (f *fixture) requireRefused(fn func() error, want ...string) error {
	f.t.Helper()
	before := f.snapshot()
	err := fn()
	require.Error(f.t, err)
	for _, w := range want {
		require.Contains(f.t, err.Error(), w)
	}
	after := f.snapshot()
	require.Equal(f.t, before.kv, after.kv, "state changed by a refused message")
	require.Equal(f.t, before.balances, after.balances, "balances changed by a refused message")
	require.Equal(f.t, before.events, after.events, "events emitted by a refused message")
	return err
}

// typedEvents returns the events of the given type name emitted so far.
func (f *fixture) typedEvents(name string) []sdk.Event {
	var out []sdk.Event
	for _, e := range f.ctx.EventManager().Events() {
		if e.Type == name {
			out = append(out, e)
		}
	}
	return out
}

func attr(e sdk.Event, key string) string {
	for _, a := range e.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestNewKeeperPanics(t *testing.T) {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	enc := moduletestutil.MakeTestEncodingConfig(inferencemodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	vc := addresscodec.NewBech32Codec("infervaloper")
	bank := newFakeBank()
	require.Panics(t, func() {
		keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, "not-an-address",
			fakeAccount{}, bank, &fakeStaking{}, fakeDistr{bank}, &fakeRegistry{})
	})
	authority, _ := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.PanicsWithError(t, "inference: the inference module account has not been set (add it to maccPerms)", func() {
		keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, authority,
			noModules{}, bank, &fakeStaking{}, fakeDistr{bank}, &fakeRegistry{})
	})
}

type noModules struct{}

func (noModules) GetModuleAddress(string) sdk.AccAddress { return nil }
