import { attestationsPanel } from "./attestations.js";
import { filesPanel } from "./files.js";
import { fundingPanel } from "./funding.js";
import { jobsPanel } from "./jobs.js";
import { lineagePanel } from "./lineage.js";
import type { Panel } from "./panel.js";
import { summaryPanel } from "./summary.js";

export { definePanel, type ExplorerPanel, type Panel, type PanelOutput } from "./panel.js";

/** The page's sections, in order. Add a panel here (one module each). */
export const defaultPanels: readonly Panel[] = [summaryPanel, lineagePanel, filesPanel, attestationsPanel, jobsPanel, fundingPanel];
