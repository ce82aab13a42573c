package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// payoutCase is a round hand-computed with the QF formula w = (Σ sqrt c)² − Σ c, match = floor(pool·w/W).
type payoutCase struct {
	name          string
	pool          int64
	contributions [][]int64 // per project, per contributor
	wantMatch     []int64
	wantRemainder int64 // to the community pool
}

func TestQuadraticFundingPayouts(t *testing.T) {
	for _, tc := range []payoutCase{
		// one contributor: (sqrt 10000)² − 10000 = 0, nothing is matched; the whole pool goes to the community pool
		{name: "one contributor", pool: 1000, contributions: [][]int64{{10000}}, wantMatch: []int64{0}, wantRemainder: 1000},
		// A: 9 × 100 → (9·10)² − 900 = 7200; B: a whale 8100 + one 100 → (90+10)² − 8200 = 1800; W = 9000:
		// A = 10000·7200/9000 = 8000, B = 2000, exactly the pool
		{
			name: "many small contributors vs a whale", pool: 10000,
			contributions: [][]int64{{100, 100, 100, 100, 100, 100, 100, 100, 100}, {8100, 100}},
			wantMatch:     []int64{8000, 2000}, wantRemainder: 0,
		},
		// a lone whale gets no match at all, however large; the crowd takes the whole pool
		{
			name: "lone whale", pool: 5000,
			contributions: [][]int64{{1_000_000}, {1, 1}},
			wantMatch:     []int64{0, 5000}, wantRemainder: 0,
		},
		// three equal projects (two contributors of 1: (1+1)² − 2 = 2 each), pool 100: 33 each, 1 of dust
		{name: "dust", pool: 100, contributions: [][]int64{{1, 1}, {1, 1}, {1, 1}}, wantMatch: []int64{33, 33, 33}, wantRemainder: 1},
		// irrational roots: w_A = 2·sqrt(6), w_B = 2·sqrt(35); exact shares 292806.09 and 707193.90
		{name: "irrational roots", pool: 1_000_000, contributions: [][]int64{{2, 3}, {5, 7}}, wantMatch: []int64{292806, 707193}, wantRemainder: 1},
		// projects without contributions: nothing to match
		{name: "zero contributions", pool: 777, contributions: [][]int64{{}, {}}, wantMatch: []int64{0, 0}, wantRemainder: 777},
		// no projects at all
		{name: "no projects", pool: 321, contributions: nil, wantMatch: nil, wantRemainder: 321},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.bank.total()
			creatorBefore := f.bank.balance(f.creator)
			id := f.createRound(tc.pool, 10, 20)
			var recipients []struct {
				project uint64
				total   int64
			}
			recipientAddrs := map[uint64][]byte{}
			sumContrib := int64(0)
			for i, cs := range tc.contributions {
				pid, rcpt := f.project(id, string(rune('a'+i)))
				recipientAddrs[pid] = rcpt
				total := int64(0)
				for j, c := range cs {
					f.contribute(id, pid, string(rune('a'+i))+string(rune('0'+j)), c)
					total += c
				}
				sumContrib += total
				recipients = append(recipients, struct {
					project uint64
					total   int64
				}{pid, total})
			}
			// the live estimate already says what will be paid
			est, err := f.q.MatchEstimates(f.ctx, &types.QueryMatchEstimatesRequest{RoundId: id})
			require.NoError(t, err)
			require.Len(t, est.Estimates, len(tc.wantMatch))
			for i, e := range est.Estimates {
				require.Equal(t, math.NewInt(tc.wantMatch[i]), e.Match, "estimate of project %d", e.ProjectId)
			}
			communityBefore := f.bank.balance(communityPool)

			f.endBlocks(20)

			r := f.round(id)
			require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZED, r.Status)
			require.Equal(t, int64(20), r.FinalizedHeight)
			require.Equal(t, math.NewInt(tc.wantRemainder), r.Remainder)
			paid := int64(0)
			for i, rc := range recipients {
				want := rc.total + tc.wantMatch[i]
				require.Equal(t, math.NewInt(want), f.bank.balance(recipientAddrs[rc.project]), "recipient of project %d", rc.project)
				p, _, err := f.k.GetProject(f.ctx, id, rc.project)
				require.NoError(t, err)
				require.True(t, p.Paid)
				require.Equal(t, math.NewInt(tc.wantMatch[i]), p.Match)
				paid += want
			}
			require.Equal(t, math.NewInt(tc.wantRemainder), f.bank.balance(communityPool).Sub(communityBefore))
			// nothing created or lost: pool + contributions = payouts + remainder, to the unit
			require.Equal(t, tc.pool+sumContrib, paid+tc.wantRemainder)
			require.True(t, f.bank.balance(moduleAddr).IsZero(), "escrow left: %s", f.bank.balance(moduleAddr))
			require.Equal(t, before.Add(math.NewInt(sumContrib)), f.bank.total()) // only the contributors' funding was added
			require.Equal(t, creatorBefore.SubRaw(tc.pool), f.bank.balance(f.creator))
		})
	}
}

// Contributing twice from one account is one contribution of the sum: splitting within an account gains nothing.
func TestRepeatedContributionsAreSummed(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(1000, 10, 20)
	a, _ := f.project(id, "a")
	b, _ := f.project(id, "b")
	f.contribute(id, a, "x", 50)
	f.contribute(id, a, "x", 50)
	f.contribute(id, a, "y", 100)
	f.contribute(id, b, "z", 100)
	f.contribute(id, b, "w", 100)
	pa, _, _ := f.k.GetProject(f.ctx, id, a)
	pb, _, _ := f.k.GetProject(f.ctx, id, b)
	require.Equal(t, uint32(2), pa.Contributors)
	require.Equal(t, pb.SumSqrt, pa.SumSqrt)
	require.Equal(t, pb.Total, pa.Total)
	est, err := f.q.MatchEstimates(f.ctx, &types.QueryMatchEstimatesRequest{RoundId: id})
	require.NoError(t, err)
	require.Equal(t, math.NewInt(500), est.Estimates[0].Match)
	require.Equal(t, math.NewInt(500), est.Estimates[1].Match)
}

// Splitting one budget across accounts does gain (the documented Sybil limit): 400 from one account next to
// one other contributor of 100 vs 4 × 100 from four accounts.
func TestSybilSplittingGains(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(10000, 10, 20)
	honest, _ := f.project(id, "honest")
	sybil, _ := f.project(id, "sybil")
	f.contribute(id, honest, "h1", 400)
	f.contribute(id, honest, "h2", 100) // (20+10)² − 500 = 400
	for _, who := range []string{"s1", "s2", "s3", "s4"} {
		f.contribute(id, sybil, who, 100) // (4·10)² − 400 = 1200
	}
	est, err := f.q.MatchEstimates(f.ctx, &types.QueryMatchEstimatesRequest{RoundId: id})
	require.NoError(t, err)
	require.Equal(t, math.NewInt(2500), est.Estimates[0].Match) // 10000·400/1600
	require.Equal(t, math.NewInt(7500), est.Estimates[1].Match) // 10000·1200/1600
}

func TestFundPoolAddsToTheMatch(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(100, 10, 20)
	a, rcpt := f.project(id, "a")
	f.contribute(id, a, "x", 1)
	f.contribute(id, a, "y", 1)
	funder := addrOf("funder")
	f.fund(funder, 900)
	_, err := f.msg.FundPool(f.ctx, &types.MsgFundPool{Funder: f.acc(funder), RoundId: id, Amount: coin(900)})
	require.NoError(t, err)
	require.Equal(t, math.NewInt(1000), f.round(id).MatchingPool.Amount)
	f.endBlocks(20)
	require.Equal(t, math.NewInt(1002), f.bank.balance(rcpt)) // the only weighted project takes the whole pool
	// after the end the pool is closed
	f.fund(funder, 10)
	_, err = f.msg.FundPool(f.ctx, &types.MsgFundPool{Funder: f.acc(funder), RoundId: id, Amount: coin(10)})
	require.ErrorIs(t, err, types.ErrRoundNotOpen)
}

// Payouts are bounded per block: 5 projects at 2 per block take 3 blocks; the weights are fixed in the first.
func TestPayoutsAreBoundedPerBlock(t *testing.T) {
	f := newFixture(t)
	p, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	p.PayoutsPerBlock = 2
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	id := f.createRound(1000, 10, 20)
	for i := 0; i < 5; i++ {
		pid, _ := f.project(id, string(rune('a'+i)))
		f.contribute(id, pid, string(rune('a'+i))+"1", 1)
		f.contribute(id, pid, string(rune('a'+i))+"2", 1)
	}
	f.endBlocks(20) // fixing the weights of 5 projects uses the whole budget of block 20
	r := f.round(id)
	require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZING, r.Status)
	require.Equal(t, uint64(1), r.NextPayout)
	// contributions after the end are refused while the round pays out
	a := addrOf("late")
	f.fund(a, 5)
	_, err = f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(a), RoundId: id, ProjectId: 1, Amount: coin(5)})
	require.ErrorIs(t, err, types.ErrRoundNotOpen)
	f.endBlocks(21)
	require.Equal(t, uint64(3), f.round(id).NextPayout)
	f.endBlocks(22)
	require.Equal(t, uint64(5), f.round(id).NextPayout)
	f.endBlocks(23)
	r = f.round(id)
	require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZED, r.Status)
	require.Equal(t, math.NewInt(1000), r.Matched) // 200 each
	require.True(t, r.Remainder.IsZero())
	require.True(t, f.bank.balance(moduleAddr).IsZero())
}

// A recipient that cannot receive funds forfeits its payout to the community pool; the sum still holds.
func TestBlockedRecipientGoesToCommunityPool(t *testing.T) {
	f := newFixture(t)
	id := f.createRound(1000, 10, 20)
	a, rcpt := f.project(id, "a")
	f.contribute(id, a, "x", 4)
	f.contribute(id, a, "y", 4)
	f.bank.blocked[string(rcpt)] = true
	f.endBlocks(20)
	r := f.round(id)
	require.Equal(t, math.NewInt(1008), r.Remainder)
	require.Equal(t, math.NewInt(1008), f.bank.balance(communityPool))
	require.True(t, f.bank.balance(rcpt).IsZero())
}

func TestScaledSqrtAndWeight(t *testing.T) {
	require.Equal(t, math.NewInt(10_000_000_000), types.ScaledSqrt(math.NewInt(100)))
	require.Equal(t, math.NewInt(1_414_213_562), types.ScaledSqrt(math.NewInt(2))) // floor(sqrt 2 · 10^9)
	require.True(t, types.ScaledSqrt(math.ZeroInt()).IsZero())
	// a single contributor's weight is exactly 0 even with a rounded-down root
	for _, c := range []int64{1, 2, 3, 7, 99, 1_000_003} {
		require.True(t, types.Weight(types.ScaledSqrt(math.NewInt(c)), math.NewInt(c)).IsZero(), "c=%d", c)
	}
	require.True(t, types.Match(math.NewInt(100), math.NewInt(5), math.ZeroInt()).IsZero())
	// pool · weight past 256 bits does not panic (math.Int would): 10^60 · 10^40 / (2 · 10^40)
	big := math.NewIntWithDecimal(1, 60)
	require.Equal(t, big.QuoRaw(2).String(), types.Match(big, math.NewIntWithDecimal(1, 40), math.NewIntWithDecimal(2, 40)).String())
}

// Many rounds ending in one block: the work per block stays within payouts_per_block (the first due round
// always starts), the others wait, closed to contributions, and everything is paid within a few blocks.
func TestManyRoundsEndingAtOnceAreBounded(t *testing.T) {
	f := newFixture(t)
	p, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	p.PayoutsPerBlock = 3
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	var ids []uint64
	for i := 0; i < 4; i++ {
		id := f.createRound(90, 10, 20)
		ids = append(ids, id)
		for j := 0; j < 3; j++ {
			pid, _ := f.project(id, fmt.Sprintf("r%d-p%d", i, j))
			f.contribute(id, pid, fmt.Sprintf("r%d-p%d-a", i, j), 1)
			f.contribute(id, pid, fmt.Sprintf("r%d-p%d-b", i, j), 1)
		}
	}
	f.endBlocks(20)
	statuses := func() []types.RoundStatus {
		var out []types.RoundStatus
		for _, id := range ids {
			out = append(out, f.round(id).Status)
		}
		return out
	}
	open, fin := types.RoundStatus_ROUND_STATUS_OPEN, types.RoundStatus_ROUND_STATUS_FINALIZING
	require.Equal(t, []types.RoundStatus{fin, open, open, open}, statuses()) // 3 projects = the whole budget
	a := addrOf("late")
	f.fund(a, 5)
	_, err = f.msg.Contribute(f.ctx, &types.MsgContribute{Contributor: f.acc(a), RoundId: ids[3], ProjectId: 1, Amount: coin(5)})
	require.ErrorIs(t, err, types.ErrRoundNotOpen) // past its end even though not finalizing yet
	f.endBlocks(30)
	for _, id := range ids {
		r := f.round(id)
		require.Equal(t, types.RoundStatus_ROUND_STATUS_FINALIZED, r.Status)
		require.Equal(t, math.NewInt(90).String(), r.Matched.String())
	}
	require.True(t, f.bank.balance(moduleAddr).IsZero())
}

// Rounds without projects cost a unit to start and one to close: even empty rounds cannot make one block
// do unbounded work.
func TestEmptyRoundsAreBounded(t *testing.T) {
	f := newFixture(t)
	p, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	p.PayoutsPerBlock = 2
	require.NoError(t, f.k.Params.Set(f.ctx, p))
	var ids []uint64
	for i := 0; i < 5; i++ {
		ids = append(ids, f.createRound(7, 10, 20))
	}
	count := func(s types.RoundStatus) int {
		n := 0
		for _, id := range ids {
			if f.round(id).Status == s {
				n++
			}
		}
		return n
	}
	f.endBlocks(20)
	require.Equal(t, 2, count(types.RoundStatus_ROUND_STATUS_FINALIZING))
	require.Equal(t, 3, count(types.RoundStatus_ROUND_STATUS_OPEN))
	f.endBlocks(21)
	require.Equal(t, 0, count(types.RoundStatus_ROUND_STATUS_FINALIZED)) // 2 more started, the budget spent
	f.endBlocks(30)
	require.Equal(t, 5, count(types.RoundStatus_ROUND_STATUS_FINALIZED))
	require.Equal(t, math.NewInt(35).String(), f.bank.balance(communityPool).String())
}
