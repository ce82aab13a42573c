/**
 * The whole sidecar in process, over a fake chain and the real tiny model: assignment event -> queue ->
 * engine -> MsgSubmitResult (fake) -> confirmed; reconciliation; restart on the same dataDir.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as AbciEvent } from '@cosmjs/stargate';
import { Job, JobStatus, digestArtifact, inferenceEventTypes, type Executor } from '@inferchain/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryModelView } from '../store/registry.js';
import { commitmentRoot } from '../commitment/commitment.js';
import { parseConfig } from '../config/config.js';
import type { ChainJobView, ResultSubmitter, SubmitReceipt } from '../jobs/ports.js';
import type { JobOutput, JobRecord } from '../jobs/types.js';
import { makeTinyModel } from '../models/tiny.js';
import { Daemon, type SidecarChain } from './daemon.js';

const EVENT_JOB_ASSIGNED = inferenceEventTypes.EventJobAssigned;
const VALOPER = 'infervaloper10uwqhl2u3nvgnc5glc0pytf5uyuzx03q9eclvd';
// A public localnet dev mnemonic (DEV ONLY); any valid mnemonic would do.
const MNEMONIC = 'soldier easy local poverty world tragic whisper path sound chair excite actor session fine omit novel grocery poverty strong gather order rare please clock';

class FakeChain implements SidecarChain {
  height = 10;
  jobs = new Map<string, Job>();
  events = new Map<number, AbciEvent[]>();
  model: RegistryModelView | undefined;
  sidecar = '';
  submissions: string[] = [];

  async chainId(): Promise<string> {
    return 'inferchain-local-1';
  }
  async latestHeight(): Promise<number> {
    return this.height;
  }
  async blockEvents(h: number): Promise<AbciEvent[]> {
    return this.events.get(h) ?? [];
  }
  async pendingJobs(executor: string): Promise<Job[]> {
    return [...this.jobs.values()].filter((j) => j.executor === executor && j.status === JobStatus.JOB_STATUS_PENDING);
  }
  async getChainJob(id: string): Promise<Job | undefined> {
    return this.jobs.get(id);
  }
  async getJob(id: string): Promise<ChainJobView | undefined> {
    const j = this.jobs.get(id);
    if (!j) return undefined;
    return { id, status: j.status === JobStatus.JOB_STATUS_PENDING ? 'pending' : 'result_submitted', executor: j.executor, attempt: j.attempt, deadlineHeight: Number(j.deadlineHeight), ...(j.result ? { resultBy: j.result.submittedBy } : {}) };
  }
  async getExecutor(): Promise<Executor | undefined> {
    return { validator: VALOPER, sidecar: this.sidecar, models: [this.model!.contentRoot], endpoint: '', active: true, registeredHeight: 1n, missedDeadlines: 0n, completedJobs: 0n, missedAudits: 0n };
  }
  async getModel(root: string): Promise<RegistryModelView | undefined> {
    return root === this.model?.contentRoot ? this.model : undefined;
  }
  disconnect(): void {}

  /** A new job assigned to us in the next block, announced by an event (or silently for reconciliation). */
  assign(id: number, opts: { event: boolean; prompt?: string }): void {
    const h = ++this.height;
    this.jobs.set(String(id), Job.fromPartial({ id: BigInt(id), model: this.model!.contentRoot, prompt: opts.prompt ?? 'Hello world', maxTokens: 6, temperatureMilli: 0, topK: 0, seed: 7n, status: JobStatus.JOB_STATUS_PENDING, executor: VALOPER, attempt: 1, deadlineHeight: BigInt(h + 20), requester: 'infer1req' }));
    if (!opts.event) return;
    const j = JSON.stringify;
    this.events.set(h, [{ type: EVENT_JOB_ASSIGNED, attributes: [
      { key: 'job_id', value: j(String(id)) }, { key: 'model', value: j(this.model!.contentRoot) }, { key: 'requester', value: j('infer1req') },
      { key: 'executor', value: j(VALOPER) }, { key: 'sidecar', value: j(this.sidecar) }, { key: 'attempt', value: '1' }, { key: 'deadline_height', value: j(String(h + 20)) },
    ] }]);
  }

  submitter(address: string): ResultSubmitter {
    return {
      address,
      submit: async (job: JobRecord, out: JobOutput): Promise<SubmitReceipt> => {
        const j = this.jobs.get(job.id)!;
        this.submissions.push(job.id);
        this.jobs.set(job.id, { ...j, status: JobStatus.JOB_STATUS_RESULT_SUBMITTED, result: { outputTokenIds: out.tokenIds, outputText: out.text, commitment: out.commitment, finishReason: out.finishReason, runtime: undefined as never, submittedHeight: BigInt(this.height + 1), submittedBy: address } });
        return { txHash: `TX${job.id}`, height: ++this.height };
      },
      reject: async (job: JobRecord, reason: string): Promise<SubmitReceipt> => {
        const j = this.jobs.get(job.id)!;
        this.jobs.set(job.id, { ...j, status: JobStatus.JOB_STATUS_REFUNDED, statusReason: `rejected by executor ${j.executor}: ${reason}` });
        return { txHash: `RJ${job.id}`, height: ++this.height };
      },
    };
  }
}

let dir: string;
const chain = new FakeChain();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-daemon-'));
  await makeTinyModel(join(dir, 'tiny'));
  const d = await digestArtifact(join(dir, 'tiny'));
  chain.model = { contentRoot: d.contentRoot, name: 'tiny', version: '1', status: 'active', files: d.files };
  await writeFile(join(dir, 'mnemonic'), MNEMONIC);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function daemon(): Daemon {
  const cfg = parseConfig(
    {
      chain: { websocket: false, pollIntervalMs: 50, reconcileIntervalMs: 200 },
      sidecar: { mnemonicFile: 'mnemonic' },
      validator: VALOPER,
      dataDir: 'data',
      models: [{ contentRoot: chain.model!.contentRoot, dir: 'tiny' }],
      engine: { executionProviders: ['cpu'], threads: 1, topKCommit: 4 },
      api: { port: 0 },
    },
    { baseDir: dir },
  );
  return new Daemon(cfg, pino({ level: 'silent' }), { chain, submitter: (address) => chain.submitter(address) });
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function jobState(d: Daemon, id: string, state: string): Promise<Record<string, unknown>> {
  return until(async () => {
    const r = await fetch(`${d.url}/v1/jobs/${id}`);
    if (r.status !== 200) return undefined;
    const body = (await r.json()) as Record<string, unknown>;
    return body.state === state ? body : undefined;
  });
}

describe('Daemon', () => {
  it('executes assigned jobs end to end, and resumes after a restart without re-submitting', async () => {
    const d1 = daemon();
    await d1.start();
    chain.sidecar = d1.address!;
    const ready = await until(async () => ((await fetch(`${d1.url}/readyz`)).status === 200 ? true : undefined));
    expect(ready).toBe(true);

    chain.assign(1, { event: true });
    const job = (await jobState(d1, '1', 'confirmed')) as { txHash: string; output: { steps: { topk: { id: number; logit: number }[] }[]; commitment: string; tokenIds: number[] } };
    expect(job.txHash).toBe('TX1');
    expect(commitmentRoot(job.output.steps.map((s) => s.topk))).toBe(job.output.commitment);
    expect(chain.jobs.get('1')!.result!.commitment).toBe(job.output.commitment);

    // Reconciliation finds a job whose event we never saw.
    chain.assign(2, { event: false });
    await jobState(d1, '2', 'confirmed');
    const metrics = await (await fetch(`${d1.url}/metrics`)).text();
    expect(metrics).toMatch(/inferchain_node_jobs\{state="confirmed"\} 2/);
    await d1.stop();

    // Restart on the same dataDir: the queue and cursor survive; nothing is submitted twice.
    chain.assign(3, { event: true });
    const d2 = daemon();
    await d2.start();
    await jobState(d2, '3', 'confirmed');
    await jobState(d2, '1', 'confirmed');
    await d2.stop();
    expect(chain.submissions).toEqual(['1', '2', '3']);
  });
});
