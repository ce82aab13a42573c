package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/inferchain/inferchain/chain/x/funding/types"
)

// AutoCLIOptions implements autocli.HasAutoCLIConfig: `inferchaind q funding ...` and `inferchaind tx funding ...`.
//
//	inferchaind tx funding create-round "Open models Q1" 1000000uinfer 120 720 --from alice
//	inferchaind tx funding register-project 1 --subject <content root> --from publisher
//	inferchaind tx funding contribute 1 1 5000uinfer --from bob
//
// The signer field (creator / funder / registrant / contributor) comes from --from. UpdateParams is
// governance-only and skipped.
func (am AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the funding parameters"},
				{
					RpcMethod: "Round", Use: "round [round-id]", Short: "Show a funding round",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}},
				},
				{RpcMethod: "Rounds", Use: "rounds", Short: "List funding rounds"},
				{
					RpcMethod: "Project", Use: "project [round-id] [project-id]", Short: "Show a project of a round",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}, {ProtoField: "project_id"}},
				},
				{
					RpcMethod: "Projects", Use: "projects [round-id]", Short: "List the projects of a round",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}},
				},
				{
					RpcMethod: "Contributions", Use: "contributions [round-id]",
					Short:          "List the contributions of a round (--project-id for one project)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}},
				},
				{
					RpcMethod: "MatchEstimates", Use: "match-estimates [round-id]",
					Short:          "Show each project's match if the round ended now",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "CreateRound", Use: "create-round [title] [matching-pool] [start-height] [end-height]",
					Short: "Open a quadratic-funding round; the matching pool is escrowed from --from",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "title"}, {ProtoField: "matching_pool"}, {ProtoField: "start_height"}, {ProtoField: "end_height"},
					},
				},
				{
					RpcMethod: "FundPool", Use: "fund-pool [round-id] [amount]", Short: "Add to a round's matching pool",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}, {ProtoField: "amount"}},
				},
				{
					RpcMethod: "RegisterProject", Use: "register-project [round-id]",
					Short:          "Enter your model or dataset (--subject) or a proposal (--title --uri --recipient) in a round",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "round_id"}},
				},
				{
					RpcMethod: "Contribute", Use: "contribute [round-id] [project-id] [amount]",
					Short: "Contribute to a project of a round within its window",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "round_id"}, {ProtoField: "project_id"}, {ProtoField: "amount"},
					},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // governance only
			},
		},
	}
}
