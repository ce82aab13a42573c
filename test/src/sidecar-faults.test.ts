import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeTxRaw } from "@cosmjs/proto-signing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_MODEL_NAME, isAlive, readPid, sidecarLogFile, sidecarPidFile, stopSidecar, startSidecar } from "@inferchain/localnet";
import { inferenceTypeUrls, JobStatus, MsgSubmitResult, type SigningInferchainClient } from "@inferchain/sdk";
import { clientFor, E2E_PORT_OFFSET, restartSidecar, sidecarJob, waitFor } from "./helpers.js";

// Issue 4's sidecar faults over a real localnet: a crash mid-generation, and weights tampered on disk.
const localnet = inject("localnet");
const sidecar0 = localnet.sidecars[0]!;
const smol = localnet.models.find((m) => m.name === DEFAULT_MODEL_NAME)!;
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;

let bob: SigningInferchainClient;

beforeAll(async () => {
  bob = await clientFor(localnet, "bob");
});

afterAll(async () => {
  await restartSidecar(localnet, 0);
});

/** Every MsgSubmitResult transaction for a job, successful or not. */
async function resultTxs(jobId: bigint): Promise<{ code: number }[]> {
  const txs = await bob.stargate.searchTx(`message.action='${inferenceTypeUrls.MsgSubmitResult}'`);
  return txs.filter((tx) => decodeTxRaw(tx.tx).body.messages.some((m) => m.typeUrl === inferenceTypeUrls.MsgSubmitResult && MsgSubmitResult.decode(m.value).jobId === jobId));
}

describe("sidecar faults", () => {
  it("killed with SIGKILL mid-generation and restarted: the job completes exactly once", async () => {
    const req = await bob.requestInference({ model: smol.contentRoot, prompt: "Write a long story about a dragon who learns to read.", maxTokens: 96, temperature: 0 });
    await waitFor("the sidecar to start generating", async () => ((await sidecarJob(sidecar0.api, req.jobId))?.state === "generating" ? true : undefined), 60_000, 100);

    const pid = readPid(sidecarPidFile(localnet.home, 0))!;
    process.kill(pid, "SIGKILL");
    await waitFor("the sidecar to die", async () => (isAlive(pid) ? undefined : true), 10_000, 50);
    expect((await bob.getJob(req.jobId)).status).toBe(JobStatus.JOB_STATUS_PENDING);

    await restartSidecar(localnet, 0);
    const job = await waitFor("the job to settle", async () => {
      const j = await bob.getJob(req.jobId);
      return j.status === JobStatus.JOB_STATUS_SETTLED ? j : undefined;
    }, 120_000, 1000);
    expect(job.attempt).toBe(1);
    expect(job.result?.outputTokenIds.length).toBeGreaterThan(0);
    const txs = await resultTxs(req.jobId);
    expect(txs.map((t) => t.code)).toEqual([0]); // one submission, and it succeeded
    expect((await sidecarJob(sidecar0.api, req.jobId))?.state).toBe("confirmed");
  });

  it("refuses to load weights that differ from the registry, says which file, and serves again once restored", async () => {
    await stopSidecar(localnet.home, 0);
    const file = join(tiny.dir, "model.onnx");
    const original = readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 100] = (tampered[tampered.length - 100]! + 1) % 256;
    writeFileSync(file, tampered);
    try {
      const s = startSidecar({ home: localnet.home, index: 0, rpc: localnet.nodes[0]!.endpoints.rpc, chainId: localnet.chainId, portOffset: E2E_PORT_OFFSET, models: localnet.models, threads: 1 });
      const body = await waitFor("the sidecar to report the refused model", async () => {
        const res = await fetch(`${s.api}/readyz`);
        const text = await res.text();
        return res.status === 503 && text.includes("model.onnx") ? text : undefined;
      }, 120_000);
      expect(body).toContain(tiny.contentRoot);
      expect(readFileSync(sidecarLogFile(localnet.home, 0), "utf8")).toMatch(/model\.onnx/);
      const models = (await (await fetch(`${s.api}/v1/models`)).json()) as unknown;
      expect(JSON.stringify(models)).toMatch(/refused|mismatch|differ/i);
    } finally {
      writeFileSync(file, original);
    }
    await restartSidecar(localnet, 0);
    const res = await bob.infer({ model: tiny.contentRoot, prompt: "Back again", maxTokens: 4, timeoutMs: 90_000 });
    expect(res.tokenIds.length).toBeGreaterThan(0);
  });
});
