package keeper_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/core/address"
	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/inferchain/inferchain/chain/x/funding/keeper"
	fundingmodule "github.com/inferchain/inferchain/chain/x/funding/module"
	"github.com/inferchain/inferchain/chain/x/funding/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

const denom = "uinfer"

func TestMain(m *testing.M) {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount("infer", "inferpub")
	os.Exit(m.Run())
}

// ---- fakes of the expected keepers ----

type fakeAccount struct{}

func (fakeAccount) GetModuleAddress(name string) sdk.AccAddress {
	return authtypes.NewModuleAddress(name)
}

// fakeBank tracks balances exactly; module accounts are their module addresses.
type fakeBank struct {
	balances map[string]sdk.Coins
	blocked  map[string]bool
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

func (b *fakeBank) BlockedAddr(addr sdk.AccAddress) bool { return b.blocked[string(addr)] }

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

type fakeDistr struct{ bank *fakeBank }

func (d fakeDistr) FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error {
	return d.bank.send(sender, authtypes.NewModuleAddress(distrtypes.ModuleName), amount)
}

type fakeRegistry struct {
	models   map[string]registrytypes.Model
	datasets map[string]registrytypes.Dataset
}

func (r *fakeRegistry) GetModel(_ context.Context, root string) (registrytypes.Model, bool, error) {
	m, ok := r.models[root]
	return m, ok, nil
}

func (r *fakeRegistry) GetDataset(_ context.Context, root string) (registrytypes.Dataset, bool, error) {
	d, ok := r.datasets[root]
	return d, ok, nil
}

// ---- fixture ----

type fixture struct {
	t         *testing.T
	ctx       sdk.Context
	k         keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	bank      *fakeBank
	registry  *fakeRegistry
	ac        address.Codec
	authority string
	creator   sdk.AccAddress
}

var (
	moduleAddr    = authtypes.NewModuleAddress(types.ModuleName)
	communityPool = authtypes.NewModuleAddress(distrtypes.ModuleName)
)

// newFixture returns a keeper at height 10 with params min_contribution 1uinfer (so hand-computed cases can
// use small numbers), cap 1,000,000uinfer, payouts_per_block 50; the creator holds 1e9 uinfer.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_test"))
	ctx := tctx.Ctx.WithBlockHeight(10)
	enc := moduletestutil.MakeTestEncodingConfig(fundingmodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	bank := &fakeBank{balances: map[string]sdk.Coins{}, blocked: map[string]bool{
		string(moduleAddr): true, string(communityPool): true,
	}}
	registry := &fakeRegistry{models: map[string]registrytypes.Model{}, datasets: map[string]registrytypes.Dataset{}}
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, authority, fakeAccount{}, bank, fakeDistr{bank}, registry)
	gs := types.DefaultGenesis()
	gs.Params.MinContribution = sdk.NewInt64Coin(denom, 1)
	gs.Params.MaxContributionPerRound = sdk.NewInt64Coin(denom, 1_000_000)
	require.NoError(t, k.InitGenesis(ctx, gs))
	f := &fixture{
		t: t, ctx: ctx, k: k, msg: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k),
		bank: bank, registry: registry, ac: ac, authority: authority, creator: addrOf("creator"),
	}
	f.fund(f.creator, 1_000_000_000)
	return f
}

// addrOf is a deterministic 20-byte address derived from a name.
func addrOf(name string) sdk.AccAddress {
	h := sha256.Sum256([]byte(name))
	return h[:20]
}

func (f *fixture) acc(bz sdk.AccAddress) string {
	s, err := f.ac.BytesToString(bz)
	require.NoError(f.t, err)
	return s
}

func (f *fixture) fund(a sdk.AccAddress, amt int64) {
	f.bank.balances[string(a)] = f.bank.balances[string(a)].Add(sdk.NewInt64Coin(denom, amt))
}

func coin(amt int64) sdk.Coin { return sdk.NewInt64Coin(denom, amt) }

func rootOf(tag string) string {
	h := sha256.Sum256([]byte(tag))
	return hex.EncodeToString(h[:])
}

// addModel registers a model published by publisher in the fake registry.
func (f *fixture) addModel(tag string, publisher sdk.AccAddress) string {
	root := rootOf("model/" + tag)
	f.registry.models[root] = registrytypes.Model{ContentRoot: root, Name: tag, Version: "1", Publisher: f.acc(publisher)}
	return root
}

func (f *fixture) addDataset(tag string, publisher sdk.AccAddress) string {
	root := rootOf("dataset/" + tag)
	f.registry.datasets[root] = registrytypes.Dataset{ContentRoot: root, Name: tag, Version: "1", Publisher: f.acc(publisher)}
	return root
}

// createRound opens a round over [start, end] with the given pool from the creator.
func (f *fixture) createRound(pool, start, end int64) uint64 {
	res, err := f.msg.CreateRound(f.ctx, &types.MsgCreateRound{
		Creator: f.acc(f.creator), Title: "round", MatchingPool: coin(pool), StartHeight: start, EndHeight: end,
	})
	require.NoError(f.t, err)
	return res.RoundId
}

// project registers a model published by a fresh account and returns (project id, recipient).
func (f *fixture) project(round uint64, tag string) (uint64, sdk.AccAddress) {
	pub := addrOf("publisher/" + tag)
	root := f.addModel(tag, pub)
	res, err := f.msg.RegisterProject(f.ctx, &types.MsgRegisterProject{Registrant: f.acc(pub), RoundId: round, Subject: root})
	require.NoError(f.t, err)
	return res.ProjectId, pub
}

// contribute funds a contributor account with exactly amt and contributes it.
func (f *fixture) contribute(round, project uint64, who string, amt int64) {
	a := addrOf("contributor/" + who)
	f.fund(a, amt)
	_, err := f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(a), RoundId: round, ProjectId: project, Amount: coin(amt)})
	require.NoError(f.t, err)
}

// endBlocks runs EndBlockers from the current height up to and including height h.
func (f *fixture) endBlocks(h int64) {
	for cur := f.ctx.BlockHeight(); cur <= h; cur++ {
		f.ctx = f.ctx.WithBlockHeight(cur)
		require.NoError(f.t, f.k.EndBlocker(f.ctx))
	}
	f.ctx = f.ctx.WithBlockHeight(h + 1)
}

func (f *fixture) round(id uint64) types.Round {
	r, found, err := f.k.GetRound(f.ctx, id)
	require.NoError(f.t, err)
	require.True(f.t, found)
	return r
}

func (f *fixture) export() *types.GenesisState {
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(f.t, err)
	return gs
}
