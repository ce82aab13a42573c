package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

func TestAddExecutorModel_AppendsOnceAndMakesTheExecutorEligible(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	val, err := sdk.ValAddressFromBech32(valStr)
	require.NoError(t, err)
	child := f.addModel("child", registrytypes.ModelStatus_MODEL_STATUS_ACTIVE)
	before, err := f.k.EligibleExecutors(f.ctx, child, nil)
	require.NoError(t, err)
	require.Empty(t, before)

	require.NoError(t, f.k.AddExecutorModel(f.ctx, val, child))
	require.NoError(t, f.k.AddExecutorModel(f.ctx, val, child)) // idempotent
	e, found, err := f.k.GetExecutor(f.ctx, val)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, []string{f.model, child}, e.Models)
	after, err := f.k.EligibleExecutors(f.ctx, child, nil)
	require.NoError(t, err)
	require.Len(t, after, 1)

	require.Error(t, f.k.AddExecutorModel(f.ctx, sdk.ValAddress(addrOf("nobody")), child))
}
