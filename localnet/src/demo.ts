#!/usr/bin/env node
/**
 * `make demo`: the main job end to end. Starts (or resumes) the localnet with a sidecar serving the default
 * model, sends one inference transaction through the SDK as a dApp would, and prints the answer, its receipt
 * and the model's provenance. The localnet keeps running afterwards (`make localnet-stop`).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningInferchainClient } from "@inferchain/sdk";
import { devAccount } from "./accounts.js";
import { startLocalnet } from "./localnet.js";
import { DEFAULT_MODEL_NAME, defaultLocalnetHome, defaultModelDir } from "./paths.js";

const usage = `usage: inferchain-demo [--prompt <text>] [--model-dir <dir>] [--max-tokens <n>] [--home <dir>]

Starts the localnet with a sidecar serving the model (default: SmolLM2-135M-Instruct imported by 'make model'),
asks it one question through the SDK as the dev account bob, and prints the answer, the receipt and the
model's provenance.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prompt: { type: "string", default: "What is the capital of France? Answer in one sentence." },
      "model-dir": { type: "string" },
      "max-tokens": { type: "string", default: "48" },
      home: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const modelDir = values["model-dir"] ?? defaultModelDir();
  if (!existsSync(modelDir)) throw new Error(`no model at ${modelDir}: run 'make model' first`);
  const maxTokens = Number.parseInt(values["max-tokens"], 10);
  const log = (line: string) => console.error(`[localnet] ${line}`);

  const info = await startLocalnet({ home: values.home ?? defaultLocalnetHome(), validators: 1, portOffset: 0, log, models: [{ dir: modelDir, ...(values["model-dir"] === undefined ? { name: DEFAULT_MODEL_NAME } : {}) }] });
  const model = info.models.find((m) => m.dir === modelDir) ?? info.models[0];
  const rpc = info.nodes[0]?.endpoints.rpc;
  if (model === undefined || rpc === undefined) throw new Error("the localnet serves no model");

  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devAccount("bob").mnemonic, { prefix: "infer" });
  const client = await SigningInferchainClient.connectWithSigner(rpc, wallet, { chainId: info.chainId });
  try {
    console.log(`\n> ${values.prompt}`);
    console.error(`[dApp] bob asks ${model.name}@${model.version} (${model.contentRoot.slice(0, 16)}…)`);
    let last = "";
    const result = await client.infer({
      model: model.contentRoot,
      prompt: values.prompt,
      maxTokens,
      temperature: 0,
      timeoutMs: 180_000,
      onRequested: (r) => console.error(`[dApp] job ${r.jobId} included at height ${r.height}, assigned to ${r.executor}, deadline ${r.deadlineHeight}`),
      onStatus: ({ job, status }) => {
        if (status !== last) console.error(`[dApp] job ${job.id}: ${status}${job.executor ? ` (executor ${job.executor}, attempt ${job.attempt})` : ""}`);
        last = status;
      },
    });
    console.log(`\n${result.text.trim()}\n`);
    const r = result.receipt;
    const coin = (c: { amount: string; denom: string } | undefined) => (c ? `${c.amount}${c.denom}` : "-");
    console.log("receipt");
    console.log(`  job            ${result.jobId} (${result.tokenIds.length} tokens, finish: ${result.finishReason})`);
    console.log(`  model          ${r.model}`);
    console.log(`  executor       ${r.executor} (sidecar ${r.sidecar})`);
    console.log(`  heights        requested ${r.heights.requested}, result ${r.heights.result}, settled ${r.heights.settled}`);
    console.log(`  fee            charged ${coin(r.charged)}: executor ${coin(r.feeSplit?.executor)}, publisher ${coin(r.feeSplit?.publisher)}, verifiers ${coin(r.feeSplit?.verifierPool)}, community ${coin(r.feeSplit?.communityPool)}, refund ${coin(r.feeSplit?.refund)}`);
    console.log(`  commitment     ${r.commitment}`);
    console.log(`  runtime        ${r.runtime?.executionProvider ?? "?"}, threads ${r.runtime?.threads || "auto"}, prefill ${r.runtime?.prefillMs ?? "?"} ms, decode ${r.runtime?.decodeMs ?? "?"} ms`);
    console.log(`  tx             ${r.txHash}`);

    const p = await client.getProvenance(model.contentRoot);
    console.log("\nprovenance");
    console.log(`  ${p.model.name}@${p.model.version}  ${p.model.format}  license ${p.model.license}  publisher ${p.model.publisher}`);
    for (const f of p.files) console.log(`    ${f.path}  ${f.size} bytes  root ${f.root}`);
    console.log(`  ancestors: ${p.ancestors.length}, datasets: ${p.datasets.length}, attestations: ${Object.values(p.attestations).flat().length}`);
    console.log(`\nthe localnet keeps running: 'make localnet-stop' stops it, 'make localnet-reset' wipes it.`);
  } finally {
    client.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
