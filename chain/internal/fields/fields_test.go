package fields_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	errorsmod "cosmossdk.io/errors"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/inferchain/inferchain/chain/internal/fields"
)

var (
	errField   = errorsmod.Register("fields_test", 2, "invalid field")
	errAddress = errorsmod.Register("fields_test", 3, "invalid address")
)

func TestShowCutsOnARuneBoundary(t *testing.T) {
	require.Equal(t, `"abc"`, fields.Show("abc"))
	long := strings.Repeat("a", fields.MaxShown-1) + "é" + "zzz"
	got := fields.Show(long)
	require.Contains(t, got, "... (84 bytes)")
	require.NotContains(t, got, `\xc3`, "a rune was cut in half")
}

func TestErrNamesTheField(t *testing.T) {
	err := fields.Err(errField, "prompt", "is %d bytes", 7)
	require.ErrorIs(t, err, errField)
	require.Equal(t, "prompt: is 7 bytes: invalid field", err.Error())
}

func TestCanonical(t *testing.T) {
	c := addresscodec.NewBech32Codec("infer")
	addr, err := c.BytesToString(make([]byte, 20))
	require.NoError(t, err)
	canon, bz, err := fields.Canonical(c, errAddress, "account address", "sidecar", strings.ToUpper(addr))
	require.NoError(t, err)
	require.Equal(t, addr, canon)
	require.Len(t, bz, 20)

	_, _, err = fields.Canonical(c, errAddress, "account address", "sidecar", "nope")
	require.ErrorIs(t, err, errAddress)
	require.Contains(t, err.Error(), `sidecar: "nope" is not a valid account address`)
}
