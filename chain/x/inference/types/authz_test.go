package types_test

import (
	"context"
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

var (
	rootA = strings.Repeat("a", 64)
	rootB = strings.Repeat("b", 64)
)

func request(model string, fee int64) *types.MsgRequestInference {
	return &types.MsgRequestInference{Requester: "infer1granter", Model: model, Prompt: "hi", MaxTokens: 4, MaxFee: sdk.NewInt64Coin("uinfer", fee)}
}

func TestRequestInferenceAuthorizationDeductsMaxFee(t *testing.T) {
	a := types.NewRequestInferenceAuthorization(sdk.NewCoins(sdk.NewInt64Coin("uinfer", 5000)), nil)
	require.Equal(t, "/inferchain.inference.v1.MsgRequestInference", a.MsgTypeURL())
	res, err := a.Accept(context.Background(), request(rootA, 2000))
	require.NoError(t, err)
	require.True(t, res.Accept)
	require.False(t, res.Delete)
	updated := res.Updated.(*types.RequestInferenceAuthorization)
	require.Equal(t, "3000uinfer", updated.SpendLimit.String())

	// Exactly what is left: accepted, and the grant is used up.
	res, err = updated.Accept(context.Background(), request(rootA, 3000))
	require.NoError(t, err)
	require.True(t, res.Accept)
	require.True(t, res.Delete)
}

func TestRequestInferenceAuthorizationRefusesBeyondTheLimit(t *testing.T) {
	a := types.NewRequestInferenceAuthorization(sdk.NewCoins(sdk.NewInt64Coin("uinfer", 1000)), nil)
	_, err := a.Accept(context.Background(), request(rootA, 1001))
	require.ErrorIs(t, err, sdkerrors.ErrInsufficientFunds)
	require.Contains(t, err.Error(), "max_fee")
	// Another denom is not covered by the limit at all.
	req := request(rootA, 1)
	req.MaxFee = sdk.NewInt64Coin("stake", 1)
	_, err = a.Accept(context.Background(), req)
	require.ErrorIs(t, err, sdkerrors.ErrInsufficientFunds)
}

func TestRequestInferenceAuthorizationRestrictsModels(t *testing.T) {
	a := types.NewRequestInferenceAuthorization(sdk.NewCoins(sdk.NewInt64Coin("uinfer", 5000)), []string{rootA})
	_, err := a.Accept(context.Background(), request(rootB, 10))
	require.ErrorIs(t, err, sdkerrors.ErrUnauthorized)
	require.Contains(t, err.Error(), "model")
	res, err := a.Accept(context.Background(), request(rootA, 10))
	require.NoError(t, err)
	require.Equal(t, []string{rootA}, res.Updated.(*types.RequestInferenceAuthorization).Models)
}

func TestRequestInferenceAuthorizationRefusesOtherMsgs(t *testing.T) {
	a := types.NewRequestInferenceAuthorization(sdk.NewCoins(sdk.NewInt64Coin("uinfer", 5000)), nil)
	_, err := a.Accept(context.Background(), &banktypes.MsgSend{FromAddress: "infer1granter", ToAddress: "infer1agent", Amount: sdk.NewCoins(sdk.NewInt64Coin("uinfer", 1))})
	require.ErrorIs(t, err, sdkerrors.ErrInvalidType)
}

func TestRequestInferenceAuthorizationValidateBasic(t *testing.T) {
	limit := sdk.NewCoins(sdk.NewInt64Coin("uinfer", 1))
	require.NoError(t, types.NewRequestInferenceAuthorization(limit, []string{rootA, rootB}).ValidateBasic())
	require.ErrorIs(t, types.NewRequestInferenceAuthorization(sdk.Coins{}, nil).ValidateBasic(), sdkerrors.ErrInvalidCoins)
	require.ErrorIs(t, types.NewRequestInferenceAuthorization(limit, []string{"tiny@1.0.0"}).ValidateBasic(), types.ErrInvalidField)
	require.ErrorIs(t, types.NewRequestInferenceAuthorization(limit, []string{rootA, rootA}).ValidateBasic(), types.ErrDuplicate)
}
