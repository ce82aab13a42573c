package types_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

func TestDefaultParams(t *testing.T) {
	p := types.DefaultParams()
	require.NoError(t, p.Validate())
	require.Equal(t, "1000uinfer", p.BaseFee.String())
	require.Equal(t, "10uinfer", p.FeePerToken.String())
	require.Equal(t, uint32(20), p.DeadlineBlocks)
	require.Equal(t, uint32(3), p.MaxAttempts)
	require.Equal(t, uint32(16384), p.MaxPromptBytes)
	require.Equal(t, uint32(1024), p.MaxTokensLimit)
	require.Equal(t, uint32(65536), p.MaxOutputTextBytes)
	require.Equal(t, uint32(3), p.MaxMissedDeadlines)
	s, err := p.ParseShares()
	require.NoError(t, err)
	require.Equal(t, "0.700000000000000000", s.Executor.String())
	require.Equal(t, "1640uinfer", p.MinFee(64).String())
}

func TestParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(p *types.Params)
		want string
	}{
		{"shares sum below 1", func(p *types.Params) { p.ExecutorShare = "0.69" }, "must be exactly 1, got 0.99"},
		{"shares sum above 1", func(p *types.Params) { p.CommunityShare = "0.100000000000000001" }, "must be exactly 1"},
		{"negative share", func(p *types.Params) { p.ExecutorShare = "0.9"; p.PublisherShare = "-0.1"; p.VerifierShare = "0.1" }, "params.publisher_share: -0.100000000000000000 is not in [0, 1]"},
		{"share above 1", func(p *types.Params) {
			p.ExecutorShare = "1.1"
			p.PublisherShare = "-0.1"
			p.VerifierShare = "0"
			p.CommunityShare = "0"
		}, "params.executor_share"},
		{"share not a decimal", func(p *types.Params) { p.VerifierShare = "ten percent" }, "params.verifier_share"},
		{"empty share", func(p *types.Params) { p.VerifierShare = "" }, "params.verifier_share"},
		{"zero deadline", func(p *types.Params) { p.DeadlineBlocks = 0 }, "params.deadline_blocks: must be positive"},
		{"zero attempts", func(p *types.Params) { p.MaxAttempts = 0 }, "params.max_attempts: must be positive"},
		{"too many attempts", func(p *types.Params) { p.MaxAttempts = 101 }, "params.max_attempts: 101 is above the ceiling 100"},
		{"zero prompt", func(p *types.Params) { p.MaxPromptBytes = 0 }, "params.max_prompt_bytes"},
		{"zero tokens", func(p *types.Params) { p.MaxTokensLimit = 0 }, "params.max_tokens_limit"},
		{"zero output", func(p *types.Params) { p.MaxOutputTextBytes = 0 }, "params.max_output_text_bytes"},
		{"denom mismatch", func(p *types.Params) { p.FeePerToken = sdk.NewInt64Coin("stake", 1) }, "params.fee_per_token: denom"},
		{"bad denom", func(p *types.Params) { p.BaseFee = sdk.Coin{Denom: "1x", Amount: math.OneInt()} }, "params.base_fee"},
		{"negative fee", func(p *types.Params) { p.BaseFee = sdk.Coin{Denom: "uinfer", Amount: math.NewInt(-1)} }, "params.base_fee"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mod(&p)
			err := p.Validate()
			require.ErrorIs(t, err, types.ErrInvalidParams)
			require.ErrorContains(t, err, tc.want)
		})
	}
	// valid variants: all to the executor, zero fees, max_missed_deadlines 0 (never deactivate)
	p := types.DefaultParams()
	p.ExecutorShare, p.PublisherShare, p.VerifierShare, p.CommunityShare = "1", "0", "0", "0"
	p.BaseFee, p.FeePerToken = sdk.NewInt64Coin("uinfer", 0), sdk.NewInt64Coin("uinfer", 0)
	p.MaxMissedDeadlines = 0
	require.NoError(t, p.Validate())
}

func TestSplitFeeSumsExactly(t *testing.T) {
	p := types.DefaultParams()
	s, err := p.ParseShares()
	require.NoError(t, err)
	split := types.SplitFee(sdk.NewInt64Coin("uinfer", 5000), types.ChargedFee(p, sdk.NewInt64Coin("uinfer", 5000), 7), s)
	require.Equal(t, "749uinfer", split.Executor.String())
	require.Equal(t, "107uinfer", split.Publisher.String())
	require.Equal(t, "107uinfer", split.VerifierPool.String())
	require.Equal(t, "107uinfer", split.CommunityPool.String())
	require.Equal(t, "3930uinfer", split.Refund.String())

	// random shares and amounts: the five parts always sum to max_fee, none negative, the executor gets at
	// least its floor share
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		a, b, c := r.Int63n(1e6), r.Int63n(1e6), r.Int63n(1e6)
		parts := []int64{a, b, c}
		sum := a + b + c
		var shares [4]math.LegacyDec
		rest := math.LegacyOneDec()
		for j, x := range parts {
			// shares with 18 decimals that do not divide evenly
			shares[j+1] = math.LegacyNewDec(x).QuoInt64(sum + 1 + r.Int63n(1e6)).Quo(math.LegacyNewDec(2))
			rest = rest.Sub(shares[j+1])
		}
		shares[0] = rest
		sh := types.Shares{Executor: shares[0], Publisher: shares[1], Verifier: shares[2], Community: shares[3]}
		maxFee := sdk.NewCoin("uinfer", math.NewInt(r.Int63n(1e12)+1))
		charged := math.NewInt(r.Int63n(maxFee.Amount.Int64() + 1))
		split := types.SplitFee(maxFee, charged, sh)
		require.Equal(t, maxFee.Amount, split.Total(), "iteration %d", i)
		for _, c := range []sdk.Coin{split.Executor, split.Publisher, split.VerifierPool, split.CommunityPool, split.Refund} {
			require.False(t, c.IsNegative())
		}
		require.True(t, split.Executor.Amount.GTE(math.LegacyNewDecFromInt(charged).Mul(sh.Executor).TruncateInt()))
	}
}

func TestChargedFee(t *testing.T) {
	p := types.DefaultParams()
	require.Equal(t, int64(1000), types.ChargedFee(p, sdk.NewInt64Coin("uinfer", 5000), 0).Int64())
	require.Equal(t, int64(1640), types.ChargedFee(p, sdk.NewInt64Coin("uinfer", 1640), 64).Int64())
	// capped at max_fee
	require.Equal(t, int64(1500), types.ChargedFee(p, sdk.NewInt64Coin("uinfer", 1500), 64).Int64())
	// a denom changed by governance since the request: the max_fee the requester signed for
	require.Equal(t, int64(5000), types.ChargedFee(p, sdk.NewInt64Coin("old", 5000), 3).Int64())
}

func TestWeightedIndex(t *testing.T) {
	var d [32]byte
	require.Equal(t, -1, types.WeightedIndex(d, nil))
	require.Equal(t, -1, types.WeightedIndex(d, []math.Int{math.ZeroInt()}))
	// draw 0 picks the first positive weight; draw total-1 the last
	require.Equal(t, 1, types.WeightedIndex(d, []math.Int{math.ZeroInt(), math.NewInt(3), math.NewInt(1)}))
	d[31] = 3
	require.Equal(t, 2, types.WeightedIndex(d, []math.Int{math.ZeroInt(), math.NewInt(3), math.NewInt(1)}))
	d[31] = 4 // wraps: 4 mod 4 = 0
	require.Equal(t, 1, types.WeightedIndex(d, []math.Int{math.ZeroInt(), math.NewInt(3), math.NewInt(1)}))
}

func TestAuditParams(t *testing.T) {
	p := types.DefaultParams()
	require.Equal(t, "0.050000000000000000", p.AuditProbability)
	require.Equal(t, uint32(3), p.CommitteeSize)
	require.Equal(t, uint32(2), p.Quorum)
	require.Equal(t, uint32(10), p.CommitBlocks)
	require.Equal(t, uint32(10), p.RevealBlocks)
	require.Equal(t, "0.050000000000000000", p.SlashFraction)
	require.Equal(t, "100uinfer", p.VerifierReward.String())
	require.Equal(t, uint32(3), p.MaxVerifierMisses)

	for _, tc := range []struct {
		name string
		mod  func(p *types.Params)
		want string
	}{
		{"probability above 1", func(p *types.Params) { p.AuditProbability = "1.000000000000000001" }, "params.audit_probability: 1.000000000000000001 is not in [0, 1]"},
		{"negative probability", func(p *types.Params) { p.AuditProbability = "-0.1" }, "params.audit_probability"},
		{"empty probability", func(p *types.Params) { p.AuditProbability = "" }, "params.audit_probability"},
		{"fraction above 1", func(p *types.Params) { p.SlashFraction = "1.5" }, "params.slash_fraction"},
		{"fraction not a decimal", func(p *types.Params) { p.SlashFraction = "5%" }, "params.slash_fraction"},
		{"zero quorum", func(p *types.Params) { p.Quorum = 0 }, "params.quorum: 0 is below 2"},
		{"single-verifier quorum", func(p *types.Params) { p.Quorum, p.CommitteeSize = 1, 1 }, "params.quorum: 1 is below 2: a single verifier must never be able to slash"},
		{"jail too long", func(p *types.Params) { p.JailDurationSeconds = 365*24*3600 + 1 }, "params.jail_duration_seconds"},
		{"rejection window", func(p *types.Params) { p.RejectionWindowBlocks = 0 }, "params.rejection_window_blocks: must be positive"},
		{"zero bytes per token", func(p *types.Params) { p.MaxOutputBytesPerToken = 0 }, "params.max_output_bytes_per_token: must be positive"},
		{"bytes per token too big", func(p *types.Params) { p.MaxOutputBytesPerToken = 1025 }, "params.max_output_bytes_per_token: 1025 is above"},
		{"defer too long", func(p *types.Params) { p.AuditMaxDeferBlocks = 100_001 }, "params.audit_max_defer_blocks"},
		{"committee below quorum", func(p *types.Params) { p.CommitteeSize = 1 }, "params.committee_size: 1 is below the quorum 2"},
		{"committee too big", func(p *types.Params) { p.CommitteeSize = 101 }, "params.committee_size: 101 is above the ceiling 100"},
		{"zero commit blocks", func(p *types.Params) { p.CommitBlocks = 0 }, "params.commit_blocks: must be positive"},
		{"zero reveal blocks", func(p *types.Params) { p.RevealBlocks = 0 }, "params.reveal_blocks: must be positive"},
		{"reward denom", func(p *types.Params) { p.VerifierReward = sdk.NewInt64Coin("stake", 1) }, "params.verifier_reward: denom"},
		{"negative reward", func(p *types.Params) { p.VerifierReward = sdk.Coin{Denom: "uinfer", Amount: math.NewInt(-1)} }, "params.verifier_reward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mod(&p)
			err := p.Validate()
			require.ErrorIs(t, err, types.ErrInvalidParams)
			require.ErrorContains(t, err, tc.want)
		})
	}
	// valid extremes: never / always audit, no slash, whole stake, zero reward, never jail, quorum = size
	p.AuditProbability, p.SlashFraction = "0", "1"
	p.VerifierReward = sdk.NewInt64Coin("uinfer", 0)
	p.MaxVerifierMisses = 0
	p.CommitteeSize, p.Quorum = 2, 2
	p.RetentionBlocks, p.TombstoneCooldownBlocks, p.JailDurationSeconds, p.AuditMaxDeferBlocks = 0, 0, 0, 0
	p.MaxRejectionsPerWindow, p.RejectionWindowBlocks = 0, 0
	require.NoError(t, p.Validate())
	p.AuditProbability, p.SlashFraction = "1.000000000000000000", "0"
	require.NoError(t, p.Validate())
	d, err := p.AuditProbabilityDec()
	require.NoError(t, err)
	require.True(t, d.Equal(math.LegacyOneDec()))
}
