import { Command } from "commander";
import type { Json } from "../../client/json.js";
import { AgentStore, createAgent, parseDuration, revokeAgent, type AgentRecord } from "../../agents/agents.js";
import { SigningInferchainClient } from "../../client/signing-client.js";
import type { CliContext } from "../context.js";
import { collect, withTx, type TxOptions } from "../options.js";
import { emit } from "../run.js";

const agentJson = (a: AgentRecord): Json => ({
  name: a.name,
  address: a.address,
  granter: a.granter,
  spendLimit: `${a.spendLimit.amount}${a.spendLimit.denom}`,
  models: a.models,
  expires: a.expires,
  revoked: a.revoked === true,
  grantTxHash: a.grantTxHash,
});
const agentText = (a: AgentRecord): string =>
  `${a.name}\t${a.address}\tgranter ${a.granter}\tlimit ${a.spendLimit.amount}${a.spendLimit.denom}\texpires ${a.expires}${a.revoked ? "\tREVOKED" : ""}\tmodels ${a.models.length ? a.models.join(",") : "any"}`;

async function granterClient(ctx: CliContext, opts: TxOptions): Promise<SigningInferchainClient> {
  const signer = await ctx.keyring(opts.home).signer(opts.from);
  return SigningInferchainClient.connectWithSigner(opts.node, signer, { gasPrice: opts.gasPrice, chainId: opts.chainId });
}

export function register(program: Command, ctx: CliContext): void {
  const agent = program.command("agent").description("agent wallets: keys that request inferences paid by a granter, within limits");

  withTx(agent.command("create").description("create an agent key, an authz grant for MsgRequestInference only and a capped fee allowance (signed by --from, the granter)"))
    .argument("<name>")
    .requiredOption("--spend-limit <coin>", "most the agent may escrow (max_fee of its requests) and, separately, spend on gas fees, e.g. 5000000uinfer")
    .option("--models <ref...>", "models the agent may use (name@version or content root; default any)", undefined)
    .option("--model <ref>", "one allowed model (repeatable)", collect, [])
    .option("--expires <duration>", "grant lifetime, e.g. 24h, 30m, 7d", "24h")
    .action(async (name: string, opts: TxOptions & { spendLimit: string; models?: string[]; model: string[]; expires: string }) => {
      const expiresInMs = parseDuration(opts.expires);
      const client = await granterClient(ctx, opts);
      try {
        const models = await Promise.all([...(opts.models ?? []), ...opts.model].map((m) => client.resolveModel(m)));
        const rec = await createAgent(client, ctx.keyring(opts.home), new AgentStore(opts.home), { name, spendLimit: opts.spendLimit, models, expiresInMs });
        emit(ctx, opts, agentJson(rec), agentText(rec));
      } finally {
        client.disconnect();
      }
    });

  withTx(agent.command("revoke").description("revoke an agent's authz grant and fee allowance (signed by --from, the granter)"))
    .argument("<name>")
    .action(async (name: string, opts: TxOptions) => {
      const client = await granterClient(ctx, opts);
      try {
        const { record, txHash } = await revokeAgent(client, new AgentStore(opts.home), name);
        emit(ctx, opts, { ...(agentJson(record) as { [k: string]: Json }), revokeTxHash: txHash }, `${agentText(record)}\nrevoked in tx ${txHash}`);
      } finally {
        client.disconnect();
      }
    });

  agent
    .command("list")
    .description("agents recorded in this home")
    .option("--home <dir>", "keyring home", process.env.INFERCHAIN_HOME)
    .option("--json", "print JSON", false)
    .action(async (opts: { home?: string; json: boolean }) => {
      const list = await new AgentStore(opts.home).list();
      emit(ctx, opts, list.map(agentJson), list.length ? list.map(agentText).join("\n") : "no agents");
    });
}
