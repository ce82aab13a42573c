package keeper

import (
	"crypto/sha256"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// blockEntropy folds this block's hash into the running accumulator and stores it:
//
//	entropy(h) = sha256("inferchain/entropy" ‖ entropy(h-1) ‖ block hash(h))   (entropy(0) = empty)
//
// Audit draws use entropy(h) instead of the bare block hash, so a draw depends on every block so far and
// cannot be precomputed from one header. It does not stop the proposer of block h from grinding its own hash:
// that is what the choice of the deciding proposer is for (decideAudit, README "Randomness"). It is called
// once per block, at the start of the EndBlocker.
func (k Keeper) blockEntropy(ctx sdk.Context) ([]byte, error) {
	prev, err := k.Entropy.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	h := sha256.New()
	h.Write([]byte(types.EntropyDomain))
	h.Write(prev)
	h.Write(blockHash(ctx))
	e := h.Sum(nil)
	return e, k.Entropy.Set(ctx, e)
}
