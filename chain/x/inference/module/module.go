// Package module wires the inference keeper into a Cosmos SDK app.
//
// # Rejecting a job (MsgRejectJob)
//
// Some jobs cannot be run by any honest executor, typically a prompt that, with the chat template applied and
// max_tokens added, does not fit the model's context window. The chain cannot tell (the tokenizer lives off
// chain), so the assigned executor's sidecar says so with MsgRejectJob{sidecar, job_id, reason} instead of
// letting the job time out max_attempts times:
//
//   - accepted under the same conditions as MsgSubmitResult, with the same errors: signed by the bound sidecar
//     account of the job's assigned executor, the job PENDING, the height at or below deadline_height;
//   - reason: 1..512 bytes, no control characters, a stable machine code first (lowercase snake_case), alone or
//     followed by ": " and an explanation, e.g.
//     "prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64";
//   - effect: the whole max_fee goes back to the requester at once, the job ends REFUNDED with status_reason
//     "rejected by executor <infervaloper>: <reason>", leaves the deadline queue, and EventJobRejected then
//     EventJobRefunded are emitted. The executor's missed_deadlines is not incremented (a rejection is an
//     answer) and not reset either (a rejection costs no compute, so it does not prove the executor works).
//
// CLI: inferchaind tx inference reject-job [job-id] [reason] --from <sidecar key>.
//
// # Sampled audits (MsgCommitVerdict, MsgRevealVerdict)
//
// In the EndBlocker of a block after a result, draw = sha256("inferchain/audit" ‖ block hash ‖ u64be(job id))
// selects the job with probability audit_probability (draw mod 1e18 < p × 1e18). Selected jobs get a committee
// of up to committee_size other eligible executors serving the model (stake-weighted, without replacement,
// round i drawing from sha256(draw ‖ u32be(i))), go AUDITING and keep their escrow; with no other executor the
// audit is SKIPPED and the job settles at once (the 1-validator localnet). EventAuditDecided is emitted for
// every decision (committee valopers and their sidecar accounts in order).
//
// Members' sidecars commit commit_hash = hex(sha256("inferchain/verdict" ‖ u64be(job_id) ‖ u8(verdict) ‖
// salt (32 bytes) ‖ utf8(member infervaloper))) until commit_deadline (types.VerdictCommitHash; vectors in
// types/testdata/verdict_commit_vectors.json), then reveal verdict + salt after the commit phase (past the
// deadline, or once all committed) until reveal_deadline. At the reveal deadline, or in the block of the last
// reveal: FRAUD verdicts >= quorum slash slash_fraction of the executor's validator (infraction height = the
// result's height), deactivate its executor, refund the requester max_fee and pay verifier_reward to each FRAUD
// voter; otherwise the job settles and every member that revealed is paid (from the verifier pool, what it
// holds). Members that did not reveal get nothing; max_verifier_misses consecutive misses jail the validator.
//
// CLI: inferchaind tx inference commit-verdict [job-id] [commit-hash], reveal-verdict [job-id] [valid|fraud]
// [salt] --reason "...", q inference jobs --verifier <infervaloper> --status auditing.
package module

import (
	"context"
	"encoding/json"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"

	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/inferchain/inferchain/chain/x/inference/keeper"
	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// ConsensusVersion is the inference module's consensus version (bump on state-breaking changes, with a migration).
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesisBasics    = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
	_ module.HasName             = AppModule{}

	_ appmodule.AppModule     = AppModule{}
	_ appmodule.HasEndBlocker = AppModule{}
)

// AppModuleBasic is the stateless part of the module (codec, genesis defaults and validation, gateway routes).
type AppModuleBasic struct {
	cdc codec.Codec
}

// AppModule implements the inference module.
type AppModule struct {
	AppModuleBasic
	keeper keeper.Keeper
}

// NewAppModule returns the inference module.
func NewAppModule(cdc codec.Codec, keeper keeper.Keeper) AppModule {
	return AppModule{AppModuleBasic: AppModuleBasic{cdc: cdc}, keeper: keeper}
}

// IsAppModule implements appmodule.AppModule.
func (AppModule) IsAppModule() {}

// IsOnePerModuleType implements depinject.OnePerModuleType.
func (AppModule) IsOnePerModuleType() {}

// Name returns the module name.
func (AppModuleBasic) Name() string { return types.ModuleName }

// RegisterLegacyAminoCodec registers the module's types on the legacy Amino codec.
func (AppModuleBasic) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

// RegisterInterfaces registers the module's Msgs and Msg service.
func (AppModuleBasic) RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	types.RegisterInterfaces(registry)
}

// RegisterGRPCGatewayRoutes registers the REST routes (query.proto google.api.http options).
func (AppModuleBasic) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// DefaultGenesis returns the default genesis state as JSON.
func (AppModuleBasic) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

// ValidateGenesis checks a genesis state given as JSON.
func (AppModuleBasic) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("failed to unmarshal %s genesis state: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

// RegisterServices registers the Msg and Query servers.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQueryServerImpl(am.keeper))
}

// InitGenesis loads the genesis state; it panics on an invalid state (the chain cannot start).
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, data json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(data, &gs)
	if err := am.keeper.InitGenesis(ctx, &gs); err != nil {
		panic(fmt.Errorf("%s genesis: %w", types.ModuleName, err))
	}
}

// ExportGenesis exports the state as JSON.
func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(fmt.Errorf("%s export genesis: %w", types.ModuleName, err))
	}
	return cdc.MustMarshalJSON(gs)
}

// ConsensusVersion implements module.HasConsensusVersion.
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// EndBlock settles results submitted in earlier blocks and reassigns or refunds jobs whose deadline passed
// (keeper.EndBlocker).
func (am AppModule) EndBlock(ctx context.Context) error {
	return am.keeper.EndBlocker(ctx)
}
