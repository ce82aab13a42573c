/** Prometheus metrics of the verifier duty, registered into the daemon's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DutyMetricsSink } from './duty.js';
import { DUTY_STATES, type DutyState } from './types.js';
import type { VerdictName } from '@inferchain/sdk';

export class DutyMetrics implements DutyMetricsSink {
  readonly verdicts: Counter;
  readonly checkSeconds: Histogram;
  readonly ends: Counter;
  readonly broadcastFailures: Counter;

  constructor(registry: Registry, counts: () => Promise<Record<DutyState, number>>) {
    const registers = [registry];
    new Gauge({
      name: 'inferchain_node_audits',
      help: 'Audit duties in the local store by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const c = await counts();
        for (const s of DUTY_STATES) this.set({ state: s }, c[s]);
      },
    });
    this.verdicts = new Counter({ name: 'inferchain_node_audits_checked_total', help: 'Audits checked, by verdict', labelNames: ['verdict'], registers });
    this.checkSeconds = new Histogram({
      name: 'inferchain_node_audit_check_seconds',
      help: 'Time of one audit check (steps fetch + teacher-forced forward pass, engine wait included)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.ends = new Counter({ name: 'inferchain_node_audits_ended_total', help: 'Audit duties that ended, by final state', labelNames: ['state'], registers });
    this.broadcastFailures = new Counter({ name: 'inferchain_node_audit_broadcast_failures_total', help: 'Failed MsgCommitVerdict / MsgRevealVerdict broadcasts by kind', labelNames: ['kind'], registers });
    for (const v of ['valid', 'fraud']) this.verdicts.inc({ verdict: v }, 0);
  }

  checked(verdict: VerdictName, seconds: number): void {
    this.verdicts.inc({ verdict });
    this.checkSeconds.observe(seconds);
  }

  ended(state: 'revealed' | 'missed' | 'failed'): void {
    this.ends.inc({ state });
  }

  broadcastFailed(kind: string): void {
    this.broadcastFailures.inc({ kind });
  }
}
