package types

import errorsmod "cosmossdk.io/errors"

// Registered errors of the training module (codespace "training"). Codes are stable: never renumber.
var (
	ErrInvalidField       = errorsmod.Register(ModuleName, 2, "invalid field")
	ErrNotFound           = errorsmod.Register(ModuleName, 3, "not found")
	ErrDuplicate          = errorsmod.Register(ModuleName, 4, "duplicate")
	ErrUnauthorized       = errorsmod.Register(ModuleName, 5, "unauthorized")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 6, "invalid params")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 7, "invalid genesis")
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 8, "invalid address")
	ErrModelUnavailable   = errorsmod.Register(ModuleName, 9, "model unavailable")
	ErrDatasetUnavailable = errorsmod.Register(ModuleName, 10, "dataset unavailable")
	ErrNoExecutor         = errorsmod.Register(ModuleName, 11, "no executor")
	ErrInvalidJobState    = errorsmod.Register(ModuleName, 12, "invalid job state")
	ErrDeadlinePassed     = errorsmod.Register(ModuleName, 13, "deadline passed")
	ErrUnsupportedMethod  = errorsmod.Register(ModuleName, 14, "unsupported training method")
	ErrAuditPhase         = errorsmod.Register(ModuleName, 15, "wrong audit phase")
)
