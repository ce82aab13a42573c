package keeper_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "cosmossdk.io/store/types"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/x/registry/keeper"
	registrymodule "github.com/inferchain/inferchain/chain/x/registry/module"
	"github.com/inferchain/inferchain/chain/x/registry/types"
)

func TestMain(m *testing.M) {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount("infer", "inferpub")
	os.Exit(m.Run())
}

// fixture is a keeper over an in-memory store, with its servers and a few accounts.
type fixture struct {
	t         *testing.T
	ctx       sdk.Context
	key       *storetypes.KVStoreKey
	k         keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	authority string
	alice     string
	bob       string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_test"))
	ctx := tctx.Ctx.WithBlockHeight(10)
	enc := moduletestutil.MakeTestEncodingConfig(registrymodule.AppModuleBasic{})
	ac := addresscodec.NewBech32Codec("infer")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), ac, authority)
	require.NoError(t, k.InitGenesis(ctx, types.DefaultGenesis()))
	addr := func(s string) string {
		a, err := ac.BytesToString(bytes.Repeat([]byte(s[:1]), 20))
		require.NoError(t, err)
		return a
	}
	return &fixture{
		t: t, ctx: ctx, key: key, k: k,
		msg: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k),
		authority: authority, alice: addr("a"), bob: addr("b"),
	}
}

// snapshot is every key/value of the module store plus the number of events emitted so far.
type snapshot struct {
	kv     map[string]string
	events int
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	s := snapshot{kv: map[string]string{}, events: len(f.ctx.EventManager().Events())}
	it := f.ctx.KVStore(f.key).Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		s.kv[string(it.Key())] = string(it.Value())
	}
	return s
}

// requireRefused runs fn, requires an error containing every want string, and requires the store and the
// event log unchanged.
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
	require.Equal(f.t, before.events, after.events, "events emitted by a refused message")
	return err
}

// artifact builds n files whose contents derive from tag and returns them with their content root.
func artifact(tag string, n int) ([]types.ArtifactFile, string) {
	files := make([]types.ArtifactFile, n)
	for i := range files {
		data := bytes.Repeat([]byte(fmt.Sprintf("%s/%d;", tag, i)), 700*(i+1))
		files[i] = types.ArtifactFile{
			Path:  fmt.Sprintf("part-%d.bin", i),
			Size_: uint64(len(data)),
			Root:  digest.FileRootBytes(data).Hex(),
		}
	}
	root, err := types.ComputeContentRoot(files)
	if err != nil {
		panic(err)
	}
	return files, root
}

func (f *fixture) modelMsg(tag, name, version string) *types.MsgRegisterModel {
	files, root := artifact(tag, 2)
	return &types.MsgRegisterModel{
		Publisher:   f.alice,
		ContentRoot: root,
		Name:        name,
		Version:     version,
		Format:      "onnx",
		Files:       files,
		License:     "Apache-2.0",
		CardUri:     "https://example.org/cards/" + name,
	}
}

func (f *fixture) datasetMsg(tag, name, version string, sources ...string) *types.MsgRegisterDataset {
	files, root := artifact(tag, 1)
	return &types.MsgRegisterDataset{
		Publisher:   f.alice,
		ContentRoot: root,
		Name:        name,
		Version:     version,
		Files:       files,
		RecordCount: 1000,
		License:     "CC-BY-4.0",
		Sources:     sources,
		Uri:         "ipfs://bafy" + tag,
	}
}

func (f *fixture) registerModel(m *types.MsgRegisterModel) string {
	f.t.Helper()
	res, err := f.msg.RegisterModel(f.ctx, m)
	require.NoError(f.t, err)
	require.Equal(f.t, m.ContentRoot, res.ContentRoot)
	return res.ContentRoot
}

func (f *fixture) registerDataset(d *types.MsgRegisterDataset) string {
	f.t.Helper()
	res, err := f.msg.RegisterDataset(f.ctx, d)
	require.NoError(f.t, err)
	return res.ContentRoot
}

func (f *fixture) attest(attester, subject, predicate string) uint64 {
	f.t.Helper()
	res, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: attester, Subject: subject, Predicate: predicate, Score: "0.9"})
	require.NoError(f.t, err)
	return res.Id
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	enc := moduletestutil.MakeTestEncodingConfig(registrymodule.AppModuleBasic{})
	require.Panics(t, func() {
		keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), addresscodec.NewBech32Codec("infer"), "not-an-address")
	})
}
