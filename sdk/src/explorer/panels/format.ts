import { auditOutcomeToJSON, jobStatusToJSON, type AuditOutcome, type JobStatus } from "../../generated/inferchain/inference/v1/types.js";
import type { Coin } from "../../generated/cosmos/base/v1beta1/coin.js";
import type { ArtifactFile } from "../../generated/inferchain/registry/v1/types.js";
import { html, type SafeHtml } from "../html.js";

export const short = (root: string): string => (root.length > 16 ? `${root.slice(0, 12)}…${root.slice(-4)}` : root);
/** A full digest, selectable, abbreviated on screen by CSS only. */
export const digest = (root: string): SafeHtml => html`<code class="digest" title="${root}">${root}</code>`;
export const coin = (c: Coin | undefined): string => (c && c.amount !== "" && c.amount !== "0" ? `${c.amount}${c.denom}` : "");
const enumName = (full: string, prefix: string): string => (full.startsWith(prefix) ? full.slice(prefix.length).toLowerCase() : full.toLowerCase());
export const jobStatusName = (s: JobStatus): string => enumName(jobStatusToJSON(s), "JOB_STATUS_");
export const auditOutcomeName = (o: AuditOutcome): string => enumName(auditOutcomeToJSON(o), "AUDIT_OUTCOME_");

export function filesTable(files: readonly ArtifactFile[]): SafeHtml {
  if (files.length === 0) return html`<p class="empty">no files</p>`;
  return html`<table class="files"><thead><tr><th>path</th><th class="num">bytes</th><th>file root (Merkle, 4 KiB leaves)</th></tr></thead><tbody>${files.map(
    (f) => html`<tr><td>${f.path}</td><td class="num">${f.size}</td><td>${digest(f.root)}</td></tr>`,
  )}</tbody></table>`;
}
