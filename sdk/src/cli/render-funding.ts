import { projectKindName, roundStatusName } from "../client/funding.js";
import type { QueryMatchEstimatesResponse } from "../generated/inferchain/funding/v1/query.js";
import { RoundStatus, type Project, type Round } from "../generated/inferchain/funding/v1/types.js";

/** Human-readable text for the funding commands; --json bypasses all of this. */

const coin = (amount: string, denom: string): string => `${amount}${denom}`;

export function renderRoundLine(r: Round): string {
  const denom = r.matchingPool?.denom ?? "";
  return `#${r.id}  ${roundStatusName(r.status).padEnd(10)}  blocks ${r.startHeight}..${r.endHeight}  pool ${coin(r.matchingPool?.amount ?? "0", denom)}  ${r.projectCount} project(s)  ${r.title}`;
}

export function renderRound(r: Round, projects: readonly Project[], estimates?: QueryMatchEstimatesResponse): string {
  const denom = r.matchingPool?.denom ?? "";
  const lines = [
    `round        #${r.id} ${r.title}`,
    `status       ${roundStatusName(r.status)}`,
    `window       blocks ${r.startHeight}..${r.endHeight} (contributions accepted in both)`,
    `creator      ${r.creator}`,
    `matching     ${coin(r.matchingPool?.amount ?? "0", denom)}`,
    `contributed  ${coin(r.totalContributions, denom)} to ${r.projectCount} project(s)`,
  ];
  if (r.status !== RoundStatus.ROUND_STATUS_OPEN) lines.push(`matched      ${coin(r.matched, denom)}`, `remainder    ${coin(r.remainder, denom)} (community pool)`);
  if (r.finalizedHeight > 0n) lines.push(`finalized at height ${r.finalizedHeight}`);
  if (projects.length) {
    lines.push("projects:");
    const est = new Map((estimates?.estimates ?? []).map((e) => [e.projectId, e.match]));
    for (const p of projects) lines.push(`  ${renderProjectLine(p, denom, est.get(p.id))}`);
  }
  return lines.join("\n");
}

export function renderProjectLine(p: Project, denom: string, estimate?: string): string {
  const what = p.subject ? `${projectKindName(p.kind)} ${p.subject.slice(0, 12)}…` : `proposal "${p.title}" ${p.uri}`;
  const match = p.paid ? `paid match ${coin(p.match, denom)}` : estimate !== undefined ? `est. match ${coin(estimate, denom)}` : "";
  return `#${p.id}  ${what}  ${coin(p.total, denom)} from ${p.contributors} contributor(s)  ${match}  → ${p.recipient}`.replace(/ {3,}→/, "  →");
}
