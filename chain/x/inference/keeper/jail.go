package keeper

import (
	"fmt"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// jail jails a validator through x/slashing (unless it already is) and sets its signing info's JailedUntil to
// at least block time + jail_duration_seconds, so that MsgUnjail waits: jailing through x/staking alone
// leaves JailedUntil in the past and the validator could unjail in the next block. A longer JailedUntil
// (x/evidence's tombstone, a downtime jail) is never shortened. It never fails: it returns what it did, for
// the reason of the executor's update event.
func (k Keeper) jail(ctx sdk.Context, p types.Params, valBz sdk.ValAddress, jobID uint64) string {
	v, err := k.stakingKeeper.Validator(ctx, valBz)
	if err != nil || v == nil {
		return "validator not found, not jailed"
	}
	consAddr, err := v.GetConsAddr()
	if err != nil {
		return fmt.Sprintf("not jailed: %v", err)
	}
	until := ctx.BlockTime().Add(time.Duration(p.JailDurationSeconds) * time.Second)
	did := "validator jailed"
	if v.IsJailed() {
		did = "validator already jailed"
	}
	if err := tryStaking(ctx, func(cctx sdk.Context) error {
		if !v.IsJailed() {
			if err := k.slashing.Jail(cctx, consAddr); err != nil {
				return err
			}
		}
		info, err := k.slashing.GetValidatorSigningInfo(cctx, consAddr)
		if err != nil {
			return err
		}
		if info.JailedUntil.Before(until) {
			return k.slashing.JailUntil(cctx, consAddr, until)
		}
		return nil
	}); err != nil {
		k.Logger(ctx).Error("inference: could not jail a validator", "job", jobID, "validator", valBz.String(), "err", err)
		return fmt.Sprintf("could not jail the validator: %v", err)
	}
	return fmt.Sprintf("%s until %s", did, until.UTC().Format(time.RFC3339))
}
