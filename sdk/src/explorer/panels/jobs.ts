import type { Json } from "../../client/json.js";
import { jobToJson } from "../../client/json.js";
import type { Job } from "../../generated/inferchain/inference/v1/types.js";
import { html } from "../html.js";
import type { ExplorerSource } from "../source.js";
import { auditOutcomeName, coin, jobStatusName } from "./format.js";
import { definePanel, modelsOnly } from "./panel.js";

export const RECENT_JOBS = 20;
/** Jobs are not indexed by model on chain: the newest MAX_SCANNED jobs are read and filtered here. */
export const MAX_SCANNED = 500;
const PAGE = 100;

export interface RecentJobs {
  jobs: Job[];
  scanned: number;
  /** False when older jobs were not read (the list may miss some of this model's). */
  complete: boolean;
}

/** The newest jobs for a model, newest first. */
export async function recentJobsOfModel(source: Pick<ExplorerSource, "listJobs">, model: string, want = RECENT_JOBS, maxScanned = MAX_SCANNED): Promise<RecentJobs> {
  const jobs: Job[] = [];
  let scanned = 0;
  let key: Uint8Array | undefined;
  do {
    const page = await source.listJobs({}, { reverse: true, limit: Math.min(PAGE, maxScanned - scanned), ...(key ? { key } : {}) });
    scanned += page.items.length;
    for (const j of page.items) if (j.model === model && jobs.length < want) jobs.push(j);
    key = page.nextKey;
  } while (key && jobs.length < want && scanned < maxScanned);
  return { jobs, scanned, complete: key === undefined };
}

export const jobsPanel = definePanel<RecentJobs>({
  id: "jobs",
  title: "Recent jobs",
  appliesTo: modelsOnly,
  load: (s, source) => recentJobsOfModel(source, s.root),
  toJson: (r): Json => ({ scanned: r.scanned, complete: r.complete, jobs: r.jobs.map(jobToJson) }),
  render: (r) => {
    const note = html`<p>${r.jobs.length} job(s) for this model among the ${r.scanned} newest on chain${r.complete ? "" : " (older ones not read)"}.</p>`;
    if (r.jobs.length === 0) return html`${note}<p class="empty">no jobs</p>`;
    return html`${note}<table class="jobs"><thead><tr><th>job</th><th>status</th><th>executor</th><th>created</th><th>tokens</th><th>audit</th><th>committee</th><th>slashed</th><th>reason / note</th></tr></thead><tbody>${r.jobs.map((j) => {
      const outcome = j.audit ? auditOutcomeName(j.audit.outcome) : "";
      const slashed = coin(j.audit?.slashed);
      return html`<tr data-job="${j.id}"><td>${j.id}</td><td>${jobStatusName(j.status)}</td><td><code>${j.executor}</code></td><td>${j.createdHeight}</td><td>${j.result ? j.result.outputTokenIds.length : ""}</td><td>${outcome === "" ? "" : html`<span class="badge audit-${outcome}">${outcome}</span>`}</td><td>${j.audit && j.audit.committee.length > 0 ? `${j.audit.votes.length}/${j.audit.committee.length} voted (quorum ${j.audit.quorum})` : ""}</td><td class="${slashed === "" ? "" : "slashed"}">${slashed}</td><td>${[j.statusReason, j.audit?.note ?? ""].filter((x) => x !== "").join("; ")}</td></tr>`;
    })}</tbody></table>`;
  },
});
