import { join } from "node:path";
import { decodeTxRaw, DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_MODEL_NAME, devAccount, isAlive, readPid, sidecarPidFile } from "@inferchain/localnet";
import { inferenceTypeUrls, JobStatus, MsgSubmitResult, SigningInferchainClient, type Job } from "@inferchain/sdk";
import { clientFor, moduleAddress, restartSidecar, sidecarJob, waitFor } from "./helpers.js";

// Crash safety with a batch and a queue: several SmolLM2 jobs are decoding in one batch, others queued, when the
// sidecar is SIGKILLed; after a restart every job ends exactly once (settled with one result, or refunded), and the money adds up to the last unit.
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const sidecar0 = localnet.sidecars[0]!;
const smol = localnet.models.find((m) => m.name === DEFAULT_MODEL_NAME)!;
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const JOBS = 6;
const SMOL_JOBS = 3;
const ESCROW = moduleAddress("inference");

let alice: SigningInferchainClient;
let requester: SigningInferchainClient;

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  // A fresh requester of our own: its balance moves only through this file's transactions.
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "infer" });
  const [acc] = await wallet.getAccounts();
  const sent = await alice.signing.sendTokens(alice.senderAddress, acc!.address, [{ denom: "uinfer", amount: "5000000" }], "auto");
  expect(sent.code).toBe(0);
  requester = await SigningInferchainClient.connectWithSigner(rpc, wallet, { chainId: localnet.chainId, broadcastPollIntervalMs: 100, pipelineTxs: true });
  expect(devAccount("alice").address).toBe(alice.senderAddress);
});

afterAll(async () => {
  requester?.disconnect();
  // On a machine too slow for the deadlines, expiries can deactivate the executor (max_missed_deadlines): turn it
  // back on so the files after this one find it serving.
  const operator = await clientFor(localnet, "val0");
  try {
    await waitFor("the executor to be active again", async () => {
      if ((await operator.getExecutor(sidecar0.validator)).active) return true;
      await operator.updateExecutor({ active: true }).catch(() => undefined); // ErrTooSoon in the deactivating block
      return undefined;
    }, 30_000, 1000);
  } finally {
    operator.disconnect();
    alice?.disconnect();
  }
  await restartSidecar(localnet, 0);
});

/** Every MsgSubmitResult transaction for a job, successful or not. */
async function resultTxs(jobId: bigint): Promise<{ code: number }[]> {
  const txs = await alice.stargate.searchTx(`message.action='${inferenceTypeUrls.MsgSubmitResult}'`);
  return txs.filter((tx) => decodeTxRaw(tx.tx).body.messages.some((m) => m.typeUrl === inferenceTypeUrls.MsgSubmitResult && MsgSubmitResult.decode(m.value).jobId === jobId));
}

/** The fee a transaction paid (uinfer). */
async function txFee(hash: string): Promise<bigint> {
  const tx = await alice.stargate.getTx(hash);
  if (!tx) throw new Error(`tx ${hash} not found`);
  return decodeTxRaw(tx.tx).authInfo.fee!.amount.filter((c) => c.denom === "uinfer").reduce((a, c) => a + BigInt(c.amount), 0n);
}

const balance = async (addr: string): Promise<bigint> => BigInt((await alice.getBalance(addr, "uinfer")).amount);
const terminal = (j: Job): boolean => j.status === JobStatus.JOB_STATUS_SETTLED || j.status === JobStatus.JOB_STATUS_REFUNDED;

describe("sidecar crash with a queue", () => {
  it(`SIGKILL mid-batch with ${JOBS} jobs generating or queued, restart: each job settles or is refunded exactly once, the money adds up`, { timeout: 360_000 }, async () => {
    // Escrow holds exactly the open jobs: wait for earlier files' jobs to finish, so what is left is ours.
    await waitFor("the escrow to be empty", async () => ((await balance(ESCROW)) === 0n ? true : undefined), 120_000, 1000);
    const before = await balance(requester.senderAddress);
    // SmolLM2 jobs long enough to interrupt, sent together from one key (pipelined sequences, one block), so the
    // sidecar decodes them in one batch (engine.maxConcurrentJobs, default 4); then tiny jobs behind them.
    const smolReqs = await Promise.all(Array.from({ length: SMOL_JOBS }, (_, i) => requester.requestInference({ model: smol.contentRoot, prompt: `Write a long tale about lighthouse keeper number ${i + 1} and a storm.`, maxTokens: 24, temperature: 0 })));
    const rest = await Promise.all(Array.from({ length: JOBS - SMOL_JOBS }, (_, i) => requester.requestInference({ model: tiny.contentRoot, prompt: `Queued job ${i + 1}`, maxTokens: 8, temperature: 0 })));
    const reqs = [...smolReqs, ...rest];
    const ids = reqs.map((r) => r.jobId);
    expect(new Set(ids).size).toBe(JOBS);

    // Kill mid-batch: while at least two SmolLM2 jobs are generating at once (sharing decode steps).
    const states = await waitFor("two SmolLM2 jobs to be generating together", async () => {
      const s = await Promise.all(ids.map(async (id) => (await sidecarJob(sidecar0.api, id))?.state ?? "unknown"));
      return s.slice(0, SMOL_JOBS).filter((x) => x === "generating").length >= 2 ? s : undefined;
    }, 120_000, 50);
    const pid = readPid(sidecarPidFile(localnet.home, 0))!;
    process.kill(pid, "SIGKILL");
    await waitFor("the sidecar to die", async () => (isAlive(pid) ? undefined : true), 10_000, 50);
    console.error(`sidecar-crash: killed the sidecar with jobs in states ${states.join(", ")}`);

    // Not waiting for readiness: if the restart outlasts the deadlines, the executor is deactivated for the misses
    // and never reports ready; the jobs' end states are what this test is about (afterAll re-activates it).
    await restartSidecar(localnet, 0, { wait: false });
    const jobs = await waitFor("every job to settle or be refunded", async () => {
      const js = await Promise.all(ids.map((id) => requester.getJob(id)));
      return js.every(terminal) ? js : undefined;
    }, 240_000, 1000);

    let charged = 0n;
    let settled = 0;
    for (const job of jobs) {
      const txs = await resultTxs(job.id);
      const ok = txs.filter((t) => t.code === 0);
      if (job.status === JobStatus.JOB_STATUS_SETTLED) {
        settled++;
        expect(job.result?.outputTokenIds.length, `job ${job.id}`).toBeGreaterThan(0);
        expect(ok, `job ${job.id}: one accepted result`).toHaveLength(1);
        const refund = BigInt(job.settlement!.refund!.amount);
        charged += BigInt(job.maxFee!.amount) - refund;
      } else {
        expect(ok, `refunded job ${job.id}: no accepted result`).toHaveLength(0);
      }
      // Never a second submission, not even a refused one: the restarted sidecar knew what it had sent.
      expect(txs.length, `job ${job.id}: result transactions`).toBeLessThanOrEqual(1);
    }
    const fees = (await Promise.all(reqs.map((r) => txFee(r.txHash)))).reduce((a, b) => a + b, 0n);
    console.error(`sidecar-crash: ${settled}/${JOBS} settled, ${JOBS - settled} refunded; charged ${charged}uinfer, tx fees ${fees}uinfer`);
    // The requester paid its transaction fees and the charge of each settled job, once; refunds came back whole.
    expect(before - (await balance(requester.senderAddress))).toBe(fees + charged);
    // Nothing of these jobs is left in escrow.
    expect(await balance(ESCROW)).toBe(0n);
    // How many settle depends on the restart beating the deadline (model verification + load); on a loaded 2-core
    // box the interrupted job can expire. Either way each job ended once and the sums above hold.
  });
});
