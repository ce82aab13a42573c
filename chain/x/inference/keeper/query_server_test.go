package keeper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

func requireCode(t *testing.T, err error, code codes.Code, msg string) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), err.Error())
	require.Contains(t, st.Message(), msg)
}

func TestQueryJobAndExecutor(t *testing.T) {
	f := newFixture(t)
	valStr := f.executor("val1", 100)
	id := f.requestOK(f.request()).JobId

	res, err := f.q.Job(f.ctx, &types.QueryJobRequest{Id: id})
	require.NoError(t, err)
	require.Equal(t, f.job(id), res.Job)
	_, err = f.q.Job(f.ctx, &types.QueryJobRequest{Id: 42})
	requireCode(t, err, codes.NotFound, "job 42 not found")
	_, err = f.q.Job(f.ctx, nil)
	requireCode(t, err, codes.InvalidArgument, "empty request")

	e, err := f.q.Executor(f.ctx, &types.QueryExecutorRequest{Validator: valStr})
	require.NoError(t, err)
	require.Equal(t, valStr, e.Executor.Validator)
	_, err = f.q.Executor(f.ctx, &types.QueryExecutorRequest{Validator: f.val(addrOf("nobody"))})
	requireCode(t, err, codes.NotFound, "executor of validator")
	_, err = f.q.Executor(f.ctx, &types.QueryExecutorRequest{Validator: f.acc(addrOf("nobody"))})
	requireCode(t, err, codes.InvalidArgument, "validator:")

	f.executor("val2", 100)
	all, err := f.q.Executors(f.ctx, &types.QueryExecutorsRequest{Pagination: &query.PageRequest{Limit: 1, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, all.Executors, 1)
	require.Equal(t, uint64(2), all.Pagination.Total)
	require.NotEmpty(t, all.Pagination.NextKey)

	// ExecutorsOfModel lists active executors only
	_, err = f.msg.UpdateExecutor(f.ctx, &types.MsgUpdateExecutor{Operator: f.acc(addrOf("val2"))})
	require.NoError(t, err)
	om, err := f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: f.model})
	require.NoError(t, err)
	require.Len(t, om.Executors, 1)
	require.Equal(t, valStr, om.Executors[0].Validator)
	om, err = f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: strings.Repeat("0", 64)})
	require.NoError(t, err)
	require.Empty(t, om.Executors)
	_, err = f.q.ExecutorsOfModel(f.ctx, &types.QueryExecutorsOfModelRequest{Model: "nope"})
	requireCode(t, err, codes.InvalidArgument, "model:")
}

func TestQueryJobsFiltersAndPagination(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	f.executor("val2", 300)
	// 12 jobs: even ones from alice, odd from bob; jobs 1..4 get a result
	byExec := map[string][]uint64{}
	for i := 1; i <= 12; i++ {
		m := f.request()
		if i%2 == 1 {
			m.Requester = f.acc(f.bob)
		}
		res := f.requestOK(m)
		byExec[res.Executor] = append(byExec[res.Executor], res.JobId)
	}
	for id := uint64(1); id <= 4; id++ {
		_, err := f.msg.SubmitResult(f.ctx, f.result(id, f.sidecarFor(id), 2))
		require.NoError(t, err)
	}
	ids := func(jobs []types.Job) []uint64 {
		out := make([]uint64, len(jobs))
		for i, j := range jobs {
			out[i] = j.Id
		}
		return out
	}
	list := func(req *types.QueryJobsRequest) *types.QueryJobsResponse {
		t.Helper()
		res, err := f.q.Jobs(f.ctx, req)
		require.NoError(t, err)
		return res
	}

	require.Len(t, list(&types.QueryJobsRequest{}).Jobs, 12)
	require.Equal(t, []uint64{2, 4, 6, 8, 10, 12}, ids(list(&types.QueryJobsRequest{Requester: f.acc(f.alice)}).Jobs))
	require.Equal(t, []uint64{1, 2, 3, 4}, ids(list(&types.QueryJobsRequest{Status: types.JobStatus_JOB_STATUS_RESULT_SUBMITTED}).Jobs))
	require.Equal(t, []uint64{2, 4}, ids(list(&types.QueryJobsRequest{Requester: f.acc(f.alice), Status: types.JobStatus_JOB_STATUS_RESULT_SUBMITTED}).Jobs))
	for exec, want := range byExec {
		require.Equal(t, want, ids(list(&types.QueryJobsRequest{Executor: exec}).Jobs))
		// requester + executor + status combine
		var combined []uint64
		for _, id := range want {
			if id%2 == 1 && id > 4 {
				combined = append(combined, id)
			}
		}
		got := ids(list(&types.QueryJobsRequest{Executor: exec, Requester: f.acc(f.bob), Status: types.JobStatus_JOB_STATUS_PENDING}).Jobs)
		if len(combined) == 0 {
			require.Empty(t, got)
		} else {
			require.Equal(t, combined, got)
		}
	}

	// key pagination over an index, with count_total on the first page
	page := list(&types.QueryJobsRequest{Status: types.JobStatus_JOB_STATUS_PENDING, Pagination: &query.PageRequest{Limit: 3, CountTotal: true}})
	require.Equal(t, []uint64{5, 6, 7}, ids(page.Jobs))
	require.Equal(t, uint64(8), page.Pagination.Total)
	var all []uint64
	all = append(all, ids(page.Jobs)...)
	for page.Pagination.NextKey != nil {
		page = list(&types.QueryJobsRequest{Status: types.JobStatus_JOB_STATUS_PENDING, Pagination: &query.PageRequest{Limit: 3, Key: page.Pagination.NextKey}})
		all = append(all, ids(page.Jobs)...)
	}
	require.Equal(t, []uint64{5, 6, 7, 8, 9, 10, 11, 12}, all)
	// offset and reverse over the whole map
	require.Equal(t, []uint64{3, 4}, ids(list(&types.QueryJobsRequest{Pagination: &query.PageRequest{Offset: 2, Limit: 2}}).Jobs))
	require.Equal(t, []uint64{12, 11}, ids(list(&types.QueryJobsRequest{Pagination: &query.PageRequest{Limit: 2, Reverse: true}}).Jobs))
	rev := list(&types.QueryJobsRequest{Requester: f.acc(f.alice), Pagination: &query.PageRequest{Limit: 2, Reverse: true}})
	require.Equal(t, []uint64{12, 10}, ids(rev.Jobs))
	rev = list(&types.QueryJobsRequest{Requester: f.acc(f.alice), Pagination: &query.PageRequest{Limit: 2, Reverse: true, Key: rev.Pagination.NextKey}})
	require.Equal(t, []uint64{8, 6}, ids(rev.Jobs))

	_, err := f.q.Jobs(f.ctx, &types.QueryJobsRequest{Requester: "bad"})
	requireCode(t, err, codes.InvalidArgument, "requester:")
	_, err = f.q.Jobs(f.ctx, &types.QueryJobsRequest{Executor: f.acc(f.alice)})
	requireCode(t, err, codes.InvalidArgument, "executor:")
	_, err = f.q.Jobs(f.ctx, &types.QueryJobsRequest{Status: 9})
	requireCode(t, err, codes.InvalidArgument, "status:")
	_, err = f.q.Jobs(f.ctx, &types.QueryJobsRequest{Pagination: &query.PageRequest{Key: []byte{1}, Offset: 1}})
	requireCode(t, err, codes.InvalidArgument, "either offset or key")
}
