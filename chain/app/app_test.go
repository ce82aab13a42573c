package app_test

import (
	"context"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	"github.com/cosmos/cosmos-sdk/testutil/mock"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/app"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

func newApp(t *testing.T, db dbm.DB) *app.InferApp {
	t.Helper()
	return app.NewInferApp(log.NewNopLogger(), db, nil, true,
		simtestutil.AppOptionsMap{flags.FlagHome: t.TempDir()},
		baseapp.SetChainID(chainID))
}

const chainID = "inferchain-test-1"

// genesisWithValidator returns the app's default genesis plus one bonded validator and one
// funded account, and the validator set.
func genesisWithValidator(t *testing.T, a *app.InferApp) (app.GenesisState, *cmttypes.ValidatorSet) {
	t.Helper()
	privVal := mock.NewPV()
	pubKey, err := privVal.GetPubKey()
	require.NoError(t, err)
	valSet := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(pubKey, 1)})

	senderPrivKey := secp256k1.GenPrivKey()
	acc := authtypes.NewBaseAccount(senderPrivKey.PubKey().Address().Bytes(), senderPrivKey.PubKey(), 0, 0)
	balance := banktypes.Balance{
		Address: acc.GetAddress().String(),
		Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(100_000_000_000_000))),
	}

	genesis, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(),
		valSet, []authtypes.GenesisAccount{acc}, balance)
	require.NoError(t, err)
	return genesis, valSet
}

func initChain(t *testing.T, a *app.InferApp, genesis app.GenesisState, initialHeight int64) {
	t.Helper()
	stateBytes, err := json.MarshalIndent(genesis, "", " ")
	require.NoError(t, err)
	_, err = a.InitChain(&abci.RequestInitChain{
		ChainId:         chainID,
		Validators:      []abci.ValidatorUpdate{},
		ConsensusParams: simtestutil.DefaultConsensusParams,
		AppStateBytes:   stateBytes,
		InitialHeight:   initialHeight,
	})
	require.NoError(t, err)
}

// produceBlock finalizes and commits one block at height.
func produceBlock(t *testing.T, a *app.InferApp, valSet *cmttypes.ValidatorSet, height int64) {
	t.Helper()
	res, err := a.FinalizeBlock(&abci.RequestFinalizeBlock{
		Height:             height,
		Hash:               a.LastCommitID().Hash,
		NextValidatorsHash: valSet.Hash(),
	})
	require.NoError(t, err)
	for _, txr := range res.TxResults {
		require.Zero(t, txr.Code, txr.Log)
	}
	_, err = a.Commit()
	require.NoError(t, err)
	require.Equal(t, height, a.LastBlockHeight())
}

func TestDefaultGenesisUsesUinfer(t *testing.T) {
	a := newApp(t, dbm.NewMemDB())
	gen := a.DefaultGenesis()
	cdc := a.AppCodec()

	var staking stakingtypes.GenesisState
	cdc.MustUnmarshalJSON(gen[stakingtypes.ModuleName], &staking)
	require.Equal(t, "uinfer", staking.Params.BondDenom)

	var mint minttypes.GenesisState
	cdc.MustUnmarshalJSON(gen[minttypes.ModuleName], &mint)
	require.Equal(t, "uinfer", mint.Params.MintDenom)

	var gov govv1.GenesisState
	cdc.MustUnmarshalJSON(gen["gov"], &gov)
	require.Equal(t, "uinfer", gov.Params.MinDeposit[0].Denom)
	require.Equal(t, "uinfer", gov.Params.ExpeditedMinDeposit[0].Denom)

	// every module of the module manager has a genesis entry and it validates
	for name := range a.ModuleManager.Modules {
		require.Contains(t, gen, name)
	}
	require.NoError(t, a.BasicModuleManager.ValidateGenesis(cdc, a.TxConfig(), gen))

	// bech32 prefixes
	require.Equal(t, "infer", sdk.GetConfig().GetBech32AccountAddrPrefix())
	require.Equal(t, "infervaloper", sdk.GetConfig().GetBech32ValidatorAddrPrefix())
	require.Equal(t, "infervalcons", sdk.GetConfig().GetBech32ConsensusAddrPrefix())
	require.Equal(t, uint32(118), sdk.GetConfig().GetCoinType())
	require.Regexp(t, "^infer1", authtypes.NewModuleAddress("gov").String())
}

// TestBootExportReimport boots the app from genesis with one validator, produces blocks,
// exports the state, imports it into a fresh app (which must produce blocks from it), and
// checks that re-exporting the imported state gives back the same genesis.
func TestBootExportReimport(t *testing.T) {
	a := newApp(t, dbm.NewMemDB())
	genesis, valSet := genesisWithValidator(t, a)
	initChain(t, a, genesis, 1)
	for h := int64(1); h <= 3; h++ {
		produceBlock(t, a, valSet, h)
	}
	require.Equal(t, int64(3), a.LastBlockHeight())

	// the validator is bonded and minting happened in uinfer
	ctx := a.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight()})
	vals, err := a.StakingKeeper.GetBondedValidatorsByPower(ctx)
	require.NoError(t, err)
	require.Len(t, vals, 1)
	supply := a.BankKeeper.GetSupply(ctx, app.BondDenom)
	require.True(t, supply.Amount.GT(sdkmath.NewInt(100_000_000_000_000)), "supply %s", supply)

	exported, err := a.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	require.Equal(t, int64(4), exported.Height)
	require.Len(t, exported.Validators, 1)

	var exportedGenesis app.GenesisState
	require.NoError(t, json.Unmarshal(exported.AppState, &exportedGenesis))
	require.NoError(t, a.BasicModuleManager.ValidateGenesis(a.AppCodec(), a.TxConfig(), exportedGenesis))

	// Re-import into a fresh app at the exported height and keep producing blocks.
	b := newApp(t, dbm.NewMemDB())
	initChain(t, b, exportedGenesis, exported.Height)
	produceBlock(t, b, valSet, exported.Height)
	require.Equal(t, exported.Height, b.LastBlockHeight())

	// Import without running blocks, then export again: same genesis, module by module.
	c := newApp(t, dbm.NewMemDB())
	cctx := c.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight(), ChainID: chainID})
	_, err = c.ModuleManager.InitGenesis(cctx, c.AppCodec(), exportedGenesis)
	require.NoError(t, err)
	reexported, err := c.ModuleManager.ExportGenesisForModules(cctx, c.AppCodec(), nil)
	require.NoError(t, err)
	require.Equal(t, len(exportedGenesis), len(reexported))
	for name, want := range exportedGenesis {
		require.JSONEq(t, string(want), string(reexported[name]), "module %s genesis differs after round trip", name)
	}

	// zero-height export (what `inferchaind export --for-zero-height` does) also works
	_, err = a.ExportAppStateAndValidators(true, nil, nil)
	require.NoError(t, err)
}

// TestRegistryWired checks that x/registry is part of the app: genesis entry, gRPC query
// service, message service, and its state survives export.
func TestRegistryWired(t *testing.T) {
	a := newApp(t, dbm.NewMemDB())
	genesis, valSet := genesisWithValidator(t, a)
	require.Contains(t, genesis, registrytypes.ModuleName)
	initChain(t, a, genesis, 1)
	produceBlock(t, a, valSet, 1)

	ctx := a.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight()})
	queryHelper := &baseapp.QueryServiceTestHelper{GRPCQueryRouter: a.GRPCQueryRouter(), Ctx: ctx}
	client := registrytypes.NewQueryClient(queryHelper)

	params, err := client.Params(ctx, &registrytypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.NotNil(t, params)

	models, err := client.Models(ctx, &registrytypes.QueryModelsRequest{})
	require.NoError(t, err)
	require.Empty(t, models.Models)

	for _, msg := range []sdk.Msg{
		&registrytypes.MsgRegisterModel{},
		&registrytypes.MsgRegisterDataset{},
		&registrytypes.MsgAttest{},
		&registrytypes.MsgUpdateParams{},
	} {
		require.NotNil(t, a.MsgServiceRouter().Handler(msg), "no handler for %s", sdk.MsgTypeURL(msg))
	}

	exported, err := a.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	var exportedGenesis app.GenesisState
	require.NoError(t, json.Unmarshal(exported.AppState, &exportedGenesis))
	require.Contains(t, exportedGenesis, registrytypes.ModuleName)
}

// TestQueriesOnDiskDB runs the app on goleveldb (what a node uses) and queries committed
// heights through ABCI, as the CLI, REST and gRPC do. It guards the goleveldb replace in
// go.mod: with the broken goleveldb version every such query fails with
// "failed to load state at height N; version does not exist".
func TestQueriesOnDiskDB(t *testing.T) {
	db, err := dbm.NewGoLevelDB("application", t.TempDir(), nil)
	require.NoError(t, err)
	a := newApp(t, db)
	genesis, valSet := genesisWithValidator(t, a)
	initChain(t, a, genesis, 1)
	for h := int64(1); h <= 3; h++ {
		produceBlock(t, a, valSet, h)
		req := &banktypes.QueryTotalSupplyRequest{}
		bz, err := req.Marshal()
		require.NoError(t, err)
		res, err := a.Query(context.Background(), &abci.RequestQuery{
			Path: "/cosmos.bank.v1beta1.Query/TotalSupply", Data: bz, Height: h,
		})
		require.NoError(t, err)
		require.Zero(t, res.Code, "height %d: %s", h, res.Log)
		var supply banktypes.QueryTotalSupplyResponse
		require.NoError(t, supply.Unmarshal(res.Value))
		require.True(t, supply.Supply.AmountOf(app.BondDenom).IsPositive())
	}
}
