package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the registry module.
	ModuleName = "registry"
	// StoreKey is the KV store key of the registry module.
	StoreKey = ModuleName
	// RouterKey routes messages (kept for tooling that still expects it).
	RouterKey = ModuleName
)

// Collection prefixes. Never reuse or renumber: they are part of the state layout.
var (
	ParamsKey                = collections.NewPrefix(0)
	ModelsKey                = collections.NewPrefix(1)
	ModelsByNameKey          = collections.NewPrefix(2)
	DatasetsKey              = collections.NewPrefix(3)
	DatasetsByNameKey        = collections.NewPrefix(4)
	ModelChildrenKey         = collections.NewPrefix(5)
	DatasetUsersKey          = collections.NewPrefix(6)
	AttestationsKey          = collections.NewPrefix(7)
	AttestationSeqKey        = collections.NewPrefix(8)
	AttestationsBySubjectKey = collections.NewPrefix(9)
	DatasetDerivativesKey    = collections.NewPrefix(10)
)

// FirstAttestationID is the id of the first attestation; 0 is never a valid id.
const FirstAttestationID uint64 = 1
