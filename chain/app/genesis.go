package app

import (
	"encoding/json"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/x/gov"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	"github.com/cosmos/cosmos-sdk/x/mint"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	"github.com/cosmos/cosmos-sdk/x/staking"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// GenesisState of the blockchain is represented here as a map of raw json
// messages key'd by an identifier string. The identifier is used to determine
// which module genesis information belongs to so it may be appropriately routed
// during init chain.
type GenesisState map[string]json.RawMessage

// The SDK modules below put sdk.DefaultBondDenom ("stake") into their default genesis.
// These wrappers pin BondDenom instead, so `inferchaind init` writes uinfer everywhere,
// whatever the process-global default is. They are used in the BasicModuleManager only
// (which produces and validates genesis); everything else is the stock module.

type stakingModuleBasic struct{ staking.AppModuleBasic }

// DefaultGenesis returns the staking default genesis with BondDenom as bond denom.
func (stakingModuleBasic) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	gs := stakingtypes.DefaultGenesisState()
	gs.Params.BondDenom = BondDenom
	return cdc.MustMarshalJSON(gs)
}

type mintModuleBasic struct{ mint.AppModuleBasic }

// DefaultGenesis returns the mint default genesis minting BondDenom.
func (mintModuleBasic) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	gs := minttypes.DefaultGenesisState()
	gs.Params.MintDenom = BondDenom
	return cdc.MustMarshalJSON(gs)
}

type govModuleBasic struct{ gov.AppModuleBasic }

// DefaultGenesis returns the gov default genesis with deposits in BondDenom.
func (govModuleBasic) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	gs := govv1.DefaultGenesisState()
	for i := range gs.Params.MinDeposit {
		gs.Params.MinDeposit[i].Denom = BondDenom
	}
	for i := range gs.Params.ExpeditedMinDeposit {
		gs.Params.ExpeditedMinDeposit[i].Denom = BondDenom
	}
	return cdc.MustMarshalJSON(gs)
}
