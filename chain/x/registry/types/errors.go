package types

import errorsmod "cosmossdk.io/errors"

// Registered errors of the registry module (codespace "registry"). Codes are stable: never renumber.
var (
	ErrInvalidDigest       = errorsmod.Register(ModuleName, 2, "invalid digest")
	ErrNotFound            = errorsmod.Register(ModuleName, 3, "not found")
	ErrDuplicate           = errorsmod.Register(ModuleName, 4, "duplicate")
	ErrInvalidField        = errorsmod.Register(ModuleName, 5, "invalid field")
	ErrUnauthorized        = errorsmod.Register(ModuleName, 6, "unauthorized")
	ErrAlreadyRevoked      = errorsmod.Register(ModuleName, 7, "already revoked")
	ErrContentRootMismatch = errorsmod.Register(ModuleName, 8, "content root mismatch")
	ErrInvalidStatus       = errorsmod.Register(ModuleName, 9, "invalid status transition")
	ErrInvalidParams       = errorsmod.Register(ModuleName, 10, "invalid params")
	ErrInvalidGenesis      = errorsmod.Register(ModuleName, 11, "invalid genesis")
	ErrInvalidAddress      = errorsmod.Register(ModuleName, 12, "invalid address")
	ErrInvalidExpiry       = errorsmod.Register(ModuleName, 13, "invalid expiry")
)
