package types

import errorsmod "cosmossdk.io/errors"

// Registered errors of the funding module (codespace "funding"). Codes are stable: never renumber.
var (
	ErrInvalidParams    = errorsmod.Register(ModuleName, 2, "invalid params")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 3, "invalid genesis")
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 4, "invalid address")
	ErrInvalidField     = errorsmod.Register(ModuleName, 5, "invalid field")
	ErrNotFound         = errorsmod.Register(ModuleName, 6, "not found")
	ErrDuplicate        = errorsmod.Register(ModuleName, 7, "duplicate")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 8, "unauthorized")
	ErrInvalidWindow    = errorsmod.Register(ModuleName, 9, "invalid window")
	ErrOutOfWindow      = errorsmod.Register(ModuleName, 10, "outside the round's window")
	ErrInvalidAmount    = errorsmod.Register(ModuleName, 11, "invalid amount")
	ErrBelowMinimum     = errorsmod.Register(ModuleName, 12, "below the minimum contribution")
	ErrOverCap          = errorsmod.Register(ModuleName, 13, "over the per-contributor cap")
	ErrTooManyProjects  = errorsmod.Register(ModuleName, 14, "too many projects")
	ErrBlockedRecipient = errorsmod.Register(ModuleName, 15, "recipient cannot receive funds")
	ErrRoundNotOpen     = errorsmod.Register(ModuleName, 16, "round is not open")
)
