package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

type queryServer struct{ k Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the training Query service.
func NewQueryServerImpl(k Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) TrainingJob(ctx context.Context, req *types.QueryTrainingJobRequest) (*types.QueryTrainingJobResponse, error) {
	if req == nil || req.Id == 0 {
		return nil, status.Error(codes.InvalidArgument, "id: must be >= 1")
	}
	j, found, err := q.k.GetJob(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "training job %d not found", req.Id)
	}
	return &types.QueryTrainingJobResponse{Job: j}, nil
}

func (q queryServer) TrainingJobs(ctx context.Context, req *types.QueryTrainingJobsRequest) (*types.QueryTrainingJobsResponse, error) {
	var pg *query.PageRequest
	if req != nil {
		pg = req.Pagination
	}
	jobs, page, err := query.CollectionPaginate(ctx, q.k.Jobs, pg, func(_ uint64, j types.TrainingJob) (types.TrainingJob, error) { return j, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryTrainingJobsResponse{Jobs: jobs, Pagination: page}, nil
}

// TrainingAudits lists the AUDITING jobs whose committee includes verifier (OpenAudits), oldest first.
func (q queryServer) TrainingAudits(ctx context.Context, req *types.QueryTrainingAuditsRequest) (*types.QueryTrainingAuditsResponse, error) {
	if req == nil || req.Verifier == "" {
		return nil, status.Error(codes.InvalidArgument, "verifier: a validator operator address is required")
	}
	if _, err := q.k.validatorAddressCodec.StringToBytes(req.Verifier); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "verifier: %q is not a validator operator address: %v", req.Verifier, err)
	}
	out := &types.QueryTrainingAuditsResponse{}
	rng := collections.NewPrefixedPairRange[string, uint64](req.Verifier)
	err := q.k.OpenAudits.Walk(ctx, rng, func(key collections.Pair[string, uint64]) (bool, error) {
		j, found, err := q.k.GetJob(ctx, key.K2())
		if err != nil || !found {
			return err != nil, err
		}
		out.Jobs = append(out.Jobs, j)
		return false, nil
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return out, nil
}
