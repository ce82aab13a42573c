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
	"time"

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
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencemodule "github.com/inferchain/inferchain/chain/x/inference/module"
	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

const denom = "uinfer"

// blockTime is the fixture's time between blocks, from genesisTime at height 0.
const blockTime = 6 * time.Second

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

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
	staking  *fakeStaking
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

// GetSupply is every balance of the denom plus, for the bond denom, the stake the fake staking keeper holds
// (validator tokens and unbonding balances): a slash lowers it by what it burned.
func (b *fakeBank) GetSupply(_ context.Context, d string) sdk.Coin {
	t := math.ZeroInt()
	for _, c := range b.balances {
		t = t.Add(c.AmountOf(d))
	}
	if b.staking != nil && d == "stake" {
		t = t.Add(b.staking.totalStake())
	}
	return sdk.NewCoin(d, t)
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

// fakeStaking holds validators by operator address and their unbonding delegations, and records Slash calls.
// Slash follows x/staking's algorithm (keeper/slash.go): amount = fraction x tokens of the given power; when
// the infraction is in the past, every unbonding entry created at or after it loses fraction x its initial
// balance first; the rest is burned from the validator's tokens (at most all of them); an unbonded validator
// cannot be slashed. It returns, like x/staking, only what it burned from the validator.
type fakeStaking struct {
	vals      map[string]stakingtypes.Validator
	unbonding map[string][]*ubdEntry
	slashes   []slashCall
	jails     []sdk.ConsAddress
}

type ubdEntry struct {
	creationHeight   int64
	initial, balance math.Int
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

func (s *fakeStaking) totalStake() math.Int {
	t := math.ZeroInt()
	for _, v := range s.vals {
		t = t.Add(v.Tokens)
	}
	for _, es := range s.unbonding {
		for _, e := range es {
			t = t.Add(e.balance)
		}
	}
	return t
}

// undelegate moves amount of a validator's tokens into an unbonding entry created at height, and sets its
// status (x/staking makes a validator whose self-delegation fell below its minimum Unbonding, jailed).
func (s *fakeStaking) undelegate(op sdk.AccAddress, amount int64, height int64, status stakingtypes.BondStatus, jailed bool) {
	v := s.vals[string(op)]
	amt := math.NewInt(amount)
	v.Tokens = v.Tokens.Sub(amt)
	v.DelegatorShares = v.DelegatorShares.Sub(math.LegacyNewDecFromInt(amt))
	v.Status, v.Jailed = status, jailed
	s.vals[string(op)] = v
	if s.unbonding == nil {
		s.unbonding = map[string][]*ubdEntry{}
	}
	s.unbonding[string(op)] = append(s.unbonding[string(op)], &ubdEntry{creationHeight: height, initial: amt, balance: amt})
}

func (s *fakeStaking) Slash(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, fraction math.LegacyDec) (math.Int, error) {
	k, v, ok := s.byCons(consAddr)
	if !ok {
		return math.ZeroInt(), nil
	}
	if v.IsUnbonded() {
		return math.ZeroInt(), fmt.Errorf("should not be slashing unbonded validator: %s", v.GetOperator())
	}
	remaining := math.LegacyNewDecFromInt(sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction)).Mul(fraction).TruncateInt()
	if infractionHeight < sdk.UnwrapSDKContext(ctx).BlockHeight() {
		for _, e := range s.unbonding[k] {
			if e.creationHeight < infractionHeight {
				continue
			}
			cut := math.MinInt(fraction.MulInt(e.initial).TruncateInt(), e.balance)
			e.balance = e.balance.Sub(cut)
			remaining = remaining.Sub(cut)
		}
	}
	amt := math.MaxInt(math.MinInt(remaining, v.Tokens), math.ZeroInt())
	v.Tokens = v.Tokens.Sub(amt)
	s.vals[k] = v
	s.slashes = append(s.slashes, slashCall{consAddr, infractionHeight, power, fraction, amt})
	return amt, nil
}

// jail is x/staking's Jail (reached through x/slashing's): it panics when there is no validator and fails
// when it is already jailed.
func (s *fakeStaking) jail(consAddr sdk.ConsAddress) error {
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

func (s *fakeStaking) GetBondedValidatorsByPower(context.Context) ([]stakingtypes.Validator, error) {
	var out []stakingtypes.Validator
	for _, v := range s.vals {
		if v.IsBonded() {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OperatorAddress < out[j].OperatorAddress })
	return out, nil
}

// fakeSlashing is x/slashing's jail bookkeeping: Jail goes through x/staking; JailUntil sets the signing info's
// JailedUntil; unjail is MsgUnjail's check (jailed_until must have passed).
type fakeSlashing struct {
	staking     *fakeStaking
	jailedUntil map[string]time.Time
}

func (s *fakeSlashing) Jail(_ context.Context, consAddr sdk.ConsAddress) error {
	return s.staking.jail(consAddr)
}

func (s *fakeSlashing) JailUntil(_ context.Context, consAddr sdk.ConsAddress, t time.Time) error {
	if _, _, ok := s.staking.byCons(consAddr); !ok {
		return fmt.Errorf("cannot jail validator that does not have any signing information")
	}
	s.jailedUntil[string(consAddr)] = t
	return nil
}

func (s *fakeSlashing) GetValidatorSigningInfo(_ context.Context, consAddr sdk.ConsAddress) (slashingtypes.ValidatorSigningInfo, error) {
	if _, _, ok := s.staking.byCons(consAddr); !ok {
		return slashingtypes.ValidatorSigningInfo{}, slashingtypes.ErrNoSigningInfoFound
	}
	return slashingtypes.ValidatorSigningInfo{Address: consAddr.String(), JailedUntil: s.jailedUntil[string(consAddr)]}, nil
}

// unjail is x/slashing's MsgUnjail for the validator of operator op at block time now.
func (s *fakeSlashing) unjail(op sdk.AccAddress, now time.Time) error {
	v := s.staking.vals[string(op)]
	if !v.Jailed {
		return slashingtypes.ErrValidatorNotJailed
	}
	c, err := v.GetConsAddr()
	if err != nil {
		return err
	}
	if now.Before(s.jailedUntil[string(c)]) {
		return slashingtypes.ErrValidatorJailed.Wrapf("jailed until %s", s.jailedUntil[string(c)])
	}
	v.Jailed = false
	s.staking.vals[string(op)] = v
	return nil
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
	cms       storetypes.CommitMultiStore
	k         keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	bank      *fakeBank
	staking   *fakeStaking
	slashing  *fakeSlashing
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
	ctx := tctx.Ctx.WithBlockHeight(10).WithBlockTime(genesisTime.Add(10 * blockTime))
	enc := moduletestutil.MakeTestEncodingConfig(inferencemodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	vc := addresscodec.NewBech32Codec("infervaloper")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	bank := newFakeBank()
	staking := &fakeStaking{vals: map[string]stakingtypes.Validator{}}
	bank.staking = staking
	slashing := &fakeSlashing{staking: staking, jailedUntil: map[string]time.Time{}}
	registry := &fakeRegistry{models: map[string]registrytypes.Model{}}
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, authority,
		fakeAccount{}, bank, staking, fakeDistr{bank}, registry, slashing)
	require.NoError(t, k.InitGenesis(ctx, types.DefaultGenesis()))
	f := &fixture{
		t: t, ctx: ctx, key: key, cms: tctx.CMS, k: k,
		msg: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k),
		bank: bank, staking: staking, slashing: slashing, registry: registry, ac: ac, vc: vc, authority: authority,
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
	text := "some text"
	if tokens == 0 {
		text = "" // at most max_output_bytes_per_token per token
	}
	return &types.MsgSubmitResult{
		Sidecar: sidecar, JobId: jobID, OutputTokenIds: ids, OutputText: text,
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

// endBlock runs the EndBlocker at the current height and then moves to the next height (blockTime later).
func (f *fixture) endBlock() {
	f.t.Helper()
	require.NoError(f.t, f.k.EndBlocker(f.ctx))
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1).WithBlockTime(f.ctx.BlockTime().Add(blockTime))
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
			fakeAccount{}, bank, &fakeStaking{}, fakeDistr{bank}, &fakeRegistry{}, &fakeSlashing{})
	})
	authority, _ := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.PanicsWithError(t, "inference: the inference module account has not been set (add it to maccPerms)", func() {
		keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, vc, authority,
			noModules{}, bank, &fakeStaking{}, fakeDistr{bank}, &fakeRegistry{}, &fakeSlashing{})
	})
}

type noModules struct{}

func (noModules) GetModuleAddress(string) sdk.AccAddress { return nil }
