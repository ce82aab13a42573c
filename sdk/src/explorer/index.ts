export { buildExplorer, type ExplorerOptions } from "./server.js";
export { serveExplorer, DEFAULT_EXPLORER_HOST, DEFAULT_EXPLORER_PORT, type RunningExplorer } from "./serve.js";
export { loadSubject, type ExplorerSource, type Subject, type ModelSubject, type DatasetSubject } from "./source.js";
export { defaultPanels, definePanel, type ExplorerPanel, type Panel, type PanelOutput } from "./panels/index.js";
export { layoutLineage, renderLineageSvg, type GraphNode, type GraphEdge, type GraphLayout } from "./lineage-graph.js";
export { html, raw, escapeHtml, SafeHtml } from "./html.js";
