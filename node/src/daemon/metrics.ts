/** Prometheus metrics of the sidecar (one registry per daemon, so tests can run several). */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATES, type JobState } from '../jobs/types.js';
import type { ProcessorMetrics } from '../jobs/processor.js';

export class SidecarMetrics implements ProcessorMetrics {
  readonly registry = new Registry();
  readonly chainHeight: Gauge;
  readonly cursorHeight: Gauge;
  readonly tokensPerSecond: Gauge;
  readonly generatedTokens: Counter;
  readonly generationSeconds: Counter;
  readonly submitFailures: Counter;
  readonly transitions: Counter;

  constructor(jobCounts: () => Promise<Record<JobState, number>>) {
    const registers = [this.registry];
    new Gauge({
      name: 'inferchain_node_jobs',
      help: 'Jobs in the local queue by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await jobCounts();
        for (const s of JOB_STATES) this.set({ state: s }, counts[s]);
      },
    });
    this.chainHeight = new Gauge({ name: 'inferchain_node_chain_height', help: 'Latest block height seen on the chain', registers });
    this.cursorHeight = new Gauge({ name: 'inferchain_node_cursor_height', help: 'Last block height fully processed by the follower', registers });
    this.tokensPerSecond = new Gauge({ name: 'inferchain_node_generation_tokens_per_second', help: 'Output tokens per second of the last generation (prefill included)', registers });
    this.generatedTokens = new Counter({ name: 'inferchain_node_generated_tokens_total', help: 'Output tokens generated', registers });
    this.generationSeconds = new Counter({ name: 'inferchain_node_generation_seconds_total', help: 'Seconds spent generating', registers });
    this.submitFailures = new Counter({ name: 'inferchain_node_submit_failures_total', help: 'Failed MsgSubmitResult broadcasts by kind', labelNames: ['kind'], registers });
    this.transitions = new Counter({ name: 'inferchain_node_job_transitions_total', help: 'Job state transitions by target state', labelNames: ['state'], registers });
    collectDefaultMetrics({ register: this.registry, prefix: 'inferchain_node_' });
  }

  generated(outputTokens: number, seconds: number): void {
    this.generatedTokens.inc(outputTokens);
    this.generationSeconds.inc(seconds);
    if (seconds > 0) this.tokensPerSecond.set(outputTokens / seconds);
  }

  submitFailed(kind: string): void {
    this.submitFailures.inc({ kind });
  }
}
