/**
 * The sidecar's training duty: for each training job assigned to our executor, train the child deterministically
 * (train.ts), then post MsgSubmitTrainingResult once. Durable (store.ts): a restart resumes each job from its last
 * persisted state; the chain is read before every broadcast, so a result that landed is never sent twice.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterBroadcastFailure, attemptsExhausted, DurableWorker, errText, type Step } from '../durable/worker.js';
import type { SubmitRejectedError } from '../durable/broadcast.js';
import type { TrainingOutput, TrainingRecord, TrainingStore } from './store.js';
import { checkpointRoot, train as defaultTrain, type TrainJob, type TrainOutcome } from './train.js';
import { forgeCheckpoints } from './checkpoints.js';

/** A training job as the chain sees it now. */
export interface ChainTrainingView {
  status: 'pending' | 'completed' | 'refunded';
  executor: string;
  deadlineHeight: number;
  childModel?: string;
}

export interface TrainingChain {
  getTrainingJob(id: string): Promise<ChainTrainingView | undefined>;
  getHeight(): Promise<number>;
}

export interface TrainingResultMsg {
  jobId: string;
  childContentRoot: string;
  files: { path: string; size: string; root: string }[];
  checkpointRoot: string;
  checkpointInterval: number;
  finalLoss: string;
  initialLoss: string;
}

export interface TrainingSubmitter {
  /** Broadcasts MsgSubmitTrainingResult; throws SubmitRejectedError on a chain refusal. */
  submitTrainingResult(msg: TrainingResultMsg): Promise<{ txHash: string }>;
}

/** Where the inputs of a job are on this machine (verified against their content roots). */
export interface TrainingInputs {
  /** Directory of a served, verified base model; undefined when we do not hold it. */
  baseDir(contentRoot: string): string | undefined;
  /** The dataset's files (verified against its content root), in path order; throws when absent or tampered. */
  datasetFiles(contentRoot: string): Promise<string[]>;
}

export interface TrainingDutyOptions {
  store: TrainingStore;
  chain: TrainingChain;
  submitter: TrainingSubmitter;
  inputs: TrainingInputs;
  /** Our executor (infervaloper...). */
  validator: string;
  /** Children go to <dir>/<child root>, scratch to <dir>/work/<job id>. */
  dir: string;
  threads: number;
  log: Logger;
  /** The child is trained and accepted on chain: start serving it. */
  onChild?: (childRoot: string, dir: string) => Promise<void>;
  /** Replaceable for tests. */
  train?: (job: TrainJob) => Promise<TrainOutcome>;
  retryBaseMs?: number;
  maxSubmitAttempts?: number;
  idleMs?: number;
  /** Test-only fault (faults.training.forgeCheckpoint): post forged checkpoint digests. */
  forgeCheckpoint?: boolean;
}

export class TrainingDuty extends DurableWorker<TrainingRecord> {
  constructor(private readonly o: TrainingDutyOptions) {
    super({ name: 'training duty', what: 'training job', unfinished: () => o.store.unfinished(), idOf: (r) => r.id, log: o.log, idleMs: o.idleMs ?? 1000 });
  }

  async advance(rec: TrainingRecord): Promise<Step> {
    const view = await this.o.chain.getTrainingJob(rec.id);
    const settled = await this.settledByChain(rec, view);
    if (settled) return settled;
    switch (rec.state) {
      case 'received':
      case 'training':
        return this.runTraining(rec);
      case 'trained':
      case 'submitting':
        return this.submit(rec);
      default:
        return 'done';
    }
  }

  /** The chain state ends the record: gone/refunded/reassigned -> expired, completed -> confirmed. */
  private async settledByChain(rec: TrainingRecord, view: ChainTrainingView | undefined): Promise<Step | undefined> {
    if (!view) return this.end(rec, 'expired', 'the chain has no such training job');
    if (view.status === 'refunded') return this.end(rec, 'expired', 'refunded on chain (deadline passed)');
    if (view.executor !== this.o.validator) return this.end(rec, 'expired', `assigned to ${view.executor}, not to us`);
    if (view.status === 'completed') {
      if (rec.output && view.childModel === rec.output.childRoot) {
        await this.o.store.transition(rec.id, 'confirmed', { note: 'our result is on chain' });
        await this.o.onChild?.(rec.output.childRoot, rec.output.dir);
        return 'done';
      }
      return this.end(rec, 'failed', `completed on chain with child ${view.childModel ?? '?'}, which is not ours`);
    }
    if ((await this.o.chain.getHeight()) > view.deadlineHeight) return this.end(rec, 'expired', `deadline height ${view.deadlineHeight} passed`);
    return undefined;
  }

  private async end(rec: TrainingRecord, to: 'expired' | 'failed', reason: string): Promise<Step> {
    this.o.log.warn({ job: rec.id, reason }, `training job ${to}`);
    await this.o.store.transition(rec.id, to, { reason });
    return 'done';
  }

  private async runTraining(rec: TrainingRecord): Promise<Step> {
    const baseDir = this.o.inputs.baseDir(rec.baseModel);
    if (!baseDir) return this.end(rec, 'failed', `base model ${rec.baseModel} is not served (ready) by this sidecar`);
    let datasetFiles: string[];
    try {
      datasetFiles = (await Promise.all(rec.datasets.map((d) => this.o.inputs.datasetFiles(d)))).flat();
    } catch (e) {
      return this.end(rec, 'failed', `dataset unavailable: ${errText(e)}`);
    }
    await this.o.store.transition(rec.id, 'training', { note: rec.state === 'training' ? 'restarted: training again from the base' : undefined });
    const log = this.o.log.child({ job: rec.id });
    log.info({ base: rec.baseModel, datasets: rec.datasets, params: rec.params }, 'training started');
    const staging = join(this.o.dir, 'work', rec.id, 'child');
    let out: TrainOutcome;
    try {
      out = await (this.o.train ?? defaultTrain)({
        baseDir,
        datasetFiles,
        outDir: staging,
        workDir: join(this.o.dir, 'work', rec.id),
        childName: rec.childName,
        params: rec.params,
        threads: this.o.threads,
        checkpointsDir: join(this.o.dir, 'work', rec.id, 'checkpoints'), // kept: the states a replay of an interval starts from
        artifactsCache: { dir: trainingArtifactsCacheDir(this.o.dir), baseRoot: rec.baseModel }, // baseDir was verified against this root
      });
    } catch (e) {
      return this.end(rec, 'failed', `training failed: ${errText(e)}`);
    }
    if (!Number.isFinite(out.lossAfter) || out.lossAfter < 0 || !Number.isFinite(out.lossBefore)) return this.end(rec, 'failed', `training diverged (final loss ${out.lossAfter})`);
    if (this.o.forgeCheckpoint) {
      out = { ...out, checkpoints: forgeCheckpoints(out.checkpoints) };
      out = { ...out, checkpointRoot: checkpointRoot(out.checkpoints) };
      log.warn({ checkpointRoot: out.checkpointRoot }, 'FAULT INJECTION (faults.training.forgeCheckpoint): posting FORGED checkpoint digests; a replay audit will find them');
    }
    const output: TrainingOutput = {
      childRoot: out.childRoot,
      files: out.files.map((f) => ({ path: f.path, size: f.size.toString(), root: f.root })),
      checkpointRoot: out.checkpointRoot,
      checkpoints: out.checkpoints,
      lossBefore: out.lossBefore,
      lossAfter: out.lossAfter,
      wallMs: out.wallMs,
      dir: staging,
    };
    if (out.truncated > 0) log.warn({ truncated: out.truncated, examples: out.examples, seqLen: rec.params.seqLen }, 'some examples are longer than seq_len: their tails were not trained');
    log.info({ child: out.childRoot, lossBefore: out.lossBefore, lossAfter: out.lossAfter, wallMs: Math.round(out.wallMs), phaseMs: out.phaseMs }, 'training done');
    await this.o.store.transition(rec.id, 'trained', { output });
    if (this.stopping) return 'wait';
    return this.submit({ ...rec, state: 'trained', output });
  }

  private async submit(rec: TrainingRecord): Promise<Step> {
    const out = rec.output!;
    const max = this.o.maxSubmitAttempts ?? 8;
    const gaveUp = attemptsExhausted(rec.submitAttempts, max, 'submission', rec.reason);
    if (gaveUp) return this.end(rec, 'failed', gaveUp);
    const cur = await this.o.store.transition(rec.id, 'submitting'); // persisted before the broadcast
    try {
      const { txHash } = await this.o.submitter.submitTrainingResult({
        jobId: rec.id,
        childContentRoot: out.childRoot,
        files: out.files,
        checkpointRoot: out.checkpointRoot,
        checkpointInterval: rec.params.checkpointInterval,
        finalLoss: formatLoss(out.lossAfter),
        initialLoss: formatLoss(out.lossBefore),
      });
      await this.o.store.transition(rec.id, 'confirmed', { txHash, note: `child ${out.childRoot} registered` });
      this.o.log.info({ job: rec.id, txHash, child: out.childRoot }, 'training result accepted');
      await this.o.onChild?.(out.childRoot, out.dir);
      return 'done';
    } catch (e) {
      return afterBroadcastFailure(this, e, {
        id: rec.id,
        what: 'training result',
        attempts: cur.submitAttempts,
        retryBaseMs: this.o.retryBaseMs ?? 1000,
        log: this.o.log,
        recheck: async () => this.settledByChain(cur, await this.o.chain.getTrainingJob(rec.id)),
        refused: (err: SubmitRejectedError) => this.end(cur, 'failed', `chain refused the result (${err.kind}): ${err.message}`),
        annotate: (note) => this.o.store.annotate(rec.id, note),
      });
    }
  }
}

/** The trainer's graph cache under the training dir (shared by the duty and replay audits: same base, same graphs). */
export function trainingArtifactsCacheDir(trainingDir: string): string {
  return join(trainingDir, 'cache', 'artifacts');
}

/** The chain's decimal form (no exponent): 6 significant decimals are plenty for a reported loss. */
export function formatLoss(x: number): string {
  return x.toFixed(6);
}
