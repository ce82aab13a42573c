package keeper

import (
	"bytes"
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/x/inference/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the inference Query service implementation.
func NewQueryServerImpl(k Keeper) types.QueryServer {
	return queryServer{k: k}
}

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

func internal(err error) error {
	return status.Error(codes.Internal, err.Error())
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
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

func (q queryServer) Job(ctx context.Context, req *types.QueryJobRequest) (*types.QueryJobResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	job, found, err := q.k.GetJob(ctx, req.Id)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "job %d not found", req.Id)
	}
	return &types.QueryJobResponse{Job: job}, nil
}

// Jobs lists jobs filtered by requester, executor, verifier (the job's audit committee includes it) and status
// (the filters combine). It walks the most selective index given (requester, then executor, then verifier,
// then status) and checks the other filters on each job.
func (q queryServer) Jobs(ctx context.Context, req *types.QueryJobsRequest) (*types.QueryJobsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	var requester, executor string
	if req.Requester != "" {
		bz, err := q.k.addressCodec.StringToBytes(req.Requester)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "requester: %q is not a valid account address: %v", truncate(req.Requester), err)
		}
		requester, _ = q.k.addressCodec.BytesToString(bz)
	}
	if req.Executor != "" {
		bz, err := q.k.validatorAddressCodec.StringToBytes(req.Executor)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "executor: %q is not a valid validator operator address: %v", truncate(req.Executor), err)
		}
		executor, _ = q.k.validatorAddressCodec.BytesToString(bz)
	}
	var verifier string
	if req.Verifier != "" {
		bz, err := q.k.validatorAddressCodec.StringToBytes(req.Verifier)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "verifier: %q is not a valid validator operator address: %v", truncate(req.Verifier), err)
		}
		verifier, _ = q.k.validatorAddressCodec.BytesToString(bz)
	}
	if _, known := types.JobStatus_name[int32(req.Status)]; !known {
		return nil, status.Errorf(codes.InvalidArgument, "status: unknown job status %d", req.Status)
	}
	filterStatus := req.Status != types.JobStatus_JOB_STATUS_UNSPECIFIED

	var walk walkIDs
	switch {
	case requester != "":
		walk = walkIndex[string](q.k.Jobs.Indexes.Requester, requester)
	case executor != "" && filterStatus:
		// a sidecar's reconciliation: O(its jobs in that status), not O(its history)
		walk = walkIndex[collections.Pair[string, int32]](q.k.Jobs.Indexes.ExecutorStatus, collections.Join(executor, int32(req.Status)))
	case verifier != "" && req.Status == types.JobStatus_JOB_STATUS_AUDITING:
		// a verifier's reconciliation: O(its open audits)
		walk = walkKeySetIndex(q.k.OpenAudits, verifier)
	case executor != "":
		walk = walkIndex[string](q.k.Jobs.Indexes.Executor, executor)
	case verifier != "":
		walk = walkKeySetIndex(q.k.JobsByVerifier, verifier)
	case filterStatus:
		walk = walkIndex[int32](q.k.Jobs.Indexes.Status, int32(req.Status))
	default:
		walk = q.k.walkAllJobs
	}
	match := func(j types.Job) bool {
		return (requester == "" || j.Requester == requester) &&
			(executor == "" || j.Executor == executor) &&
			(!filterStatus || j.Status == req.Status) &&
			(verifier == "" || onCommittee(j, verifier))
	}
	jobs, page, err := q.k.paginateJobs(ctx, req.Pagination, walk, match)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryJobsResponse{Jobs: jobs, Pagination: page}, nil
}

func (q queryServer) Executor(ctx context.Context, req *types.QueryExecutorRequest) (*types.QueryExecutorResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	val, err := q.k.validatorAddressCodec.StringToBytes(req.Validator)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "validator: %q is not a valid validator operator address: %v", truncate(req.Validator), err)
	}
	e, found, err := q.k.GetExecutor(ctx, val)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "executor of validator %s not found", req.Validator)
	}
	return &types.QueryExecutorResponse{Executor: e}, nil
}

func (q queryServer) Executors(ctx context.Context, req *types.QueryExecutorsRequest) (*types.QueryExecutorsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	execs, page, err := query.CollectionPaginate(ctx, q.k.Executors, capLimit(req.Pagination),
		func(_ sdk.ValAddress, e types.Executor) (types.Executor, error) { return e, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryExecutorsResponse{Executors: execs, Pagination: page}, nil
}

// ExecutorsOfModel lists the active executors serving a model (in validator address order). The list is
// bounded by the validator set, so it is not paginated.
func (q queryServer) ExecutorsOfModel(ctx context.Context, req *types.QueryExecutorsOfModelRequest) (*types.QueryExecutorsOfModelResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if !digest.IsHexDigest(req.Model) {
		return nil, status.Errorf(codes.InvalidArgument, "model: must be a model content root (64 lowercase hex characters), got %q", truncate(req.Model))
	}
	var out []types.Executor
	var vals []sdk.ValAddress
	rng := collections.NewPrefixedPairRange[string, sdk.ValAddress](req.Model)
	err := q.k.ExecutorsByModel.Walk(ctx, rng, func(key collections.Pair[string, sdk.ValAddress]) (bool, error) {
		e, found, err := q.k.GetExecutor(ctx, key.K2())
		if err != nil {
			return true, err
		}
		if found && e.Active {
			out = append(out, e)
			vals = append(vals, key.K2())
		}
		return false, nil
	})
	if err != nil {
		return nil, internal(err)
	}
	p, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, internal(err)
	}
	res := &types.QueryExecutorsOfModelResponse{Executors: out, Auditable: len(out) > int(p.Quorum)}
	if len(out) == 1 {
		// the publisher's own validator as the only executor: nobody else ever checks its answers
		m, found, err := q.k.registry.GetModel(ctx, req.Model)
		if err != nil {
			return nil, internal(err)
		}
		if pub, err := q.k.addressCodec.StringToBytes(m.Publisher); found && err == nil && bytes.Equal(pub, vals[0]) {
			res.PublisherOnly = true
		}
	}
	return res, nil
}

// onCommittee reports whether a validator is on the job's audit committee.
func onCommittee(j types.Job, verifier string) bool {
	if j.Audit == nil {
		return false
	}
	for _, m := range j.Audit.Committee {
		if m == verifier {
			return true
		}
	}
	return false
}
