package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the module's messages and params for Amino JSON (legacy signing).
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgRequestTraining{}, "infer/training/MsgRequestTraining")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitTrainingResult{}, "infer/training/MsgSubmitTrainingResult")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "infer/training/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgCommitTrainingVerdict{}, "infer/training/MsgCommitTrainingVerdict")
	legacy.RegisterAminoMsg(cdc, &MsgRevealTrainingVerdict{}, "infer/training/MsgRevealTrainingVerdict")
	cdc.RegisterConcrete(&Params{}, "inferchain/x/training/Params", nil)
}

// RegisterInterfaces registers every Msg of the module and the Msg service descriptor.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil), &MsgRequestTraining{}, &MsgSubmitTrainingResult{}, &MsgUpdateParams{},
		&MsgCommitTrainingVerdict{}, &MsgRevealTrainingVerdict{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
