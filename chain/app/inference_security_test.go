package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	sdk "github.com/cosmos/cosmos-sdk/types"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	slashingkeeper "github.com/cosmos/cosmos-sdk/x/slashing/keeper"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/inferchain/inferchain/chain/app"
	inferencekeeper "github.com/inferchain/inferchain/chain/x/inference/keeper"
	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// TestSlashEscapeWithRealStaking runs the slash escape of issue 9 against the app's real x/staking and
// x/slashing keepers (the keeper tests use fakes): an executor whose forged result is under audit undelegates
// 1 token below its min-self-delegation, so x/staking jails it and starts unbonding it (power 0), then raises
// its self-delegation again to unjail at once. With the defence the fraud verdict still burns exactly
// slash_fraction of the stake recorded at MsgSubmitResult, and MsgUnjail fails until jail_duration_seconds.
func TestSlashEscapeWithRealStaking(t *testing.T) {
	a := newApp(t, dbm.NewMemDB())
	genesis, valSet := genesisWithValidator(t, a)
	initChain(t, a, genesis, 1)
	produceBlock(t, a, valSet, 1)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := a.NewUncachedContext(false, cmtproto.Header{Height: 2, Time: start, ChainID: chainID})
	next := func() {
		require.NoError(t, a.InferenceKeeper.EndBlocker(ctx))
		ctx = ctx.WithBlockHeight(ctx.BlockHeight() + 1).WithBlockTime(ctx.BlockTime().Add(6 * time.Second))
	}
	staking := stakingkeeper.NewMsgServerImpl(a.StakingKeeper)
	infer := inferencekeeper.NewMsgServerImpl(a.InferenceKeeper)

	fund := func(addr sdk.AccAddress, amt int64) {
		coins := sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, amt))
		require.NoError(t, a.BankKeeper.MintCoins(ctx, minttypes.ModuleName, coins))
		require.NoError(t, a.BankKeeper.SendCoinsFromModuleToAccount(ctx, minttypes.ModuleName, addr, coins))
	}
	addr := func(name string) sdk.AccAddress {
		h := sha256.Sum256([]byte(name))
		return h[:20]
	}

	// a registered model
	root := hex.EncodeToString(func() []byte { h := sha256.Sum256([]byte("model")); return h[:] }())
	publisher := addr("publisher")
	require.NoError(t, a.RegistryKeeper.Models.Set(ctx, root, registrytypes.Model{
		ContentRoot: root, Name: "tiny", Version: "1.0", Publisher: publisher.String(), Status: registrytypes.ModelStatus_MODEL_STATUS_ACTIVE,
	}))

	// three validators with a self-delegation of 10^10 each and min-self-delegation 10^10, each an executor
	const stake = 10_000_000_000
	var ops []sdk.AccAddress
	for i := 0; i < 3; i++ {
		op := addr(fmt.Sprintf("op%d", i))
		ops = append(ops, op)
		fund(op, 2*stake)
		pk, err := codectypes.NewAnyWithValue(ed25519.GenPrivKeyFromSecret([]byte(fmt.Sprintf("cons%d", i))).PubKey())
		require.NoError(t, err)
		_, err = staking.CreateValidator(ctx, &stakingtypes.MsgCreateValidator{
			Description:       stakingtypes.Description{Moniker: fmt.Sprintf("v%d", i)},
			Commission:        stakingtypes.NewCommissionRates(sdkmath.LegacyNewDecWithPrec(1, 1), sdkmath.LegacyNewDecWithPrec(2, 1), sdkmath.LegacyNewDecWithPrec(1, 2)),
			MinSelfDelegation: sdkmath.NewInt(stake),
			ValidatorAddress:  sdk.ValAddress(op).String(),
			Pubkey:            pk,
			Value:             sdk.NewInt64Coin(app.BondDenom, stake),
		})
		require.NoError(t, err)
	}
	_, err := a.StakingKeeper.EndBlocker(ctx) // bonds them (and x/slashing creates their signing info)
	require.NoError(t, err)
	for i, op := range ops {
		_, err := infer.RegisterExecutor(ctx, &inferencetypes.MsgRegisterExecutor{
			Operator: op.String(), Sidecar: addr(fmt.Sprintf("sidecar%d", i)).String(), Models: []string{root}, Endpoint: "http://127.0.0.1:1",
		})
		require.NoError(t, err)
	}
	p, err := a.InferenceKeeper.GetParams(ctx)
	require.NoError(t, err)
	p.AuditProbability = "1.000000000000000000"
	p.BaseFee, p.FeePerToken = sdk.NewInt64Coin(app.BondDenom, 1000), sdk.NewInt64Coin(app.BondDenom, 10)
	p.VerifierReward = sdk.NewInt64Coin(app.BondDenom, 100)
	require.NoError(t, a.InferenceKeeper.Params.Set(ctx, p))

	// a job and its (forged) result
	requester := addr("requester")
	fund(requester, 1_000_000)
	res, err := infer.RequestInference(ctx, &inferencetypes.MsgRequestInference{
		Requester: requester.String(), Model: root, Prompt: "hi", MaxTokens: 8, MaxFee: sdk.NewInt64Coin(app.BondDenom, 5000),
	})
	require.NoError(t, err)
	execIdx := -1
	for i, op := range ops {
		if sdk.ValAddress(op).String() == res.Executor {
			execIdx = i
		}
	}
	require.GreaterOrEqual(t, execIdx, 0)
	execOp := ops[execIdx]
	_, err = infer.SubmitResult(ctx, &inferencetypes.MsgSubmitResult{
		Sidecar: addr(fmt.Sprintf("sidecar%d", execIdx)).String(), JobId: res.JobId, OutputTokenIds: []uint32{1, 2}, OutputText: "ok",
		Commitment: hex.EncodeToString(make([]byte, 32)), FinishReason: "eos",
	})
	require.NoError(t, err)
	submitted := ctx.BlockHeight()
	next()
	next() // decides the audit
	job, found, err := a.InferenceKeeper.GetJob(ctx, res.JobId)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, inferencetypes.JobStatus_JOB_STATUS_AUDITING, job.Status, job.Audit.GetNote())
	require.Equal(t, int64(10_000), job.Result.ExecutorPower)

	// the escape: undelegate 1 token below min-self-delegation → jailed, unbonding, power 0
	_, err = staking.Undelegate(ctx, &stakingtypes.MsgUndelegate{
		DelegatorAddress: execOp.String(), ValidatorAddress: sdk.ValAddress(execOp).String(), Amount: sdk.NewInt64Coin(app.BondDenom, 1),
	})
	require.NoError(t, err)
	_, err = a.StakingKeeper.EndBlocker(ctx)
	require.NoError(t, err)
	v, err := a.StakingKeeper.GetValidator(ctx, sdk.ValAddress(execOp))
	require.NoError(t, err)
	require.True(t, v.IsJailed())
	require.Equal(t, stakingtypes.Unbonding, v.GetStatus())
	require.Zero(t, v.GetConsensusPower(a.StakingKeeper.PowerReduction(ctx)))
	tokensBefore := v.Tokens
	supplyBefore := a.BankKeeper.GetSupply(ctx, app.BondDenom).Amount

	// the committee finds fraud
	salt := func(m string) []byte { h := sha256.Sum256([]byte("salt/" + m)); return h[:] }
	sidecarOf := func(val string) string {
		for i, op := range ops {
			if sdk.ValAddress(op).String() == val {
				return addr(fmt.Sprintf("sidecar%d", i)).String()
			}
		}
		t.Fatalf("no sidecar for %s", val)
		return ""
	}
	fraud := inferencetypes.Verdict_VERDICT_FRAUD
	for _, m := range job.Audit.Committee {
		_, err := infer.CommitVerdict(ctx, &inferencetypes.MsgCommitVerdict{Sidecar: sidecarOf(m), JobId: job.Id, CommitHash: inferencetypes.VerdictCommitHash(job.Id, fraud, salt(m), m)})
		require.NoError(t, err)
	}
	for _, m := range job.Audit.Committee {
		_, err := infer.RevealVerdict(ctx, &inferencetypes.MsgRevealVerdict{Sidecar: sidecarOf(m), JobId: job.Id, Verdict: fraud, Salt: hex.EncodeToString(salt(m))})
		require.NoError(t, err)
	}
	next()
	job, _, err = a.InferenceKeeper.GetJob(ctx, res.JobId)
	require.NoError(t, err)
	require.Equal(t, inferencetypes.AuditOutcome_AUDIT_OUTCOME_FRAUD, job.Audit.Outcome, job.Audit.Note)

	// exactly 5% of the recorded 10^10, although its power is 0 now
	require.Equal(t, "500000000"+app.BondDenom, job.Audit.Slashed.String())
	require.Equal(t, sdkmath.NewInt(500_000_000), supplyBefore.Sub(a.BankKeeper.GetSupply(ctx, app.BondDenom).Amount))
	v, err = a.StakingKeeper.GetValidator(ctx, sdk.ValAddress(execOp))
	require.NoError(t, err)
	require.Equal(t, tokensBefore.SubRaw(500_000_000), v.Tokens)
	_ = submitted

	// unjail at once: raise the self-delegation back, then MsgUnjail fails until jail_duration_seconds
	_, err = staking.Delegate(ctx, &stakingtypes.MsgDelegate{
		DelegatorAddress: execOp.String(), ValidatorAddress: sdk.ValAddress(execOp).String(), Amount: sdk.NewInt64Coin(app.BondDenom, stake),
	})
	require.NoError(t, err)
	unjail := slashingkeeper.NewMsgServerImpl(a.SlashingKeeper)
	_, err = unjail.Unjail(ctx, &slashingtypes.MsgUnjail{ValidatorAddr: sdk.ValAddress(execOp).String()})
	require.ErrorIs(t, err, slashingtypes.ErrValidatorJailed)
	ctx = ctx.WithBlockTime(ctx.BlockTime().Add(time.Duration(p.JailDurationSeconds+1) * time.Second))
	_, err = unjail.Unjail(ctx, &slashingtypes.MsgUnjail{ValidatorAddr: sdk.ValAddress(execOp).String()})
	require.NoError(t, err)

	// and it is barred from the model
	_, err = infer.UpdateExecutor(ctx, &inferencetypes.MsgUpdateExecutor{Operator: execOp.String(), Active: true, Models: []string{root}})
	require.ErrorIs(t, err, inferencetypes.ErrTombstoned)
}
