package types

import (
	"context"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// AccountKeeper is the subset of x/auth the inference module uses (satisfied by authkeeper.AccountKeeper).
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// BankKeeper is the subset of x/bank the inference module uses (satisfied by bankkeeper.BaseKeeper).
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	SendCoinsFromModuleToModule(ctx context.Context, senderModule, recipientModule string, amt sdk.Coins) error
	// BlockedAddr reports addresses that may not receive funds (module accounts): refunds and payouts to them
	// would fail, so requests from them are refused and payouts to them go to the community pool.
	BlockedAddr(addr sdk.AccAddress) bool
	// GetBalance is used to pay verifier rewards from the verifier pool without ever overdrawing it.
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
	// GetSupply measures what a slash burned in all: x/staking's Slash returns only the part burned from the
	// validator, not the part taken from unbonding delegations and redelegations.
	GetSupply(ctx context.Context, denom string) sdk.Coin
}

// StakingKeeper is the subset of x/staking the inference module uses (satisfied by *stakingkeeper.Keeper).
type StakingKeeper interface {
	// Validator returns the validator with the given operator address, or an error when there is none.
	Validator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.ValidatorI, error)
	// Slash burns slashFactor of the tokens a validator (found by consensus address, ValidatorI.GetConsAddr) had
	// at power at infractionHeight (and of its unbondings / redelegations since); it returns the tokens burned
	// from the validator.
	Slash(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, slashFactor math.LegacyDec) (math.Int, error)
	// PowerReduction converts tokens to consensus power (ValidatorI.GetConsensusPower).
	PowerReduction(ctx context.Context) math.Int
	// BondDenom is the denom of slashed tokens.
	BondDenom(ctx context.Context) (string, error)
	// GetBondedValidatorsByPower lists the bonded validators (the proposers): an audit decision waits for a
	// proposer with no stake in it only when one exists.
	GetBondedValidatorsByPower(ctx context.Context) ([]stakingtypes.Validator, error)
}

// SlashingKeeper is the subset of x/slashing the inference module uses (satisfied by slashingkeeper.Keeper).
// Jailing goes through x/slashing, not x/staking, so that the validator's signing info holds a JailedUntil
// and MsgUnjail waits for it.
type SlashingKeeper interface {
	// Jail jails a bonded validator through x/staking and emits x/slashing's slash event.
	Jail(ctx context.Context, consAddr sdk.ConsAddress) error
	// JailUntil sets the signing info's JailedUntil (MsgUnjail fails before it); it fails when the validator
	// has no signing info.
	JailUntil(ctx context.Context, consAddr sdk.ConsAddress, jailTime time.Time) error
	// GetValidatorSigningInfo is read so that a jail never shortens a longer one (e.g. x/evidence's).
	GetValidatorSigningInfo(ctx context.Context, consAddr sdk.ConsAddress) (slashingtypes.ValidatorSigningInfo, error)
}

// DistributionKeeper is the subset of x/distribution the inference module uses (satisfied by distrkeeper.Keeper).
type DistributionKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}

// RegistryKeeper is the subset of x/registry the inference module uses (satisfied by registrykeeper.Keeper).
type RegistryKeeper interface {
	// GetModel returns the model with the given content root; found is false when there is none.
	GetModel(ctx context.Context, contentRoot string) (m registrytypes.Model, found bool, err error)
	// GetDataset returns the dataset with the given content root (royalties up the lineage pay its publisher).
	GetDataset(ctx context.Context, contentRoot string) (d registrytypes.Dataset, found bool, err error)
}
