package keeper

import (
	"context"
	"encoding/binary"
	"fmt"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// Pagination of job listings. query.CollectionPaginate needs raw iteration, which collections' Multi indexes
// do not expose, so job listings page by job id: the page key is the 8-byte big-endian id of the first job of
// the next page, the same key whether the listing walks the jobs map or one of its indexes.

// walkIDs walks job ids in order (ascending, or descending when reverse) starting at start (inclusive) when
// hasStart, calling fn until it returns stop.
type walkIDs func(ctx context.Context, start uint64, hasStart, reverse bool, fn func(id uint64) (stop bool, err error)) error

// walkAllJobs walks the jobs map.
func (k Keeper) walkAllJobs(ctx context.Context, start uint64, hasStart, reverse bool, fn func(uint64) (bool, error)) error {
	rng := new(collections.Range[uint64])
	if hasStart {
		if reverse {
			rng = rng.EndInclusive(start)
		} else {
			rng = rng.StartInclusive(start)
		}
	}
	if reverse {
		rng = rng.Descending()
	}
	return k.Jobs.Walk(ctx, rng, func(id uint64, _ types.Job) (bool, error) { return fn(id) })
}

// walkIndex returns a walkIDs over the job ids of one reference key of a Multi index.
func walkIndex[R any](idx interface {
	Walk(ctx context.Context, ranger collections.Ranger[collections.Pair[R, uint64]], fn func(R, uint64) (bool, error)) error
}, ref R,
) walkIDs {
	return func(ctx context.Context, start uint64, hasStart, reverse bool, fn func(uint64) (bool, error)) error {
		rng := collections.NewPrefixedPairRange[R, uint64](ref)
		if hasStart {
			if reverse {
				rng = rng.EndInclusive(start)
			} else {
				rng = rng.StartInclusive(start)
			}
		}
		if reverse {
			rng = rng.Descending()
		}
		return idx.Walk(ctx, rng, func(_ R, id uint64) (bool, error) { return fn(id) })
	}
}

// walkKeySetIndex returns a walkIDs over the job ids of one reference key of a (reference, job id) key set.
func walkKeySetIndex(ks collections.KeySet[collections.Pair[string, uint64]], ref string) walkIDs {
	return func(ctx context.Context, start uint64, hasStart, reverse bool, fn func(uint64) (bool, error)) error {
		rng := collections.NewPrefixedPairRange[string, uint64](ref)
		if hasStart {
			if reverse {
				rng = rng.EndInclusive(start)
			} else {
				rng = rng.StartInclusive(start)
			}
		}
		if reverse {
			rng = rng.Descending()
		}
		return ks.Walk(ctx, rng, func(key collections.Pair[string, uint64]) (bool, error) { return fn(key.K2()) })
	}
}

// paginateJobs pages through the jobs walk yields that match. It follows the query.PageRequest semantics:
// key or offset (not both), limit (default query.DefaultLimit), count_total (with offset paging only),
// reverse.
func (k Keeper) paginateJobs(ctx context.Context, req *query.PageRequest, walk walkIDs, match func(types.Job) bool) ([]types.Job, *query.PageResponse, error) {
	if req == nil {
		req = &query.PageRequest{}
	}
	if len(req.Key) > 0 && req.Offset > 0 {
		return nil, nil, fmt.Errorf("invalid request, either offset or key is expected, got both")
	}
	var start uint64
	hasStart := len(req.Key) > 0
	if hasStart {
		if len(req.Key) != 8 {
			return nil, nil, fmt.Errorf("invalid pagination key: must be 8 bytes (a job id), got %d", len(req.Key))
		}
		start = binary.BigEndian.Uint64(req.Key)
	}
	limit := capLimit(req).Limit
	if limit == 0 {
		limit = query.DefaultLimit
	}
	countTotal := req.CountTotal && !hasStart

	var (
		out     []types.Job
		nextKey []byte
		skipped uint64
		total   uint64
	)
	err := walk(ctx, start, hasStart, req.Reverse, func(id uint64) (bool, error) {
		job, err := k.Jobs.Get(ctx, id)
		if err != nil {
			return true, err
		}
		if match != nil && !match(job) {
			return false, nil
		}
		total++
		if skipped < req.Offset {
			skipped++
			return false, nil
		}
		if uint64(len(out)) < limit {
			out = append(out, job)
			return false, nil
		}
		if nextKey == nil {
			nextKey = types.JobIDBytes(id)
		}
		return !countTotal, nil
	})
	if err != nil {
		return nil, nil, err
	}
	res := &query.PageResponse{NextKey: nextKey}
	if countTotal {
		res.Total = total
	}
	return out, res, nil
}

// MaxPageLimit caps the limit of every list query: one query cannot make a node read and encode an unbounded
// number of records.
const MaxPageLimit = 1000

// capLimit returns req with its limit capped at MaxPageLimit (a copy; nil stays nil).
func capLimit(req *query.PageRequest) *query.PageRequest {
	if req == nil || req.Limit <= MaxPageLimit {
		return req
	}
	c := *req
	c.Limit = MaxPageLimit
	return &c
}
