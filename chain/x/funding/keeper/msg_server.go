package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the funding Msg service implementation.
//
// Every handler first runs the message's stateless Validate against the current params, then all stateful
// checks, and only then moves funds and writes: a refused message never changes state.
func NewMsgServerImpl(keeper Keeper) types.MsgServer {
	return msgServer{Keeper: keeper}
}

// openRound returns a round that still accepts pool top-ups, projects and (within the window) contributions.
func (k Keeper) openRound(ctx context.Context, id uint64) (types.Round, error) {
	r, found, err := k.GetRound(ctx, id)
	if err != nil {
		return types.Round{}, err
	}
	if !found {
		return types.Round{}, errorsmod.Wrapf(types.ErrNotFound, "round_id: no round %d", id)
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if r.Status != types.RoundStatus_ROUND_STATUS_OPEN || h > r.EndHeight {
		return types.Round{}, errorsmod.Wrapf(types.ErrRoundNotOpen, "round %d ended at height %d (now %d, status %s)", id, r.EndHeight, h, r.Status)
	}
	return r, nil
}

func (k msgServer) CreateRound(ctx context.Context, msg *types.MsgCreateRound) (*types.MsgCreateRoundResponse, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(p); err != nil {
		return nil, err
	}
	creator, creatorBz, err := k.canonicalAddress("creator", msg.Creator)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	if msg.StartHeight < h {
		return nil, errorsmod.Wrapf(types.ErrInvalidWindow, "start_height %d is in the past (current height %d)", msg.StartHeight, h)
	}
	if msg.EndHeight-h > int64(p.MaxRoundBlocks) {
		return nil, errorsmod.Wrapf(types.ErrInvalidWindow, "end_height %d is more than max_round_blocks %d after the current height %d",
			msg.EndHeight, p.MaxRoundBlocks, h)
	}
	// escrow first: a creator without the funds is refused before anything is written
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, creatorBz, types.ModuleName, sdk.NewCoins(msg.MatchingPool)); err != nil {
		return nil, errorsmod.Wrapf(err, "escrowing the matching pool %s from %s", msg.MatchingPool, creator)
	}
	id, err := k.RoundSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	if id < types.FirstRoundID { // a store that never ran InitGenesis: ids start at 1 all the same
		id = types.FirstRoundID
		if err := k.RoundSeq.Set(ctx, id+1); err != nil {
			return nil, err
		}
	}
	r := types.Round{
		Id:                 id,
		Creator:            creator,
		Title:              msg.Title,
		MatchingPool:       msg.MatchingPool,
		StartHeight:        msg.StartHeight,
		EndHeight:          msg.EndHeight,
		Status:             types.RoundStatus_ROUND_STATUS_OPEN,
		TotalContributions: math.ZeroInt(),
		TotalWeight:        math.ZeroInt(),
		Matched:            math.ZeroInt(),
		Remainder:          math.ZeroInt(),
		CreatedHeight:      h,
	}
	if err := k.Rounds.Set(ctx, id, r); err != nil {
		return nil, err
	}
	if err := k.EndQueue.Set(ctx, collections.Join(r.EndHeight, id)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventRoundCreated{
		RoundId: id, Creator: creator, MatchingPool: r.MatchingPool.String(), StartHeight: r.StartHeight, EndHeight: r.EndHeight,
	}); err != nil {
		return nil, err
	}
	return &types.MsgCreateRoundResponse{RoundId: id}, nil
}

func (k msgServer) FundPool(ctx context.Context, msg *types.MsgFundPool) (*types.MsgFundPoolResponse, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(p); err != nil {
		return nil, err
	}
	funder, funderBz, err := k.canonicalAddress("funder", msg.Funder)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	r, err := k.openRound(ctx, msg.RoundId)
	if err != nil {
		return nil, err
	}
	if msg.Amount.Denom != r.MatchingPool.Denom {
		return nil, errorsmod.Wrapf(types.ErrInvalidAmount, "amount: denom %q is not the round's denom %q", msg.Amount.Denom, r.MatchingPool.Denom)
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, funderBz, types.ModuleName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, errorsmod.Wrapf(err, "escrowing %s from %s", msg.Amount, funder)
	}
	r.MatchingPool = r.MatchingPool.Add(msg.Amount)
	if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPoolFunded{
		RoundId: r.Id, Funder: funder, Amount: msg.Amount.String(), MatchingPool: r.MatchingPool.String(),
	}); err != nil {
		return nil, err
	}
	return &types.MsgFundPoolResponse{}, nil
}

func (k msgServer) RegisterProject(ctx context.Context, msg *types.MsgRegisterProject) (*types.MsgRegisterProjectResponse, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(p); err != nil {
		return nil, err
	}
	registrant, _, err := k.canonicalAddress("registrant", msg.Registrant)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	r, err := k.openRound(ctx, msg.RoundId)
	if err != nil {
		return nil, err
	}
	if r.ProjectCount >= uint64(p.MaxProjectsPerRound) {
		return nil, errorsmod.Wrapf(types.ErrTooManyProjects, "round %d already has max_projects_per_round %d projects", r.Id, p.MaxProjectsPerRound)
	}

	project := types.Project{
		RoundId: r.Id, Subject: msg.Subject, Title: msg.Title, Uri: msg.Uri, Registrant: registrant,
		Total: math.ZeroInt(), SumSqrt: math.ZeroInt(), Match: math.ZeroInt(),
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if msg.Subject != "" {
		publisher, kind, err := k.subjectPublisher(ctx, msg.Subject)
		if err != nil {
			return nil, err
		}
		// only the publisher enters its own model or dataset: nobody can squat a round's project slots with
		// other people's work, and the recipient consents to being listed
		if publisher != registrant {
			return nil, errorsmod.Wrapf(types.ErrUnauthorized, "subject %s is published by %s; only its publisher may register it (signer %s)",
				msg.Subject, publisher, registrant)
		}
		if has, err := k.ProjectSubjects.Has(ctx, collections.Join(r.Id, msg.Subject)); err != nil {
			return nil, err
		} else if has {
			return nil, errorsmod.Wrapf(types.ErrDuplicate, "subject %s is already a project of round %d", msg.Subject, r.Id)
		}
		project.Kind, project.Recipient = kind, publisher
	} else {
		recipient, recipientBz, err := k.canonicalAddress("recipient", msg.Recipient)
		if err != nil {
			return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
		}
		if k.bankKeeper.BlockedAddr(recipientBz) {
			return nil, errorsmod.Wrapf(types.ErrBlockedRecipient, "recipient %s is a module account that cannot receive funds", recipient)
		}
		project.Kind, project.Recipient = types.ProjectKind_PROJECT_KIND_PROPOSAL, recipient
	}

	r.ProjectCount++
	project.Id = r.ProjectCount
	if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
		return nil, err
	}
	if err := k.Projects.Set(ctx, collections.Join(r.Id, project.Id), project); err != nil {
		return nil, err
	}
	if project.Subject != "" {
		if err := k.ProjectSubjects.Set(ctx, collections.Join(r.Id, project.Subject)); err != nil {
			return nil, err
		}
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProjectRegistered{
		RoundId: r.Id, ProjectId: project.Id, Kind: project.Kind, Subject: project.Subject, Recipient: project.Recipient,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRegisterProjectResponse{ProjectId: project.Id}, nil
}

// subjectPublisher resolves a content root to its publisher in x/registry (a model, else a dataset).
func (k Keeper) subjectPublisher(ctx context.Context, root string) (string, types.ProjectKind, error) {
	if m, found, err := k.registry.GetModel(ctx, root); err != nil {
		return "", 0, err
	} else if found {
		return m.Publisher, types.ProjectKind_PROJECT_KIND_MODEL, nil
	}
	if d, found, err := k.registry.GetDataset(ctx, root); err != nil {
		return "", 0, err
	} else if found {
		return d.Publisher, types.ProjectKind_PROJECT_KIND_DATASET, nil
	}
	return "", 0, errorsmod.Wrapf(types.ErrNotFound, "subject: no model or dataset with content root %s is registered", root)
}

func (k msgServer) Contribute(ctx context.Context, msg *types.MsgContribute) (*types.MsgContributeResponse, error) {
	p, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Validate(p); err != nil {
		return nil, err
	}
	contributor, contributorBz, err := k.canonicalAddress("contributor", msg.Contributor)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	r, err := k.openRound(ctx, msg.RoundId)
	if err != nil {
		return nil, err
	}
	if h := sdk.UnwrapSDKContext(ctx).BlockHeight(); h < r.StartHeight {
		return nil, errorsmod.Wrapf(types.ErrOutOfWindow, "round %d accepts contributions from height %d (now %d)", r.Id, r.StartHeight, h)
	}
	if msg.Amount.Denom != r.MatchingPool.Denom {
		return nil, errorsmod.Wrapf(types.ErrInvalidAmount, "amount: denom %q is not the round's denom %q", msg.Amount.Denom, r.MatchingPool.Denom)
	}
	pk := collections.Join(r.Id, msg.ProjectId)
	project, err := k.Projects.Get(ctx, pk)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "project_id: round %d has no project %d", r.Id, msg.ProjectId)
	} else if err != nil {
		return nil, err
	}
	tk := collections.Join(r.Id, contributor)
	given, err := k.ContributorTotals.Get(ctx, tk)
	if errors.Is(err, collections.ErrNotFound) {
		given = math.ZeroInt()
	} else if err != nil {
		return nil, err
	}
	if newGiven := given.Add(msg.Amount.Amount); newGiven.GT(p.MaxContributionPerRound.Amount) {
		return nil, errorsmod.Wrapf(types.ErrOverCap, "%s already gave %s%s in round %d; %s more exceeds the cap of %s per contributor per round",
			contributor, given, r.MatchingPool.Denom, r.Id, msg.Amount, p.MaxContributionPerRound)
	}
	ck := collections.Join3(r.Id, msg.ProjectId, contributor)
	c, err := k.Contributions.Get(ctx, ck)
	newContributor := errors.Is(err, collections.ErrNotFound)
	if newContributor {
		c = types.Contribution{RoundId: r.Id, ProjectId: msg.ProjectId, Contributor: contributor, Amount: math.ZeroInt()}
	} else if err != nil {
		return nil, err
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, contributorBz, types.ModuleName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, errorsmod.Wrapf(err, "escrowing the contribution %s from %s", msg.Amount, contributor)
	}

	// the project's sum of roots is updated incrementally: replace this contributor's old root by the new one
	newAmount := c.Amount.Add(msg.Amount.Amount)
	project.SumSqrt = project.SumSqrt.Sub(types.ScaledSqrt(c.Amount)).Add(types.ScaledSqrt(newAmount))
	project.Total = project.Total.Add(msg.Amount.Amount)
	if newContributor {
		project.Contributors++
	}
	c.Amount = newAmount
	r.TotalContributions = r.TotalContributions.Add(msg.Amount.Amount)

	if err := k.Contributions.Set(ctx, ck, c); err != nil {
		return nil, err
	}
	if err := k.ContributorTotals.Set(ctx, tk, given.Add(msg.Amount.Amount)); err != nil {
		return nil, err
	}
	if err := k.Projects.Set(ctx, pk, project); err != nil {
		return nil, err
	}
	if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventContributed{
		RoundId: r.Id, ProjectId: project.Id, Contributor: contributor, Amount: msg.Amount.String(), ProjectTotal: project.Total.String(),
	}); err != nil {
		return nil, err
	}
	return &types.MsgContributeResponse{}, nil
}

func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, "msg: must not be nil")
	}
	if authority, _, err := k.canonicalAddress("authority", msg.Authority); err != nil || authority != k.authority {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "authority: expected %s (gov), got %s", k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	p := msg.Params
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventParamsUpdated{Params: &p}); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
