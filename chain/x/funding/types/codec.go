package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the module's messages and params for Amino JSON (legacy signing).
// The names are the (amino.name) options of the protos.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgCreateRound{}, "infer/funding/MsgCreateRound")
	legacy.RegisterAminoMsg(cdc, &MsgFundPool{}, "infer/funding/MsgFundPool")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterProject{}, "infer/funding/MsgRegisterProject")
	legacy.RegisterAminoMsg(cdc, &MsgContribute{}, "infer/funding/MsgContribute")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "infer/x/funding/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "infer/x/funding/Params", nil)
}

// RegisterInterfaces registers every Msg of the module and the Msg service descriptor.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgCreateRound{},
		&MsgFundPool{},
		&MsgRegisterProject{},
		&MsgContribute{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
