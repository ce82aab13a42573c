package types

import (
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// ChargedFee is what a settled job costs: min(max_fee, base_fee + fee_per_token * outputTokens), in the
// denom of max_fee. If governance changed the fee denom after the job was requested (the params price no
// longer applies), the job is charged its max_fee, the price the requester signed for.
func ChargedFee(p Params, maxFee sdk.Coin, outputTokens uint32) math.Int {
	if p.BaseFee.Denom != maxFee.Denom || p.FeePerToken.Denom != maxFee.Denom {
		return maxFee.Amount
	}
	price := p.BaseFee.Amount.Add(p.FeePerToken.Amount.MulRaw(int64(outputTokens)))
	return math.MinInt(maxFee.Amount, price)
}

// SplitFee splits the charged amount of maxFee by the shares: publisher, verifier pool and community pool
// each get floor(charged * share); the executor gets the rest (its share plus every rounding remainder);
// the requester is refunded max_fee - charged. The five parts always sum to exactly max_fee.
// charged must be in [0, max_fee].
func SplitFee(maxFee sdk.Coin, charged math.Int, s Shares) FeeSplit {
	denom := maxFee.Denom
	part := func(share math.LegacyDec) math.Int {
		return math.LegacyNewDecFromInt(charged).Mul(share).TruncateInt()
	}
	publisher := part(s.Publisher)
	verifier := part(s.Verifier)
	community := part(s.Community)
	executor := charged.Sub(publisher).Sub(verifier).Sub(community)
	return FeeSplit{
		Executor:      sdk.NewCoin(denom, executor),
		Publisher:     sdk.NewCoin(denom, publisher),
		VerifierPool:  sdk.NewCoin(denom, verifier),
		CommunityPool: sdk.NewCoin(denom, community),
		Refund:        sdk.NewCoin(denom, maxFee.Amount.Sub(charged)),
	}
}

// Total is the sum of the five parts of a split.
func (s FeeSplit) Total() math.Int {
	return s.Executor.Amount.Add(s.Publisher.Amount).Add(s.VerifierPool.Amount).Add(s.CommunityPool.Amount).Add(s.Refund.Amount)
}
