package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

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
	p.AuditProbability = "0" // audits: TestGenesisRoundTripWithAudits
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

	f.reimport(exported)

	// and they work: the next job id continues, job 2 settles, job 3 expires
	require.Equal(t, uint64(5), f.requestOK(f.request()).JobId)
	f.endBlock() // the submission block: not yet
	require.Equal(t, types.JobStatus_JOB_STATUS_RESULT_SUBMITTED, f.job(2).Status)
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, f.job(2).Status)
	f.runUntil(f.job(3).DeadlineHeight + 1)
	require.Equal(t, uint32(2), f.job(3).Attempt)
}

// reimport imports an exported state into a fresh store sharing the fakes (the bank holds the escrow),
// requires the re-export and the whole store (indexes and queues rebuilt) to equal the original, and
// switches the fixture to the new keeper.
func (f *fixture) reimport(exported *types.GenesisState) {
	t := f.t
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_reimport"))
	ctx2 := tctx.Ctx.WithBlockHeight(f.ctx.BlockHeight())
	enc := moduletestutil.MakeTestEncodingConfig(inferencemodule.AppModuleBasic{})
	k2 := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), f.ac, f.vc, f.authority,
		fakeAccount{}, f.bank, f.staking, fakeDistr{f.bank}, f.registry, f.slashing)
	require.NoError(t, k2.InitGenesis(ctx2, exported))
	again, err := k2.ExportGenesis(ctx2)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	kv := func(ctx interface {
		KVStore(storetypes.StoreKey) storetypes.KVStore
	}, key storetypes.StoreKey) map[string]string {
		out := map[string]string{}
		it := ctx.KVStore(key).Iterator(nil, nil)
		defer it.Close()
		for ; it.Valid(); it.Next() {
			out[string(it.Key())] = string(it.Value())
		}
		return out
	}
	require.Equal(t, kv(f.ctx, f.key), kv(ctx2, key))

	f.k, f.key, f.ctx = k2, key, ctx2
	f.msg, f.q = keeper.NewMsgServerImpl(k2), keeper.NewQueryServerImpl(k2)
}

// Audits in progress survive an export and import: committing, revealing, the early conclusion of a fully
// revealed audit and the conclusion at the reveal deadline all continue.
func TestGenesisRoundTripWithAudits(t *testing.T) {
	f := newAuditFixture(t)
	var ids []uint64
	for i := 0; i < 4; i++ {
		ids = append(ids, f.requestOK(f.request()).JobId)
	}
	for i := 1; i <= 3; i++ {
		f.executor(fmt.Sprintf("v%d", i), bigStake)
	}
	f.bank.balances[string(authtypes.NewModuleAddress(types.VerifierPoolName))] = sdk.NewCoins(coin(1000))
	// job 1: concluded (honest); job 2: one commit; job 3: fully revealed in the export block (concludes
	// in its EndBlocker); job 4: RESULT_SUBMITTED
	for _, id := range ids[:3] {
		f.submit(id)
	}
	f.endBlock()
	f.endBlock()
	for _, id := range ids[:3] {
		require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, f.job(id).Status)
	}
	c1 := f.job(1).Audit.Committee
	for _, m := range c1 {
		require.NoError(t, f.commit(1, m, valid))
	}
	for _, m := range c1 {
		require.NoError(t, f.reveal(1, m, valid, ""))
	}
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, f.job(1).Status)
	c2 := f.job(2).Audit.Committee
	require.NoError(t, f.commit(2, c2[0], fraud))
	c3 := f.job(3).Audit.Committee
	for _, m := range c3 {
		require.NoError(t, f.commit(3, m, fraud))
	}
	for _, m := range c3 {
		require.NoError(t, f.reveal(3, m, fraud, "bad"))
	}
	f.submit(4)

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, exported.Jobs[1].Status)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_HONEST, exported.Jobs[0].Audit.Outcome)
	f.reimport(exported)

	// job 3 concludes in this block (FRAUD), job 4 is decided in the next one
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_REFUNDED, f.job(3).Status)
	require.Equal(t, types.AuditOutcome_AUDIT_OUTCOME_FRAUD, f.job(3).Audit.Outcome)
	require.Len(t, f.staking.slashes, 1)
	f.endBlock()
	require.Equal(t, types.JobStatus_JOB_STATUS_AUDITING, f.job(4).Status)
	// job 2 continues: a second commit from the same member is refused, the others commit and reveal
	require.ErrorContains(t, f.commit(2, c2[0], fraud), "already committed")
	a2 := f.job(2).Audit
	f.runUntil(a2.CommitDeadline + 1)
	require.NoError(t, f.reveal(2, c2[0], fraud, ""))
	f.runUntil(a2.RevealDeadline + 1)
	job := f.job(2)
	require.Equal(t, types.JobStatus_JOB_STATUS_SETTLED, job.Status, "1 FRAUD verdict of 3 is below the quorum")
	require.Equal(t, a2.RevealDeadline, job.Audit.ConcludedHeight)
	require.Len(t, f.typedEvents("inferchain.inference.v1.EventAuditConcluded"), 2, "jobs 3 and 2 after the import")
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
