package keeper

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the funding Query service implementation.
func NewQueryServerImpl(k Keeper) types.QueryServer {
	return queryServer{k: k}
}

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

func internal(err error) error {
	return status.Error(codes.Internal, err.Error())
}

func (q queryServer) getRound(ctx context.Context, id uint64) (types.Round, error) {
	if id == 0 {
		return types.Round{}, status.Error(codes.InvalidArgument, "round_id: must be set (rounds are numbered from 1)")
	}
	r, found, err := q.k.GetRound(ctx, id)
	if err != nil {
		return r, internal(err)
	}
	if !found {
		return r, status.Errorf(codes.NotFound, "round %d not found", id)
	}
	return r, nil
}

func (q queryServer) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	p, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) Round(ctx context.Context, req *types.QueryRoundRequest) (*types.QueryRoundResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	r, err := q.getRound(ctx, req.RoundId)
	if err != nil {
		return nil, err
	}
	return &types.QueryRoundResponse{Round: r}, nil
}

func (q queryServer) Rounds(ctx context.Context, req *types.QueryRoundsRequest) (*types.QueryRoundsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	rounds, page, err := query.CollectionPaginate(ctx, q.k.Rounds, req.Pagination,
		func(_ uint64, r types.Round) (types.Round, error) { return r, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryRoundsResponse{Rounds: rounds, Pagination: page}, nil
}

func (q queryServer) Project(ctx context.Context, req *types.QueryProjectRequest) (*types.QueryProjectResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if _, err := q.getRound(ctx, req.RoundId); err != nil {
		return nil, err
	}
	p, found, err := q.k.GetProject(ctx, req.RoundId, req.ProjectId)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "round %d has no project %d", req.RoundId, req.ProjectId)
	}
	return &types.QueryProjectResponse{Project: p}, nil
}

func (q queryServer) Projects(ctx context.Context, req *types.QueryProjectsRequest) (*types.QueryProjectsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if _, err := q.getRound(ctx, req.RoundId); err != nil {
		return nil, err
	}
	projects, page, err := query.CollectionPaginate(ctx, q.k.Projects, req.Pagination,
		func(_ ProjectKey, p types.Project) (types.Project, error) { return p, nil },
		query.WithCollectionPaginationPairPrefix[uint64, uint64](req.RoundId))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryProjectsResponse{Projects: projects, Pagination: page}, nil
}

func (q queryServer) Contributions(ctx context.Context, req *types.QueryContributionsRequest) (*types.QueryContributionsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if _, err := q.getRound(ctx, req.RoundId); err != nil {
		return nil, err
	}
	prefix := collections.TriplePrefix[uint64, uint64, string](req.RoundId)
	if req.ProjectId != 0 {
		if _, found, err := q.k.GetProject(ctx, req.RoundId, req.ProjectId); err != nil {
			return nil, internal(err)
		} else if !found {
			return nil, status.Errorf(codes.NotFound, "round %d has no project %d", req.RoundId, req.ProjectId)
		}
		prefix = collections.TripleSuperPrefix[uint64, uint64, string](req.RoundId, req.ProjectId)
	}
	contributions, page, err := query.CollectionPaginate(ctx, q.k.Contributions, req.Pagination,
		func(_ ContributionKey, c types.Contribution) (types.Contribution, error) { return c, nil },
		func(o *query.CollectionsPaginateOptions[ContributionKey]) { o.Prefix = &prefix })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryContributionsResponse{Contributions: contributions, Pagination: page}, nil
}

func (q queryServer) MatchEstimates(ctx context.Context, req *types.QueryMatchEstimatesRequest) (*types.QueryMatchEstimatesResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	r, err := q.getRound(ctx, req.RoundId)
	if err != nil {
		return nil, err
	}
	est, total, err := q.k.estimates(ctx, r)
	if err != nil {
		return nil, internal(err)
	}
	return &types.QueryMatchEstimatesResponse{Estimates: est, MatchingPool: r.MatchingPool.String(), TotalWeight: total.String()}, nil
}
