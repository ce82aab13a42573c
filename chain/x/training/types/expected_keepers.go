package types

import (
	"context"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	inferencekeeper "github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// BankKeeper is the subset of x/bank the training module uses (escrow, payout, refund).
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	BlockedAddr(addr sdk.AccAddress) bool
}

// AccountKeeper is the subset of x/auth the training module uses.
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// InferenceKeeper: the executor set and its stake-weighted assignment (satisfied by inferencekeeper.Keeper).
// Training jobs go to the executors that serve the base model, drawn exactly as inference jobs are.
type InferenceKeeper interface {
	PickExecutor(ctx context.Context, model string, jobID uint64, exclude map[string]bool) (inferencekeeper.Candidate, bool, error)
	GetExecutor(ctx context.Context, val sdk.ValAddress) (inferencetypes.Executor, bool, error)
	// AddExecutorModel lists the child as served by the executor that trained it (it holds the weights).
	AddExecutorModel(ctx context.Context, val sdk.ValAddress, model string) error

	// Audits (keeper/fraud_api.go in x/inference): the candidates for a committee, this block's entropy, the
	// proposer-deferral rule, and the same fraud and reward paths as an inference audit.
	EligibleExecutors(ctx context.Context, model string, exclude map[string]bool) ([]inferencekeeper.Candidate, error)
	CurrentEntropy(ctx context.Context) ([]byte, error)
	DeferAuditDecision(ctx context.Context, executor string, submittedHeight int64, cands []inferencekeeper.Candidate) (bool, uint32, error)
	ValidatorPower(ctx context.Context, val sdk.ValAddress) int64
	BondDenom(ctx context.Context) (string, error)
	PunishFraud(ctx context.Context, valoper string, infractionHeight, power int64, fraction math.LegacyDec, what, reason string) (math.Int, string, error)
	PayVerifierReward(ctx context.Context, to sdk.AccAddress, want sdk.Coin) (sdk.Coin, error)
	CountVerifierMiss(ctx context.Context, val sdk.ValAddress, what string) error
	ResetVerifierMisses(ctx context.Context, val sdk.ValAddress) error
}

// RegistryKeeper: lookups in x/registry (satisfied by registrykeeper.Keeper).
type RegistryKeeper interface {
	GetModel(ctx context.Context, contentRoot string) (registrytypes.Model, bool, error)
	GetDataset(ctx context.Context, contentRoot string) (registrytypes.Dataset, bool, error)
	ModelByName(ctx context.Context, name, version string) (registrytypes.Model, bool, error)
	// HoldModelPending marks the child just registered PENDING (not servable, not a base or a parent) until its
	// training audit settles; called again on a pending child, it only updates the reason.
	HoldModelPending(ctx context.Context, contentRoot, reason string) error
	// ActivateModel makes a PENDING child ACTIVE when its job settles COMPLETED (any other status is left as is).
	ActivateModel(ctx context.Context, contentRoot, reason string) error
	// RevokeModel marks a child REVOKED when its training was proven forged.
	RevokeModel(ctx context.Context, contentRoot, reason string) error
}

// ModelRegistrar registers the child model with every check of MsgRegisterModel (satisfied by
// registrykeeper.NewMsgServerImpl(k)): the child enters the registry exactly as a user-published model would.
type ModelRegistrar interface {
	RegisterModel(ctx context.Context, msg *registrytypes.MsgRegisterModel) (*registrytypes.MsgRegisterModelResponse, error)
}
