package module_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectestutil "github.com/cosmos/cosmos-sdk/codec/testutil"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/inferchain/inferchain/chain/x/funding/keeper"
	fundingmodule "github.com/inferchain/inferchain/chain/x/funding/module"
	"github.com/inferchain/inferchain/chain/x/funding/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

type nopAccount struct{}

func (nopAccount) GetModuleAddress(name string) sdk.AccAddress {
	return authtypes.NewModuleAddress(name)
}

type nopBank struct{}

func (nopBank) SendCoinsFromAccountToModule(context.Context, sdk.AccAddress, string, sdk.Coins) error {
	return nil
}
func (nopBank) SendCoinsFromModuleToAccount(context.Context, string, sdk.AccAddress, sdk.Coins) error {
	return nil
}
func (nopBank) BlockedAddr(sdk.AccAddress) bool { return false }

type nopDistr struct{}

func (nopDistr) FundCommunityPool(context.Context, sdk.Coins, sdk.AccAddress) error { return nil }

type nopRegistry struct{}

func (nopRegistry) GetModel(context.Context, string) (registrytypes.Model, bool, error) {
	return registrytypes.Model{}, false, nil
}
func (nopRegistry) GetDataset(context.Context, string) (registrytypes.Dataset, bool, error) {
	return registrytypes.Dataset{}, false, nil
}

func setup(t *testing.T) (codec.Codec, sdk.Context, fundingmodule.AppModule, string) {
	ir := codectestutil.CodecOptions{AccAddressPrefix: "infer", ValAddressPrefix: "infervaloper"}.NewInterfaceRegistry()
	fundingmodule.AppModuleBasic{}.RegisterInterfaces(ir)
	cdc := codec.NewProtoCodec(ir)
	ac := addresscodec.NewBech32Codec("infer")
	authority, err := ac.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	require.NoError(t, err)
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx
	k := keeper.NewKeeper(cdc, runtime.NewKVStoreService(key), ac, authority, nopAccount{}, nopBank{}, nopDistr{}, nopRegistry{})
	return cdc, ctx, fundingmodule.NewAppModule(cdc, k), authority
}

func TestGenesisJSON(t *testing.T) {
	cdc, ctx, am, _ := setup(t)
	require.Equal(t, types.ModuleName, am.Name())
	require.Equal(t, uint64(1), am.ConsensusVersion())
	def := am.DefaultGenesis(cdc)
	require.NoError(t, am.ValidateGenesis(cdc, nil, def))
	require.Error(t, am.ValidateGenesis(cdc, nil, []byte(`{"params":{"payouts_per_block":0}}`)))
	require.Error(t, am.ValidateGenesis(cdc, nil, []byte(`not json`)))
	am.InitGenesis(ctx, cdc, def)
	out := am.ExportGenesis(ctx, cdc)
	var a, b types.GenesisState
	cdc.MustUnmarshalJSON(def, &a)
	cdc.MustUnmarshalJSON(out, &b)
	require.Equal(t, a, b)
	require.Panics(t, func() { am.InitGenesis(ctx, cdc, []byte(`{"params":{"payouts_per_block":0}}`)) })
	require.NoError(t, am.EndBlock(ctx))
}

func TestInterfacesAndSigners(t *testing.T) {
	cdc, _, _, authority := setup(t)
	ac := addresscodec.NewBech32Codec("infer")
	alice, err := ac.BytesToString(bytes.Repeat([]byte{1}, 20))
	require.NoError(t, err)
	for _, tc := range []struct {
		msg    sdk.Msg
		signer string
	}{
		{&types.MsgCreateRound{Creator: alice}, alice},
		{&types.MsgFundPool{Funder: alice}, alice},
		{&types.MsgRegisterProject{Registrant: alice}, alice},
		{&types.MsgContribute{Contributor: alice}, alice},
		{&types.MsgUpdateParams{Authority: authority}, authority},
	} {
		signers, _, err := cdc.GetMsgV1Signers(tc.msg)
		require.NoError(t, err, sdk.MsgTypeURL(tc.msg))
		require.Len(t, signers, 1)
		want, _ := ac.StringToBytes(tc.signer)
		require.Equal(t, want, signers[0])
		_, err = cdc.InterfaceRegistry().Resolve(sdk.MsgTypeURL(tc.msg))
		require.NoError(t, err)
	}
	amino := codec.NewLegacyAmino()
	require.NotPanics(t, func() { fundingmodule.AppModuleBasic{}.RegisterLegacyAminoCodec(amino) })
}

func TestAutoCLIOptionsNameRealMethods(t *testing.T) {
	_, _, am, _ := setup(t)
	opts := am.AutoCLIOptions()
	methods := map[string]bool{}
	for _, m := range types.Query_serviceDesc.Methods {
		methods["q/"+m.MethodName] = true
	}
	for _, m := range types.Msg_serviceDesc.Methods {
		methods["tx/"+m.MethodName] = true
	}
	require.Equal(t, "inferchain.funding.v1.Query", opts.Query.Service)
	require.Equal(t, "inferchain.funding.v1.Msg", opts.Tx.Service)
	for _, o := range opts.Query.RpcCommandOptions {
		require.True(t, methods["q/"+o.RpcMethod], o.RpcMethod)
	}
	for _, o := range opts.Tx.RpcCommandOptions {
		require.True(t, methods["tx/"+o.RpcMethod], o.RpcMethod)
	}
	require.Len(t, opts.Query.RpcCommandOptions, len(types.Query_serviceDesc.Methods))
	require.Len(t, opts.Tx.RpcCommandOptions, len(types.Msg_serviceDesc.Methods))
}
