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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterModel{}, "inferchain/registry/MsgRegisterModel")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterDataset{}, "inferchain/registry/MsgRegisterDataset")
	legacy.RegisterAminoMsg(cdc, &MsgAttest{}, "inferchain/registry/MsgAttest")
	// 40 characters: one over legacy.RegisterAminoMsg's Ledger limit, so registered directly
	// (Ledger Amino-JSON signing of this one message is not supported; direct signing is).
	cdc.RegisterConcrete(&MsgRevokeAttestation{}, "inferchain/registry/MsgRevokeAttestation", nil)
	legacy.RegisterAminoMsg(cdc, &MsgUpdateModelStatus{}, "inferchain/registry/MsgUpdateModelStatus")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "inferchain/x/registry/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "inferchain/x/registry/Params", nil)
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
