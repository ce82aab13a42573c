package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// ValidateBasic refuses what no params could accept, and accepts any denom (the params decide it later).
func TestValidateBasic(t *testing.T) {
	root := strings.Repeat("a", 64)
	good := []sdk.HasValidateBasic{
		&types.MsgCreateRound{Title: "t", MatchingPool: sdk.NewInt64Coin("stake", 5), StartHeight: 1, EndHeight: 2},
		&types.MsgFundPool{RoundId: 1, Amount: sdk.NewInt64Coin("uinfer", 1)},
		&types.MsgRegisterProject{RoundId: 1, Subject: root},
		&types.MsgRegisterProject{RoundId: 1, Title: "p", Uri: "https://x", Recipient: "infer1x"},
		&types.MsgContribute{RoundId: 1, ProjectId: 1, Amount: sdk.NewInt64Coin("uinfer", 1)},
		&types.MsgUpdateParams{Params: types.DefaultParams()},
	}
	for _, m := range good {
		require.NoError(t, m.ValidateBasic(), "%T", m)
	}
	for name, m := range map[string]sdk.HasValidateBasic{
		"zero pool":        &types.MsgCreateRound{Title: "t", MatchingPool: sdk.NewInt64Coin("uinfer", 0), StartHeight: 1, EndHeight: 2},
		"no title":         &types.MsgCreateRound{MatchingPool: sdk.NewInt64Coin("uinfer", 5), StartHeight: 1, EndHeight: 2},
		"title too long":   &types.MsgCreateRound{Title: strings.Repeat("x", int(types.CeilingMaxTitleLength)+1), MatchingPool: sdk.NewInt64Coin("uinfer", 5), EndHeight: 2},
		"end before start": &types.MsgCreateRound{Title: "t", MatchingPool: sdk.NewInt64Coin("uinfer", 5), StartHeight: 3, EndHeight: 2},
		"fund round 0":     &types.MsgFundPool{Amount: sdk.NewInt64Coin("uinfer", 1)},
		"bad subject":      &types.MsgRegisterProject{RoundId: 1, Subject: "xyz"},
		"proposal no uri":  &types.MsgRegisterProject{RoundId: 1, Title: "p", Recipient: "infer1x"},
		"zero amount":      &types.MsgContribute{RoundId: 1, ProjectId: 1, Amount: sdk.NewInt64Coin("uinfer", 0)},
		"project 0":        &types.MsgContribute{RoundId: 1, Amount: sdk.NewInt64Coin("uinfer", 1)},
		"bad params":       &types.MsgUpdateParams{},
	} {
		require.Error(t, m.ValidateBasic(), name)
	}
}
