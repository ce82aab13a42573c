package keeper

import (
	"context"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// payRoyalties pays the publisher part of a settled job's split up the model's lineage (types.SplitRoyalty:
// lineage_royalty_share per generation, up to lineage_max_depth generations and lineage_max_nodes nodes).
// A credit whose publisher cannot receive funds (an address that does not decode, a blocked module address)
// or a model no longer found sends that part to the community pool instead. On return split.Publisher is what
// the publishers were actually paid and split.Royalties says who got what; Royalties is left empty when the
// job model's publisher received the whole royalty (a model without lineage), so that such splits read as
// before lineage royalties existed.
func (k Keeper) payRoyalties(ctx context.Context, p types.Params, job *types.Job, split *types.FeeSplit) error {
	royalty := split.Publisher
	paid := math.ZeroInt()
	var shares []types.RoyaltyShare
	if royalty.IsPositive() {
		credits, found, err := types.SplitRoyalty(ctx, k.registry, job.Model, royalty.Amount, p)
		if err != nil {
			return err
		}
		if found {
			for _, c := range credits {
				if !c.Amount.IsPositive() {
					continue
				}
				bz, err := k.addressCodec.StringToBytes(c.Publisher)
				if err != nil || k.bankKeeper.BlockedAddr(bz) {
					continue
				}
				amt := sdk.NewCoin(royalty.Denom, c.Amount)
				if err := k.payAccount(ctx, bz, amt); err != nil {
					return err
				}
				shares = append(shares, types.RoyaltyShare{Recipient: c.Publisher, Amount: amt})
				paid = paid.Add(c.Amount)
			}
			if len(shares) == 1 && shares[0].Recipient == credits[0].Publisher && paid.Equal(royalty.Amount) {
				shares = nil // all to the job model's publisher
			}
		}
	}
	split.CommunityPool = split.CommunityPool.Add(sdk.NewCoin(royalty.Denom, royalty.Amount.Sub(paid)))
	split.Publisher = sdk.NewCoin(royalty.Denom, paid)
	split.Royalties = shares
	return nil
}
