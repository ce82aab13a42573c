package types

import errorsmod "cosmossdk.io/errors"

// Registered errors of the inference module (codespace "inference"). Codes are stable: never renumber.
var (
	ErrInvalidField       = errorsmod.Register(ModuleName, 2, "invalid field")
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 3, "invalid address")
	ErrNotFound           = errorsmod.Register(ModuleName, 4, "not found")
	ErrDuplicate          = errorsmod.Register(ModuleName, 5, "duplicate")
	ErrUnauthorized       = errorsmod.Register(ModuleName, 6, "unauthorized")
	ErrModelUnavailable   = errorsmod.Register(ModuleName, 7, "model unavailable")
	ErrValidatorNotBonded = errorsmod.Register(ModuleName, 8, "validator not bonded")
	ErrNoExecutor         = errorsmod.Register(ModuleName, 9, "no executor")
	ErrInsufficientFee    = errorsmod.Register(ModuleName, 10, "insufficient fee")
	ErrInvalidJobState    = errorsmod.Register(ModuleName, 11, "invalid job state")
	ErrDeadlinePassed     = errorsmod.Register(ModuleName, 12, "deadline passed")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 13, "invalid params")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 14, "invalid genesis")
	ErrAuditPhase         = errorsmod.Register(ModuleName, 15, "wrong audit phase")
	ErrTombstoned         = errorsmod.Register(ModuleName, 40, "executor tombstoned for the model")
	ErrTooSoon            = errorsmod.Register(ModuleName, 41, "too soon")
)
