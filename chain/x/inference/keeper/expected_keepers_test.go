package keeper_test

import (
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	distrkeeper "github.com/cosmos/cosmos-sdk/x/distribution/keeper"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"

	"github.com/inferchain/inferchain/chain/x/inference/types"
	registrykeeper "github.com/inferchain/inferchain/chain/x/registry/keeper"
)

// The app's concrete keepers satisfy the expected interfaces (as the app passes them to NewKeeper).
var (
	_ types.AccountKeeper      = authkeeper.AccountKeeper{}
	_ types.BankKeeper         = bankkeeper.BaseKeeper{}
	_ types.StakingKeeper      = (*stakingkeeper.Keeper)(nil)
	_ types.DistributionKeeper = distrkeeper.Keeper{}
	_ types.RegistryKeeper     = registrykeeper.Keeper{}
)
