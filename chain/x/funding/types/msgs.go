package types

import (
	"strings"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// The Validate methods are the stateless checks of each message against the current params (the msg server
// runs them first); addresses are decoded by the keeper's codec.

func checkText(field, s string, max uint32, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return errorsmod.Wrapf(ErrInvalidField, "%s: must not be empty", field)
	}
	if !utf8.ValidString(s) {
		return errorsmod.Wrapf(ErrInvalidField, "%s: not valid UTF-8", field)
	}
	if uint32(len(s)) > max {
		return errorsmod.Wrapf(ErrInvalidField, "%s: %d bytes is above the limit %d", field, len(s), max)
	}
	return nil
}

// checkCoin refuses a coin that is malformed, not positive or not in the funding denom (any denom when the
// params have none: the ceilings of ValidateBasic).
func checkCoin(field string, c sdk.Coin, p Params) error {
	if err := c.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: %v", field, err)
	}
	if p.Denom() != "" && c.Denom != p.Denom() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: denom %q is not the funding denom %q", field, c.Denom, p.Denom())
	}
	if !c.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: must be positive", field)
	}
	return nil
}

// Validate checks a MsgCreateRound against the params; the window against the current height is checked by
// the msg server.
func (m *MsgCreateRound) Validate(p Params) error {
	if err := checkText("title", m.Title, p.MaxTitleLength, true); err != nil {
		return err
	}
	if err := checkCoin("matching_pool", m.MatchingPool, p); err != nil {
		return err
	}
	if m.EndHeight < m.StartHeight {
		return errorsmod.Wrapf(ErrInvalidWindow, "end_height %d is before start_height %d", m.EndHeight, m.StartHeight)
	}
	return nil
}

// Validate checks a MsgFundPool against the params.
func (m *MsgFundPool) Validate(p Params) error {
	if m.RoundId == 0 {
		return errorsmod.Wrap(ErrInvalidField, "round_id: must be set")
	}
	return checkCoin("amount", m.Amount, p)
}

// Validate checks a MsgRegisterProject against the params: a subject (a content root) alone, or a proposal
// with title, uri and recipient.
func (m *MsgRegisterProject) Validate(p Params) error {
	if m.RoundId == 0 {
		return errorsmod.Wrap(ErrInvalidField, "round_id: must be set")
	}
	if m.Subject != "" {
		if err := registrytypes.ValidateDigest("subject", m.Subject); err != nil {
			return errorsmod.Wrapf(ErrInvalidField, "%v", err)
		}
		if m.Recipient != "" {
			return errorsmod.Wrap(ErrInvalidField, "recipient: must be empty for a registered subject (its publisher is paid)")
		}
		if err := checkText("title", m.Title, p.MaxTitleLength, false); err != nil {
			return err
		}
		return checkText("uri", m.Uri, p.MaxUriLength, false)
	}
	if err := checkText("title", m.Title, p.MaxTitleLength, true); err != nil {
		return err
	}
	if err := checkText("uri", m.Uri, p.MaxUriLength, true); err != nil {
		return err
	}
	if m.Recipient == "" {
		return errorsmod.Wrap(ErrInvalidField, "recipient: a proposal (no subject) needs a recipient")
	}
	return nil
}

// Validate checks a MsgContribute against the params (the minimum included; the cap needs state).
func (m *MsgContribute) Validate(p Params) error {
	if m.RoundId == 0 {
		return errorsmod.Wrap(ErrInvalidField, "round_id: must be set")
	}
	if m.ProjectId == 0 {
		return errorsmod.Wrap(ErrInvalidField, "project_id: must be set")
	}
	if err := checkCoin("amount", m.Amount, p); err != nil {
		return err
	}
	if m.Amount.Amount.LT(p.MinContribution.Amount) {
		return errorsmod.Wrapf(ErrBelowMinimum, "amount: %s is below the minimum contribution %s", m.Amount, p.MinContribution)
	}
	return nil
}

// ceilingParams are the loosest limits governance may set, without a denom: the state-independent checks of
// ValidateBasic (run in CheckTx, so that a message no params could accept never reaches the mempool). A
// message within the current params is always within these.
func ceilingParams() Params {
	return Params{
		MinContribution:         sdk.Coin{Amount: math.OneInt()},
		MaxContributionPerRound: sdk.Coin{Amount: math.NewIntWithDecimal(1, 30)},
		MaxRoundBlocks:          CeilingMaxRoundBlocks,
		MaxProjectsPerRound:     CeilingMaxProjectsPerRound,
		PayoutsPerBlock:         CeilingPayoutsPerBlock,
		MaxTitleLength:          CeilingMaxTitleLength,
		MaxUriLength:            CeilingMaxURILength,
	}
}

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgCreateRound) ValidateBasic() error { return m.Validate(ceilingParams()) }

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgFundPool) ValidateBasic() error { return m.Validate(ceilingParams()) }

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgRegisterProject) ValidateBasic() error { return m.Validate(ceilingParams()) }

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgContribute) ValidateBasic() error { return m.Validate(ceilingParams()) }

// ValidateBasic checks the proposed params.
func (m *MsgUpdateParams) ValidateBasic() error { return m.Params.Validate() }
