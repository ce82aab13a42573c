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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterModel{}, "infer/registry/MsgRegisterModel")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterDataset{}, "infer/registry/MsgRegisterDataset")
	legacy.RegisterAminoMsg(cdc, &MsgAttest{}, "infer/registry/MsgAttest")
	legacy.RegisterAminoMsg(cdc, &MsgRevokeAttestation{}, "infer/registry/MsgRevokeAttestation")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateModelStatus{}, "infer/registry/MsgUpdateModelStatus")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "infer/x/registry/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "infer/x/registry/Params", nil)
}

// RegisterInterfaces registers every Msg of the module and the Msg service descriptor.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterModel{},
		&MsgRegisterDataset{},
		&MsgAttest{},
		&MsgRevokeAttestation{},
		&MsgUpdateModelStatus{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
