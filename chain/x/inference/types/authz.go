package types

import (
	"context"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/x/authz"
)

var _ authz.Authorization = &RequestInferenceAuthorization{}

// NewRequestInferenceAuthorization grants MsgRequestInference escrowing at most spendLimit in total, for the
// given models (content roots; none = any).
func NewRequestInferenceAuthorization(spendLimit sdk.Coins, models []string) *RequestInferenceAuthorization {
	return &RequestInferenceAuthorization{SpendLimit: spendLimit, Models: models}
}

// MsgTypeURL implements authz.Authorization.
func (a RequestInferenceAuthorization) MsgTypeURL() string {
	return sdk.MsgTypeURL(&MsgRequestInference{})
}

// Accept implements authz.Authorization: the model must be listed (when a list is given) and the request's
// max_fee, the most it can escrow from the granter, must fit in what is left of the spend limit; it is deducted
// now (an unused part refunded to the granter at settlement is not credited back: the limit bounds what the
// agent can put at risk). Nothing left: the grant is deleted.
func (a RequestInferenceAuthorization) Accept(_ context.Context, msg sdk.Msg) (authz.AcceptResponse, error) {
	req, ok := msg.(*MsgRequestInference)
	if !ok {
		return authz.AcceptResponse{}, sdkerrors.ErrInvalidType.Wrapf("expected %s, got %T", a.MsgTypeURL(), msg)
	}
	if len(a.Models) > 0 && !contains(a.Models, req.Model) {
		return authz.AcceptResponse{}, sdkerrors.ErrUnauthorized.Wrapf("model: %s is not among the %d models of this authorization", show(req.Model), len(a.Models))
	}
	left, negative := a.SpendLimit.SafeSub(req.MaxFee)
	if negative {
		return authz.AcceptResponse{}, sdkerrors.ErrInsufficientFunds.Wrapf("max_fee: %s exceeds the authorization's remaining spend limit %s", req.MaxFee, a.SpendLimit)
	}
	if left.IsZero() {
		return authz.AcceptResponse{Accept: true, Delete: true}, nil
	}
	return authz.AcceptResponse{Accept: true, Updated: &RequestInferenceAuthorization{SpendLimit: left, Models: a.Models}}, nil
}

// ValidateBasic implements authz.Authorization: a positive, valid spend limit and distinct model content roots.
func (a RequestInferenceAuthorization) ValidateBasic() error {
	if !a.SpendLimit.IsValid() || a.SpendLimit.IsZero() {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidCoins, "spend_limit: must be a positive, valid amount, got %s", a.SpendLimit)
	}
	if len(a.Models) > MaxModelsPerExecutor {
		return FieldErr("models", "has %d entries, the maximum is %d", len(a.Models), MaxModelsPerExecutor)
	}
	seen := make(map[string]int, len(a.Models))
	for i, m := range a.Models {
		field := fmt.Sprintf("models[%d]", i)
		if err := ValidateModelRef(field, m); err != nil {
			return err
		}
		if j, dup := seen[m]; dup {
			return errorsmod.Wrapf(ErrDuplicate, "%s: %s is also models[%d]", field, m, j)
		}
		seen[m] = i
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
