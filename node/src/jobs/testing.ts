/** In-memory fakes of the processor's ports, shared by unit tests (not used at run time). */
import { UnrunnableJobError, rejectedStatusPrefix, type ChainAccess, type ChainJobView, type GenerateHooks, type JobGenerator, type ResultSubmitter, type SubmitReceipt } from './ports.js';
import type { JobOutput, JobRecord, JobSpec } from './types.js';

export const VALIDATOR = 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e';
export const SIDECAR = 'infer1sidecarsidecarsidecarsidecarsidecar0';

export class FakeChain implements ChainAccess {
  height = 10;
  readonly jobs = new Map<string, ChainJobView>();

  assign(spec: JobSpec, executor = VALIDATOR): void {
    this.jobs.set(spec.id, { id: spec.id, status: 'pending', executor, attempt: spec.attempt, deadlineHeight: spec.deadlineHeight });
  }
  async latestHeight(): Promise<number> {
    return this.height;
  }
  async getJob(id: string): Promise<ChainJobView | undefined> {
    const j = this.jobs.get(id);
    return j && { ...j };
  }
}

export class FakeSubmitter implements ResultSubmitter {
  readonly address = SIDECAR;
  readonly submissions: { id: string; commitment: string }[] = [];
  readonly rejections: { id: string; reason: string }[] = [];
  /** 'hang': the tx lands on chain but we never hear back (process killed mid-broadcast). */
  mode: 'ok' | 'hang' | 'throw-after-inclusion' | 'throw' = 'ok';

  constructor(private readonly chain: FakeChain) {}

  async submit(job: JobRecord, output: JobOutput): Promise<SubmitReceipt> {
    if (this.mode === 'throw') throw new Error('connection refused');
    const j = this.chain.jobs.get(job.id);
    if (!j || j.resultBy) throw new Error(`fake chain: job ${job.id} cannot take a result`);
    this.submissions.push({ id: job.id, commitment: output.commitment });
    this.chain.jobs.set(job.id, { ...j, status: 'result_submitted', resultBy: this.address, resultCommitment: output.commitment });
    if (this.mode === 'hang') return new Promise<never>(() => {});
    if (this.mode === 'throw-after-inclusion') throw new Error('timed out waiting for inclusion');
    return { txHash: `TX${job.id}`, height: ++this.chain.height };
  }

  readonly batches: string[][] = [];

  /** One tx of RejectJob messages: all or none (any job not pending refuses the whole batch). */
  async rejectMany(jobs: readonly { job: JobRecord; reason: string }[]): Promise<SubmitReceipt> {
    if (this.mode === 'throw') throw new Error('connection refused');
    const bad = jobs.find(({ job }) => this.chain.jobs.get(job.id)?.status !== 'pending');
    if (bad) throw new Error(`fake chain: job ${bad.job.id} cannot be rejected`);
    for (const { job, reason } of jobs) {
      const j = this.chain.jobs.get(job.id)!;
      this.rejections.push({ id: job.id, reason });
      this.chain.jobs.set(job.id, { ...j, status: 'refunded', statusReason: `${rejectedStatusPrefix(j.executor)}${reason}` });
    }
    this.batches.push(jobs.map((j) => j.job.id));
    return { txHash: `RB${jobs[0]?.job.id}`, height: ++this.chain.height };
  }

  /** Like the chain's RejectJob: only a pending job of ours; it ends refunded with our reason. */
  async reject(job: JobRecord, reason: string): Promise<SubmitReceipt> {
    if (this.mode === 'throw') throw new Error('connection refused');
    const j = this.chain.jobs.get(job.id);
    if (!j || j.status !== 'pending') throw new Error(`fake chain: job ${job.id} cannot be rejected (${j?.status ?? 'not found'})`);
    this.rejections.push({ id: job.id, reason });
    this.chain.jobs.set(job.id, { ...j, status: 'refunded', statusReason: `${rejectedStatusPrefix(j.executor)}${reason}` });
    if (this.mode === 'hang') return new Promise<never>(() => {});
    if (this.mode === 'throw-after-inclusion') throw new Error('timed out waiting for inclusion');
    return { txHash: `RJ${job.id}`, height: ++this.chain.height };
  }
}

export class FakeGenerator implements JobGenerator {
  calls = 0;
  hang = false;
  /** Prompts longer than this (characters standing in for tokens) overflow the model's context. */
  context = Infinity;
  constructor(private readonly models: Set<string>) {}
  serves(model: string): boolean {
    return this.models.has(model);
  }
  async generate(spec: JobSpec, hooks?: GenerateHooks): Promise<JobOutput> {
    this.calls++;
    if (this.hang) return new Promise<never>(() => {});
    if (spec.prompt.length >= this.context) {
      throw new UnrunnableJobError('prompt_too_long', `prompt is ${spec.prompt.length} tokens; the model's context is ${this.context} with max_tokens ${spec.maxTokens}`);
    }
    const ids = [...spec.prompt].slice(0, spec.maxTokens).map((c) => c.charCodeAt(0));
    ids.forEach((id, step) => hooks?.onToken?.({ step, id, text: String.fromCharCode(id) }));
    return {
      promptTokenIds: [1, 2, 3],
      tokenIds: ids,
      text: spec.prompt.slice(0, spec.maxTokens),
      finishReason: 'length',
      steps: ids.map((id) => [{ id, logit: 1 }]),
      commitment: `c-${spec.id}-${spec.seed}`,
      runtime: { executionProvider: 'cpu', threads: 1, prefillMs: 1, decodeMs: 1, promptTokens: 3, engine: 'fake' },
    };
  }
}

export function spec(id: number, over: Partial<JobSpec> = {}): JobSpec {
  return {
    id: String(id),
    model: 'a'.repeat(64),
    requester: 'infer1requester',
    prompt: 'hello world',
    maxTokens: 4,
    temperatureMilli: 0,
    topK: 0,
    seed: '42',
    attempt: 1,
    deadlineHeight: 100,
    ...over,
  };
}
