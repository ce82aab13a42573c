package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the funding module; also the name of its module account (the escrow of matching
	// pools and contributions until a round is paid out).
	ModuleName = "funding"
	// StoreKey is the KV store key of the funding module.
	StoreKey = ModuleName
	// RouterKey routes messages (kept for tooling that still expects it).
	RouterKey = ModuleName
)

// Collection prefixes. Never reuse or renumber: they are part of the state layout.
var (
	ParamsKey            = collections.NewPrefix(0)
	RoundsKey            = collections.NewPrefix(1)
	RoundSeqKey          = collections.NewPrefix(2)
	ProjectsKey          = collections.NewPrefix(3)
	ProjectSubjectsKey   = collections.NewPrefix(4)
	ContributionsKey     = collections.NewPrefix(5)
	ContributorTotalsKey = collections.NewPrefix(6)
	EndQueueKey          = collections.NewPrefix(7)
	FinalizeQueueKey     = collections.NewPrefix(8)
)

// FirstRoundID is the id of the first round; 0 is never a valid id.
const FirstRoundID uint64 = 1
