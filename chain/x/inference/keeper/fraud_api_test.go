package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"
)

// PunishFraud (x/training's fraud path) is the inference fraud path: slashed from the recorded power at the
// infraction height, jailed, deactivated.
func TestPunishFraud_SlashesRecordedPowerJailsDeactivates(t *testing.T) {
	f := newAuditFixture(t)
	val := f.executor("cheat", bigStake)
	frac := math.LegacyMustNewDecFromStr("0.05")
	power := f.k.ValidatorPower(f.ctx, mustVal(f, val))
	require.Positive(t, power)
	slashed, note, err := f.k.PunishFraud(f.ctx, val, f.ctx.BlockHeight(), power, frac, "training job 1", "forged checkpoint")
	require.NoError(t, err)
	require.Empty(t, note)
	require.True(t, slashed.IsPositive())
	last := f.staking.slashes[len(f.staking.slashes)-1]
	require.Equal(t, power, last.power)
	require.Equal(t, f.ctx.BlockHeight(), last.infractionHeight)
	require.Equal(t, frac, last.fraction)
	e, found, err := f.k.GetExecutor(f.ctx, mustVal(f, val))
	require.NoError(t, err)
	require.True(t, found)
	require.False(t, e.Active, "deactivated")
}
