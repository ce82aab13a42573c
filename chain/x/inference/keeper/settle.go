package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// settle pays out a job with a result: charged = min(max_fee, base_fee + fee_per_token * output tokens), split
// by the params shares (types.SplitFee), the remainder of max_fee refunded. Recipients:
//   - executor share: the validator operator's account (the account form of the infervaloper address), not the
//     sidecar: the sidecar key is a hot key on the inference host and should hold only gas money, while the fee
//     is the validator's revenue and belongs with its operator (cold) key;
//   - publisher royalty: the model's publisher in x/registry, shared with the publishers of its ancestors and
//     datasets (payRoyalties);
//   - verifier share: the inference_verifiers module account (paid to verifiers by the audit logic);
//   - community share: the community pool (x/distribution).
//
// A share whose recipient cannot receive funds (a blocked module address, a model no longer found or a
// publisher address that does not decode) goes to the community pool instead; the stored FeeSplit records
// what was actually paid, and always sums to max_fee.
func (k Keeper) settle(ctx context.Context, p types.Params, job *types.Job) error {
	if job.Result == nil {
		return fmt.Errorf("job %d has no result", job.Id)
	}
	shares, err := p.ParseShares()
	if err != nil {
		return err
	}
	charged := types.ChargedFee(p, job.MaxFee, uint32(len(job.Result.OutputTokenIds)))
	split := types.SplitFee(job.MaxFee, charged, shares)

	valBz, err := k.validatorAddressCodec.StringToBytes(job.Executor)
	if err != nil {
		return fmt.Errorf("job %d: executor %q: %w", job.Id, job.Executor, err)
	}
	operator := sdk.AccAddress(valBz)
	if k.bankKeeper.BlockedAddr(operator) {
		split.CommunityPool = split.CommunityPool.Add(split.Executor)
		split.Executor = sdk.NewCoin(split.Executor.Denom, math.ZeroInt())
	}

	requester, err := k.addressCodec.StringToBytes(job.Requester)
	if err != nil {
		return fmt.Errorf("job %d: requester %q: %w", job.Id, job.Requester, err)
	}

	if err := k.payAccount(ctx, operator, split.Executor); err != nil {
		return err
	}
	// the publisher royalty, shared up the model's lineage (royalty.go); unpayable parts join the community share
	if err := k.payRoyalties(ctx, p, job, &split); err != nil {
		return err
	}
	if split.VerifierPool.IsPositive() {
		if err := k.bankKeeper.SendCoinsFromModuleToModule(ctx, types.ModuleName, types.VerifierPoolName, sdk.NewCoins(split.VerifierPool)); err != nil {
			return err
		}
	}
	if split.CommunityPool.IsPositive() {
		if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(split.CommunityPool), k.ModuleAddress()); err != nil {
			return err
		}
	}
	if err := k.payAccount(ctx, requester, split.Refund); err != nil {
		return err
	}

	sdkCtx := sdk.UnwrapSDKContext(ctx)
	job.Status = types.JobStatus_JOB_STATUS_SETTLED
	job.Settlement = &split
	job.SettledHeight = sdkCtx.BlockHeight()
	job.StatusReason = ""
	if err := k.setJob(ctx, *job); err != nil {
		return err
	}

	// the executor completed a job
	if e, found, err := k.GetExecutor(ctx, valBz); err != nil {
		return err
	} else if found {
		e.CompletedJobs++
		if err := k.Executors.Set(ctx, valBz, e); err != nil {
			return err
		}
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventJobSettled{JobId: job.Id, Split: &split})
}

// payAccount sends a (possibly zero) amount from the escrow to an account.
func (k Keeper) payAccount(ctx context.Context, to sdk.AccAddress, c sdk.Coin) error {
	if !c.IsPositive() {
		return nil
	}
	return k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(c))
}

// refund returns the whole escrow (max_fee) to the requester, marks the job REFUNDED with the reason, drops it
// from the queues and emits EventJobRefunded.
func (k Keeper) refund(ctx context.Context, job *types.Job, reason string) error {
	requester, err := k.addressCodec.StringToBytes(job.Requester)
	if err != nil {
		return fmt.Errorf("job %d: requester %q: %w", job.Id, job.Requester, err)
	}
	if err := k.payAccount(ctx, requester, job.MaxFee); err != nil {
		return err
	}
	if err := k.DeadlineQueue.Remove(ctx, collections.Join(job.DeadlineHeight, job.Id)); err != nil {
		return err
	}
	if job.Result != nil {
		if err := k.SettlementQueue.Remove(ctx, collections.Join(job.Result.SubmittedHeight, job.Id)); err != nil {
			return err
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	job.Status = types.JobStatus_JOB_STATUS_REFUNDED
	job.StatusReason = reason
	job.SettledHeight = sdkCtx.BlockHeight()
	if err := k.setJob(ctx, *job); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventJobRefunded{
		JobId:     job.Id,
		Requester: job.Requester,
		Amount:    job.MaxFee.String(),
		Reason:    reason,
	})
}
