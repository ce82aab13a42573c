package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
	"github.com/cosmos/cosmos-sdk/x/authz"
)

// RegisterLegacyAminoCodec registers the module's messages and params for Amino JSON (legacy signing).
// The names are the (amino.name) options of the protos.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	// 40 characters: one over legacy.RegisterAminoMsg's Ledger limit, so registered directly
	// (Ledger Amino-JSON signing of these two messages is not supported; direct signing is).
	legacy.RegisterAminoMsg(cdc, &MsgRegisterExecutor{}, "infer/inference/MsgRegisterExecutor")
	legacy.RegisterAminoMsg(cdc, &MsgRequestInference{}, "infer/inference/MsgRequestInference")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateExecutor{}, "infer/inference/MsgUpdateExecutor")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitResult{}, "infer/inference/MsgSubmitResult")
	legacy.RegisterAminoMsg(cdc, &MsgRejectJob{}, "infer/inference/MsgRejectJob")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "infer/x/inference/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgCommitVerdict{}, "infer/inference/MsgCommitVerdict")
	legacy.RegisterAminoMsg(cdc, &MsgRevealVerdict{}, "infer/inference/MsgRevealVerdict")
	legacy.RegisterAminoMsg(cdc, &MsgClearTombstone{}, "infer/inference/MsgClearTombstone")
	legacy.RegisterAminoMsg(cdc, &MsgProvePossession{}, "infer/inference/MsgProvePossession")
	cdc.RegisterConcrete(&Params{}, "infer/x/inference/Params", nil)
	cdc.RegisterConcrete(&RequestInferenceAuthorization{}, "infer/inference/RequestInferenceAuthorization", nil)
}

// RegisterInterfaces registers every Msg of the module and the Msg service descriptor.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterExecutor{},
		&MsgUpdateExecutor{},
		&MsgRequestInference{},
		&MsgSubmitResult{},
		&MsgRejectJob{},
		&MsgUpdateParams{},
		&MsgCommitVerdict{},
		&MsgRevealVerdict{},
		&MsgClearTombstone{},
		&MsgProvePossession{},
	)
	// Agent wallets (authz.go): MsgRequestInference within a spend limit and a model list.
	registry.RegisterImplementations((*authz.Authorization)(nil), &RequestInferenceAuthorization{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
