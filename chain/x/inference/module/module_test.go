package module_test

import (
	"encoding/json"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/math"
	"cosmossdk.io/x/tx/signing"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencemodule "github.com/inferchain/inferchain/chain/x/inference/module"
	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// The messages' signer options resolve with the app's signing context, and every message has its signer.
func TestSignersResolve(t *testing.T) {
	ac := addresscodec.NewBech32Codec("infer")
	reg, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: proto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          ac,
			ValidatorAddressCodec: addresscodec.NewBech32Codec("infervaloper"),
		},
	})
	require.NoError(t, err)
	inferencemodule.AppModuleBasic{}.RegisterInterfaces(reg)
	require.NoError(t, reg.SigningContext().Validate())
	cdc := codec.NewProtoCodec(reg)

	addr := sdk.AccAddress([]byte("01234567890123456789"))
	s, err := ac.BytesToString(addr)
	require.NoError(t, err)
	for _, msg := range []sdk.Msg{
		&types.MsgRegisterExecutor{Operator: s},
		&types.MsgUpdateExecutor{Operator: s},
		&types.MsgRequestInference{Requester: s},
		&types.MsgSubmitResult{Sidecar: s},
		&types.MsgRejectJob{Sidecar: s},
		&types.MsgUpdateParams{Authority: s},
		&types.MsgCommitVerdict{Sidecar: s},
		&types.MsgRevealVerdict{Sidecar: s},
	} {
		signers, _, err := cdc.GetMsgV1Signers(msg)
		require.NoError(t, err, "%T", msg)
		require.Equal(t, [][]byte{addr}, signers, "%T", msg)
	}

	// amino names fit (RegisterLegacyAminoCodec panics on a duplicate or over-long name)
	require.NotPanics(t, func() { inferencemodule.AppModuleBasic{}.RegisterLegacyAminoCodec(codec.NewLegacyAmino()) })
}

func TestModuleInterfaces(t *testing.T) {
	var m any = inferencemodule.AppModule{}
	_, ok := m.(appmodule.HasEndBlocker)
	require.True(t, ok)
	opts := inferencemodule.AppModule{}.AutoCLIOptions()
	require.Equal(t, types.Query_serviceDesc.ServiceName, opts.Query.Service)
	require.Equal(t, types.Msg_serviceDesc.ServiceName, opts.Tx.Service)
}

func TestGenesisJSON(t *testing.T) {
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	am := inferencemodule.NewAppModule(cdc, keeper.Keeper{})
	require.Equal(t, types.ModuleName, am.Name())
	require.Equal(t, uint64(1), am.ConsensusVersion())
	def := am.DefaultGenesis(cdc)
	require.NoError(t, am.ValidateGenesis(cdc, nil, def))
	require.Contains(t, string(def), `"base_fee":{"denom":"uinfer","amount":"1000"}`)
	require.Contains(t, string(def), `"next_job_id":"1"`)
	for _, want := range []string{
		`"audit_probability":"0.050000000000000000"`, `"committee_size":3`, `"quorum":2`, `"commit_blocks":10`,
		`"reveal_blocks":10`, `"slash_fraction":"0.050000000000000000"`, `"verifier_reward":{"denom":"uinfer","amount":"100"}`,
		`"max_verifier_misses":3`,
	} {
		require.Contains(t, string(def), want)
	}
	// the localnet e2e edit: app_state.inference.params.audit_probability = "1.000000000000000000"
	var gen map[string]any
	require.NoError(t, json.Unmarshal(def, &gen))
	gen["params"].(map[string]any)["audit_probability"] = "1.000000000000000000"
	edited, err := json.Marshal(gen)
	require.NoError(t, err)
	require.NoError(t, am.ValidateGenesis(cdc, nil, edited))
	var gs types.GenesisState
	require.NoError(t, cdc.UnmarshalJSON(edited, &gs))
	p, err := gs.Params.AuditProbabilityDec()
	require.NoError(t, err)
	require.True(t, p.Equal(math.LegacyOneDec()))
	gen["params"].(map[string]any)["audit_probability"] = "1.5"
	edited, _ = json.Marshal(gen)
	require.ErrorContains(t, am.ValidateGenesis(cdc, nil, edited), "audit_probability")

	require.Error(t, am.ValidateGenesis(cdc, nil, []byte(`{"params":{"max_attempts":0}}`)))
	require.Error(t, am.ValidateGenesis(cdc, nil, []byte(`not json`)))
}
