package keeper

import (
	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Bounded state: a terminal job (SETTLED or REFUNDED) is queued for pruning at settled_height +
// retention_blocks when it is stored (setJob), and the EndBlocker of that height removes it with its index
// entries, after EventJobPruned carried the whole record. With retention_blocks = 0 jobs are kept forever.

// maxPrunePerBlock bounds the EndBlocker's pruning work; the rest waits for the next block.
const maxPrunePerBlock = 1000

func terminal(s types.JobStatus) bool {
	return s == types.JobStatus_JOB_STATUS_SETTLED || s == types.JobStatus_JOB_STATUS_REFUNDED
}

// queuePrune queues a terminal job for pruning (a no-op for an open job or with retention_blocks = 0).
func (k Keeper) queuePrune(ctx sdk.Context, j types.Job) error {
	if !terminal(j.Status) {
		return nil
	}
	p, err := k.GetParams(ctx)
	if err != nil || p.RetentionBlocks == 0 {
		return err
	}
	return k.PruneQueue.Set(ctx, collections.Join(j.SettledHeight+int64(p.RetentionBlocks), j.Id))
}

// prune removes the terminal jobs whose retention ended at or before this height (at most maxPrunePerBlock).
func (k Keeper) prune(ctx sdk.Context) error {
	due, err := k.queued(ctx, k.PruneQueue, ctx.BlockHeight()+1)
	if err != nil {
		return err
	}
	if len(due) > maxPrunePerBlock {
		due = due[:maxPrunePerBlock]
	}
	for _, key := range due {
		k.processJob(ctx, key.K2(), "prune", func(cctx sdk.Context, job *types.Job) error {
			if err := k.PruneQueue.Remove(cctx, key); err != nil {
				return err
			}
			if !terminal(job.Status) {
				return nil // stale entry
			}
			if err := cctx.EventManager().EmitTypedEvent(&types.EventJobPruned{Job: job}); err != nil {
				return err
			}
			if job.Audit != nil {
				for _, m := range job.Audit.Committee {
					if err := k.JobsByVerifier.Remove(cctx, collections.Join(m, job.Id)); err != nil {
						return err
					}
					if err := k.OpenAudits.Remove(cctx, collections.Join(m, job.Id)); err != nil {
						return err
					}
				}
			}
			return k.Jobs.Remove(cctx, job.Id)
		})
	}
	return nil
}
