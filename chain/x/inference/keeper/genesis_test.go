package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencemodule "github.com/inferchain/inferchain/chain/x/inference/module"
	"github.com/inferchain/inferchain/chain/x/inference/types"
)

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.executor("val1", 100)
	f.executor("val2", 100)
	p := types.DefaultParams()
	p.DeadlineBlocks = 7
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	// job 1 settled, job 2 with a result (submitted at the export height), jobs 3 and 4 pending
	for i := 0; i < 3; i++ {
		f.requestOK(f.request())
	}
	_, err = f.msg.SubmitResult(f.ctx, f.result(1, f.sidecarFor(1), 4))
	require.NoError(t, err)
	f.endBlock()
	f.endBlock() // job 1 settled at 11
	_, err = f.msg.SubmitResult(f.ctx, f.result(2, f.sidecarFor(2), 5))
	require.NoError(t, err)
	f.requestOK(f.request())
	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Equal(t, uint64(5), exported.NextJobId)
	require.Len(t, exported.Jobs, 4)
	require.Len(t, exported.Executors, 2)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, exported.Jobs[0].Status)

	// import into a fresh store sharing the fakes (the bank holds the escrow)
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_test2"))
	ctx2 := tctx.Ctx.WithBlockHeight(f.ctx.BlockHeight())
	enc := moduletestutil.MakeTestEncodingConfig(inferencemodule.AppModuleBasic{})
	k2 := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), f.ac, f.vc, f.authority,
		fakeAccount{}, f.bank, f.staking, fakeDistr{f.bank}, f.registry)
	require.NoError(t, k2.InitGenesis(ctx2, exported))
	again, err := k2.ExportGenesis(ctx2)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	// the indexes and queues were rebuilt: the same store contents as the original
	kv := func(ctx interface{ KVStore(storetypes.StoreKey) storetypes.KVStore }, key storetypes.StoreKey) map[string]string {
		out := map[string]string{}
		it := ctx.KVStore(key).Iterator(nil, nil)
		defer it.Close()
		for ; it.Valid(); it.Next() {
			out[string(it.Key())] = string(it.Value())
		}
		return out
	}
	require.Equal(t, kv(f.ctx, f.key), kv(ctx2, key))

	// and they work: the next job id continues, job 2 settles, job 3 expires
	f.k, f.key, f.ctx = k2, key, ctx2
	f.msg, f.q = keeper.NewMsgServerImpl(k2), keeper.NewQueryServerImpl(k2)
	require.Equal(t, uint64(5), f.requestOK(f.request()).JobId)
	f.endBlock() // the submission block: not yet
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(2).Status)
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, f.job(2).Status)
	f.runUntil(f.job(3).DeadlineHeight + 1)
	require.Equal(t, uint32(2), f.job(3).Attempt)
}

func TestInitGenesisRejectsInvalid(t *testing.T) {
	f := newFixture(t)
	gs := types.DefaultGenesis()
	gs.NextJobId = 0
	require.ErrorContains(t, f.k.InitGenesis(f.ctx, gs), "next_job_id")
	gs = types.DefaultGenesis()
	gs.Executors = []types.Executor{{Validator: f.acc(addrOf("x")), Sidecar: f.acc(addrOf("y")), Models: []string{f.model}}}
	require.ErrorContains(t, f.k.InitGenesis(f.ctx, gs), "executors[0].validator")
}
