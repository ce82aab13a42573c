package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// AccountKeeper is the subset of x/auth the funding module uses (satisfied by authkeeper.AccountKeeper).
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// BankKeeper is the subset of x/bank the funding module uses (satisfied by bankkeeper.BaseKeeper).
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	// BlockedAddr reports addresses that may not receive funds (module accounts): a proposal naming one is
	// refused, and a payout to one (a publisher that became blocked) goes to the community pool.
	BlockedAddr(addr sdk.AccAddress) bool
}

// DistributionKeeper is the subset of x/distribution the funding module uses (satisfied by distrkeeper.Keeper).
type DistributionKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}

// RegistryKeeper is the subset of x/registry the funding module uses (satisfied by registrykeeper.Keeper):
// a project's subject must be a registered model or dataset, paid to its publisher.
type RegistryKeeper interface {
	GetModel(ctx context.Context, contentRoot string) (m registrytypes.Model, found bool, err error)
	GetDataset(ctx context.Context, contentRoot string) (d registrytypes.Dataset, found bool, err error)
}
