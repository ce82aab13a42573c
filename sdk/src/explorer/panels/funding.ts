import type { Json } from "../../client/json.js";
import { roundStatusToJSON, type Project, type Round } from "../../generated/inferchain/funding/v1/types.js";
import type { MatchEstimate } from "../../generated/inferchain/funding/v1/types.js";
import { html } from "../html.js";
import type { ExplorerSource } from "../source.js";
import { always, definePanel } from "./panel.js";

/** Rounds are not indexed by subject on chain: the newest MAX_ROUNDS rounds are read and their projects filtered. */
export const MAX_ROUNDS = 50;

export interface FundingEntry {
  round: Round;
  project: Project;
  /** The live estimate while the round is open; the fixed match once it is finalizing or finalized. */
  estimate: MatchEstimate | undefined;
}

export interface FundingOfSubject {
  entries: FundingEntry[];
  roundsRead: number;
  /** False when older rounds were not read. */
  complete: boolean;
}

export const roundStatusName = (r: Round): string => roundStatusToJSON(r.status).replace(/^ROUND_STATUS_/, "").toLowerCase();

/** Every funding round (of the newest MAX_ROUNDS) in which `root` is a project, newest round first. */
export async function fundingOfSubject(source: Pick<ExplorerSource, "listAllFundingRounds" | "listAllFundingProjects" | "getMatchEstimates">, root: string, maxRounds = MAX_ROUNDS): Promise<FundingOfSubject> {
  const all = await source.listAllFundingRounds();
  const rounds = [...all].sort((a, b) => (a.id > b.id ? -1 : 1)).slice(0, maxRounds);
  const entries: FundingEntry[] = [];
  for (const round of rounds) {
    const projects = (await source.listAllFundingProjects(round.id)).filter((p) => p.subject === root);
    if (projects.length === 0) continue;
    const { estimates } = await source.getMatchEstimates(round.id);
    for (const project of projects) entries.push({ round, project, estimate: estimates.find((e) => e.projectId === project.id) });
  }
  return { entries, roundsRead: rounds.length, complete: rounds.length === all.length };
}

export const fundingPanel = definePanel<FundingOfSubject>({
  id: "funding",
  title: "Funding rounds",
  appliesTo: always,
  load: (s, source) => fundingOfSubject(source, s.root),
  toJson: (f): Json => ({
    roundsRead: f.roundsRead,
    complete: f.complete,
    entries: f.entries.map(({ round, project, estimate }) => ({
      round: round.id.toString(),
      title: round.title,
      status: roundStatusName(round),
      startHeight: round.startHeight.toString(),
      endHeight: round.endHeight.toString(),
      matchingPool: `${round.matchingPool?.amount ?? "0"}${round.matchingPool?.denom ?? ""}`,
      project: project.id.toString(),
      recipient: project.recipient,
      contributions: project.total,
      contributors: project.contributors,
      match: estimate?.match ?? "0",
    })),
  }),
  render: (f) => {
    const note = html`<p>${f.entries.length} entr${f.entries.length === 1 ? "y" : "ies"} in the ${f.roundsRead} newest round(s)${f.complete ? "" : " (older rounds not read)"}.</p>`;
    if (f.entries.length === 0) return html`${note}<p class="empty">not a project in any funding round</p>`;
    return html`${note}<table class="funding"><thead><tr><th>round</th><th>title</th><th>status</th><th>window</th><th>matching pool</th><th>project</th><th>recipient</th><th>contributions</th><th>contributors</th><th>match</th></tr></thead><tbody>${f.entries.map(
      ({ round, project, estimate }) =>
        html`<tr data-round="${round.id}" data-project="${project.id}"><td>${round.id}</td><td>${round.title}</td><td><span class="badge round-${roundStatusName(round)}">${roundStatusName(round)}</span></td><td>${round.startHeight}–${round.endHeight}</td><td>${round.matchingPool?.amount ?? "0"}${round.matchingPool?.denom ?? ""}</td><td>${project.id}</td><td><code>${project.recipient}</code></td><td>${project.total}</td><td>${project.contributors}</td><td>${estimate?.match ?? "0"}${roundStatusName(round) === "open" ? " (estimate)" : ""}</td></tr>`,
    )}</tbody></table>`;
  },
});
