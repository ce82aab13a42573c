// Package fields holds the helpers every module uses to validate message fields and report them: an error
// that names the field first ("prompt: is 20000 bytes, the maximum is 16384: invalid field"), a bounded echo
// of a bad value, and the canonical re-encoding of bech32 addresses.
package fields

import (
	"fmt"
	"unicode/utf8"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
)

// MaxShown bounds how much of a bad value is echoed back in an error.
const MaxShown = 80

// Show quotes s for an error message, cut (on a rune boundary) to MaxShown bytes with its length when longer.
func Show(s string) string {
	if len(s) > MaxShown {
		cut := MaxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q... (%d bytes)", s[:cut], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// Err wraps kind (a module's registered error, e.g. its ErrInvalidField) with "field: message".
func Err(kind *errorsmod.Error, field, format string, args ...any) error {
	return errorsmod.Wrapf(kind, "%s: %s", field, fmt.Sprintf(format, args...))
}

// Canonical decodes a bech32 address with codec and re-encodes it, so that state only ever holds the
// canonical (lowercase) form. what names the kind of address in the error ("account address", "validator
// operator address"); a failure wraps invalid (the module's ErrInvalidAddress).
func Canonical(codec address.Codec, invalid *errorsmod.Error, what, field, s string) (string, []byte, error) {
	bz, err := codec.StringToBytes(s)
	if err != nil {
		return "", nil, errorsmod.Wrapf(invalid, "%s: %q is not a valid %s: %v", field, s, what, err)
	}
	canon, err := codec.BytesToString(bz)
	if err != nil {
		return "", nil, errorsmod.Wrapf(invalid, "%s: %v", field, err)
	}
	return canon, bz, nil
}
