import { auditOutcomeName, buildReceipt, formatCoin, jobStatusName, temperatureFromMilli, type AuditReceipt, type InferenceReceipt } from "../client/inference.js";
import type { RequestInferenceResult } from "../client/signing-client.js";
import { AuditOutcome, JobStatus, type Executor, type Job } from "../generated/inferchain/inference/v1/types.js";

/** Human-readable text for the inference commands; --json bypasses all of this. */

const short = (root: string): string => (root.length > 16 ? `${root.slice(0, 12)}…` : root);

export function requestedLine(r: RequestInferenceResult): string {
  return `requested: job ${r.jobId} in block ${r.height} (tx ${r.txHash}, escrowed ${formatCoin(r.maxFee)})`;
}

/**
 * The progress lines between two reads of a job: (re)assignment, result, settlement, refund. A first read
 * that is already further along prints every step it skipped, so the story is always complete.
 */
export function progressLines(previous: Job | undefined, job: Job): string[] {
  const out: string[] = [];
  if (job.executor && (!previous || previous.executor !== job.executor || previous.attempt !== job.attempt)) {
    const verb = job.attempt > 1 ? `reassigned (attempt ${job.attempt}, after a missed deadline) to` : "assigned to";
    out.push(`${verb} ${job.executor} in block ${job.assignedHeight}, deadline block ${job.deadlineHeight}`);
  }
  const r = job.result;
  if (r && r.submittedHeight > 0n && !(previous?.result && previous.result.submittedHeight > 0n)) {
    out.push(`result at block ${r.submittedHeight} from ${r.submittedBy} (${r.finishReason || "?"}, ${r.outputTokenIds.length} tokens)`);
  }
  out.push(...auditProgressLines(previous, job));
  if (job.status === JobStatus.JOB_STATUS_SETTLED && previous?.status !== JobStatus.JOB_STATUS_SETTLED) {
    const receipt = buildReceipt(job);
    out.push(`settled at block ${job.settledHeight}: charged ${formatCoin(receipt.charged)}, refunded ${formatCoin(receipt.feeSplit?.refund)}`);
  }
  if (job.status === JobStatus.JOB_STATUS_REFUNDED && previous?.status !== JobStatus.JOB_STATUS_REFUNDED) {
    out.push(`refunded${job.settledHeight > 0n ? ` at block ${job.settledHeight}` : ""}: ${job.statusReason || "no reason recorded"}`);
  }
  return out;
}

/** Audit steps between two reads: decided (selected or not), commits and reveals, concluded. */
export function auditProgressLines(previous: Job | undefined, job: Job): string[] {
  const a = job.audit;
  if (!a) return [];
  const p = previous?.audit;
  const out: string[] = [];
  const outcome = auditOutcomeName(a.outcome);
  const wasDecided = p !== undefined && auditOutcomeName(p.outcome) !== undefined;
  if (outcome && !wasDecided) {
    if (outcome === "not_selected") out.push(`audit: not selected (block ${a.decidedHeight})`);
    else if (outcome === "skipped") out.push(`audit: skipped${a.note ? ` (${a.note})` : ""}`);
    else if (outcome === "insufficient_committee") out.push(`audit: selected in block ${a.decidedHeight} but not audited: too few verifiers for quorum ${a.quorum}${a.note ? ` (${a.note})` : ""}`);
    else {
      out.push(
        `audit: selected in block ${a.decidedHeight}: committee of ${a.committee.length} (quorum ${a.quorum}), commit by block ${a.commitDeadline}, reveal by block ${a.revealDeadline}${a.note ? ` (${a.note})` : ""}`,
      );
    }
  }
  const committed = (j: Job | undefined): number => j?.audit?.votes.filter((v) => v.commitHash).length ?? 0;
  const revealed = (j: Job | undefined): number => j?.audit?.votes.filter((v) => v.revealedHeight > 0n).length ?? 0;
  if (a.committee.length > 0 && committed(job) > committed(previous)) out.push(`audit: ${committed(job)}/${a.committee.length} verdicts committed`);
  if (a.committee.length > 0 && revealed(job) > revealed(previous)) out.push(`audit: ${revealed(job)}/${a.committee.length} verdicts revealed`);
  const concluded = a.outcome === AuditOutcome.AUDIT_OUTCOME_HONEST || a.outcome === AuditOutcome.AUDIT_OUTCOME_FRAUD || a.outcome === AuditOutcome.AUDIT_OUTCOME_INCONCLUSIVE;
  if (concluded && p?.outcome !== a.outcome) {
    const r = buildReceipt(job).audit;
    const outvoted = a.votes.filter((v) => v.outvoted).length;
    const tail = outvoted > 0 ? ` (${outvoted} verifier(s) outvoted)` : "";
    out.push(
      a.outcome === AuditOutcome.AUDIT_OUTCOME_FRAUD
        ? `audit concluded at block ${a.concludedHeight}: FRAUD, executor slashed ${formatCoin(r?.slashed)}${tail}`
        : a.outcome === AuditOutcome.AUDIT_OUTCOME_INCONCLUSIVE
          ? `audit concluded at block ${a.concludedHeight}: inconclusive (no quorum either way; settled, nobody slashed)`
          : `audit concluded at block ${a.concludedHeight}: honest${tail}`,
    );
  }
  return out;
}

/** The audit lines of a receipt (also for jobs never audited: "not selected"). */
export function renderAudit(a: AuditReceipt | undefined): string[] {
  if (!a) return ["audit        not decided yet"];
  const label: Record<AuditReceipt["outcome"], string> = {
    not_selected: "not selected (not audited)",
    skipped: "skipped (selected, but no committee could be formed)",
    insufficient_committee: "not audited (selected, but fewer eligible verifiers than quorum: unverified, no slash possible)",
    in_progress: "in progress",
    honest: "honest (audited: the result passed)",
    inconclusive: "inconclusive (audited, no quorum either way: settled unverified, nobody slashed)",
    fraud: "FRAUD (audited: the result was found fraudulent)",
  };
  const lines = [`audit        ${label[a.outcome]}${a.decidedHeight ? `, decided at block ${a.decidedHeight}` : ""}${a.concludedHeight ? `, concluded at block ${a.concludedHeight}` : ""}`];
  if (a.note) lines.push(`  note       ${a.note}`);
  if (a.committee.length > 0) {
    lines.push(`  committee  ${a.committee.length} verifier(s), quorum ${a.quorum}${a.commitDeadline ? `, commit by block ${a.commitDeadline}, reveal by block ${a.revealDeadline ?? "-"}` : ""}`);
    for (const member of a.committee) {
      const v = a.votes.find((x) => x.verifier === member);
      const verdict = v?.verdict ? v.verdict.toUpperCase() : v?.committed ? "committed (not revealed)" : "no vote";
      const reward = v?.reward ? `, reward ${formatCoin(v.reward)}` : "";
      const outvoted = v?.outvoted ? ", outvoted (no reward, missed audit)" : "";
      lines.push(`  verifier   ${member}: ${verdict}${v?.reason ? ` (${v.reason})` : ""}${reward}${outvoted}`);
    }
  }
  if (a.slashed) lines.push(`  slashed    ${formatCoin(a.slashed)} from the executor's validator`);
  return lines;
}

export function renderReceipt(r: InferenceReceipt): string {
  const h = r.heights;
  const lines = [
    `model        ${r.model}`,
    `executor     ${r.executor}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ""}`,
    `sidecar      ${r.sidecar ?? "-"}`,
    `heights      requested ${h.requested}, assigned ${h.assigned}, result ${h.result ?? "-"}, settled ${h.settled ?? "-"}`,
    `max_fee      ${formatCoin(r.maxFee)}`,
  ];
  if (r.feeSplit) {
    const s = r.feeSplit;
    lines.push(
      `charged      ${formatCoin(r.charged)} (refund ${formatCoin(s.refund)})`,
      `fee split    executor ${formatCoin(s.executor)}, publisher ${formatCoin(s.publisher)}, verifier pool ${formatCoin(s.verifierPool)}, community pool ${formatCoin(s.communityPool)}`,
    );
    if (s.royalties) lines.push(`royalties    ${s.royalties.map((x) => `${x.recipient} ${formatCoin(x.amount)}`).join(", ")} (up the lineage)`);
  }
  if (r.commitment) lines.push(`commitment   ${r.commitment}`);
  if (r.runtime) {
    const rt = r.runtime;
    lines.push(
      `runtime      ${rt.engine || "?"} on ${rt.executionProvider || "?"}, ${rt.threads || "auto"} thread(s), ${rt.promptTokens} prompt tokens, prefill ${rt.prefillMs} ms, decode ${rt.decodeMs} ms`,
    );
  }
  if (r.txHash) lines.push(`tx           ${r.txHash}`);
  if (r.heights.result !== undefined) lines.push(...renderAudit(r.audit));
  return lines.join("\n");
}

export function renderJob(job: Job): string {
  const lines = [
    `job          ${job.id}`,
    `status       ${jobStatusName(job.status)}`,
    `requester    ${job.requester}`,
    `prompt       ${JSON.stringify(job.prompt)}`,
    `params       max_tokens ${job.maxTokens}, temperature ${temperatureFromMilli(job.temperatureMilli)}${job.temperatureMilli === 0 ? " (greedy)" : ""}, top_k ${job.topK}, seed ${job.seed}${job.clientSeed ? " (chosen by the requester)" : ""}`,
  ];
  if (job.status === JobStatus.JOB_STATUS_REFUNDED) lines.push(`reason       ${job.statusReason || "no reason recorded"}`);
  if (job.tried.length) lines.push(`missed by    ${job.tried.join(", ")}`);
  if (job.status === JobStatus.JOB_STATUS_PENDING) lines.push(`deadline     block ${job.deadlineHeight}`);
  if (job.result && job.result.submittedHeight > 0n) {
    lines.push(`finish       ${job.result.finishReason || "?"}, ${job.result.outputTokenIds.length} tokens`, "output:", job.result.outputText);
  }
  lines.push("receipt:", ...renderReceipt(buildReceipt(job)).split("\n").map((l) => `  ${l}`));
  return lines.join("\n");
}

export function renderJobLine(job: Job): string {
  const extra = job.status === JobStatus.JOB_STATUS_REFUNDED ? `  (${job.statusReason})` : "";
  return `#${job.id}  ${jobStatusName(job.status).padEnd(16)}  model ${short(job.model)}  ${job.executor || "-"}  created ${job.createdHeight}${extra}`;
}

export function renderExecutor(e: Executor): string {
  return [
    `${e.validator}  ${e.active ? "active" : "inactive"}`,
    `  sidecar    ${e.sidecar}`,
    `  endpoint   ${e.endpoint || "-"}`,
    `  jobs       ${e.completedJobs} completed, ${e.missedDeadlines} missed deadline(s)`,
    ...e.models.map((m) => `  model      ${m}`),
  ].join("\n");
}
