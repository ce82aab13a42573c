// Package keeper holds the funding module's state (cosmossdk.io/collections), its Msg and Query servers and
// the EndBlocker that finalizes rounds.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// ProjectKey is (round id, project id).
type ProjectKey = collections.Pair[uint64, uint64]

// ContributionKey is (round id, project id, contributor address).
type ContributionKey = collections.Triple[uint64, uint64, string]

// Keeper of the funding store.
type Keeper struct {
	cdc          codec.BinaryCodec
	storeService corestore.KVStoreService
	addressCodec address.Codec
	// authority may change params: the gov module account.
	authority string

	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	distrKeeper   types.DistributionKeeper
	registry      types.RegistryKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Rounds by id.
	Rounds   collections.Map[uint64, types.Round]
	RoundSeq collections.Sequence
	// Projects by (round, project id).
	Projects collections.Map[ProjectKey, types.Project]
	// ProjectSubjects holds (round, subject content root): a subject enters a round once.
	ProjectSubjects collections.KeySet[collections.Pair[uint64, string]]
	// Contributions by (round, project, contributor): one record per contributor and project, summed.
	Contributions collections.Map[ContributionKey, types.Contribution]
	// ContributorTotals by (round, contributor): what the account gave in the round, for the cap.
	ContributorTotals collections.Map[collections.Pair[uint64, string], math.Int]
	// EndQueue holds (end_height, round) of OPEN rounds.
	EndQueue collections.KeySet[collections.Pair[int64, uint64]]
	// FinalizeQueue holds the FINALIZING rounds, paid in id order.
	FinalizeQueue collections.KeySet[uint64]
}

// NewKeeper returns the funding keeper. authority is the address allowed to change params (normally the gov
// module account); it panics when authority is not a valid address.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	addressCodec address.Codec,
	authority string,
	accountKeeper types.AccountKeeper,
	bankKeeper types.BankKeeper,
	distrKeeper types.DistributionKeeper,
	registry types.RegistryKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("funding: invalid authority address %q: %w", authority, err))
	}
	if accountKeeper.GetModuleAddress(types.ModuleName) == nil {
		panic(fmt.Errorf("funding: the %s module account has not been set", types.ModuleName))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:           cdc,
		storeService:  storeService,
		addressCodec:  addressCodec,
		authority:     authority,
		accountKeeper: accountKeeper,
		bankKeeper:    bankKeeper,
		distrKeeper:   distrKeeper,
		registry:      registry,
		Params:        collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Rounds:        collections.NewMap(sb, types.RoundsKey, "rounds", collections.Uint64Key, codec.CollValue[types.Round](cdc)),
		RoundSeq:      collections.NewSequence(sb, types.RoundSeqKey, "round_seq"),
		Projects: collections.NewMap(sb, types.ProjectsKey, "projects",
			collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key), codec.CollValue[types.Project](cdc)),
		ProjectSubjects: collections.NewKeySet(sb, types.ProjectSubjectsKey, "project_subjects",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey)),
		Contributions: collections.NewMap(sb, types.ContributionsKey, "contributions",
			collections.TripleKeyCodec(collections.Uint64Key, collections.Uint64Key, collections.StringKey),
			codec.CollValue[types.Contribution](cdc)),
		ContributorTotals: collections.NewMap(sb, types.ContributorTotalsKey, "contributor_totals",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey), sdk.IntValue),
		EndQueue: collections.NewKeySet(sb, types.EndQueueKey, "end_queue",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		FinalizeQueue: collections.NewKeySet(sb, types.FinalizeQueueKey, "finalize_queue", collections.Uint64Key),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// GetAuthority returns the address allowed to change params.
func (k Keeper) GetAuthority() string { return k.authority }

// ModuleAddress is the escrow account of matching pools and contributions.
func (k Keeper) ModuleAddress() sdk.AccAddress {
	return k.accountKeeper.GetModuleAddress(types.ModuleName)
}

// Logger returns a module logger.
func (k Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// GetParams returns the current params (the defaults when none were stored).
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	p, err := k.Params.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.DefaultParams(), nil
	}
	return p, err
}

// GetRound returns a round by id; found is false when there is none.
func (k Keeper) GetRound(ctx context.Context, id uint64) (types.Round, bool, error) {
	r, err := k.Rounds.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Round{}, false, nil
	}
	return r, err == nil, err
}

// GetProject returns a project of a round; found is false when there is none.
func (k Keeper) GetProject(ctx context.Context, roundID, projectID uint64) (types.Project, bool, error) {
	p, err := k.Projects.Get(ctx, collections.Join(roundID, projectID))
	if errors.Is(err, collections.ErrNotFound) {
		return types.Project{}, false, nil
	}
	return p, err == nil, err
}

// canonicalAddress decodes a bech32 address with the keeper's codec and re-encodes it canonically.
func (k Keeper) canonicalAddress(field, s string) (string, sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %q is not a valid account address: %w", field, s, err)
	}
	canon, err := k.addressCodec.BytesToString(bz)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", field, err)
	}
	return canon, bz, nil
}

// estimates returns each project's weight and match if the round were finalized with its current state,
// and the total weight: O(projects of the round), bounded by max_projects_per_round.
func (k Keeper) estimates(ctx context.Context, r types.Round) ([]types.MatchEstimate, math.Int, error) {
	var out []types.MatchEstimate
	total := math.ZeroInt()
	err := k.Projects.Walk(ctx, collections.NewPrefixedPairRange[uint64, uint64](r.Id), func(_ ProjectKey, p types.Project) (bool, error) {
		w := types.Weight(p.SumSqrt, p.Total)
		total = total.Add(w)
		out = append(out, types.MatchEstimate{ProjectId: p.Id, Total: p.Total, Weight: w, Match: math.ZeroInt()})
		return false, nil
	})
	if err != nil {
		return nil, math.Int{}, err
	}
	for i := range out {
		out[i].Match = types.Match(r.MatchingPool.Amount, out[i].Weight, total)
	}
	return out, total, nil
}
