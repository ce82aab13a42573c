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
	// These two names are 40 and 41 characters, over legacy.RegisterAminoMsg's 39-character Ledger limit,
	// so they are registered directly: Ledger Amino-JSON signing of these two messages is unsupported
	// (SIGN_MODE_DIRECT and software-key Amino JSON work). Shorten their (amino.name) in tx.proto to lift it.
	cdc.RegisterConcrete(&MsgRevokeAttestation{}, "inferchain/registry/MsgRevokeAttestation", nil)
	cdc.RegisterConcrete(&MsgUpdateModelStatus{}, "inferchain/registry/MsgUpdateModelStatus", nil)
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
