package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the training module (also its escrow module account).
	ModuleName = "training"
	// StoreKey is the KV store key of the training module.
	StoreKey = ModuleName
)

// Collection prefixes. Never reuse or renumber: they are part of the state layout.
var (
	ParamsKey        = collections.NewPrefix(0)
	JobsKey          = collections.NewPrefix(1)
	JobSeqKey        = collections.NewPrefix(2)
	DeadlineQueueKey = collections.NewPrefix(3)
	// ReservedNamesKey: (child name, child version) of every PENDING job, so two jobs cannot race for one name.
	ReservedNamesKey = collections.NewPrefix(4)
	// SettlementQueueKey: (submitted height, id) of every SUBMITTED job (its audit is decided in a later block).
	SettlementQueueKey = collections.NewPrefix(5)
	// AuditQueueKey: (conclusion height, id) of every AUDITING job.
	AuditQueueKey = collections.NewPrefix(6)
	// OpenAuditsKey: (verifier valoper, id) of every AUDITING job's committee members.
	OpenAuditsKey = collections.NewPrefix(7)
)

// FirstJobID is the id of the first training job; 0 is never a valid id.
const FirstJobID uint64 = 1

// AssignmentDomain is or-ed into a training job id before x/inference's assignment draw, so that training job n
// and inference job n in one block do not share a draw.
const AssignmentDomain uint64 = 1 << 63
