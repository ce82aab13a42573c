import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { buildModelBom, parseBomFormat } from "../bom/index.js";
import type { Json } from "../client/json.js";
import { stringifyJson } from "../client/json.js";
import type { Page, PageOptions } from "../client/pagination.js";
import { isDigest } from "../digest/hex.js";
import { InferchainError, invalidArgument, type ErrorCode } from "../errors.js";
import { html, viewHref } from "./html.js";
import { errorPage, page, searchPage, type SearchHit } from "./page.js";
import { defaultPanels, type Panel } from "./panels/index.js";
import { loadSubject, type ExplorerSource, type Subject } from "./source.js";

export interface ExplorerOptions {
  source: ExplorerSource;
  panels?: readonly Panel[];
  /** fastify logger (default off: the CLI prints its own lines). */
  logger?: boolean;
}

/** Records read per registry list when searching by name: bounded, so a search is cheap on any chain. */
export const SEARCH_SCAN = 1000;
const MAX_HITS = 50;

// No script runs on these pages: the CSP makes an injected <script> inert even if escaping ever failed.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STATUS: Partial<Record<ErrorCode, number>> = { invalid_argument: 400, not_found: 404, connection: 502, timeout: 504 };
const statusOf = (err: unknown): number => (err instanceof InferchainError ? (STATUS[err.code] ?? 500) : 500);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** One query-string parameter as a single non-empty string. */
function param(query: unknown, name: string, required: true): string;
function param(query: unknown, name: string, required: false): string | undefined;
function param(query: unknown, name: string, required: boolean): string | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[name];
  if (v === undefined || v === "") {
    if (required) throw invalidArgument(name, `the ${name} query parameter is required`);
    return undefined;
  }
  if (typeof v !== "string") throw invalidArgument(name, `give ${name} once`);
  return v.trim();
}

/**
 * The auditor's explorer: server-rendered pages (/, /view?ref=) and the same data as JSON (/api/subject,
 * /api/search), plus BOM downloads (/api/bom). Read-only over an ExplorerSource.
 */
export function buildExplorer(options: ExplorerOptions): FastifyInstance {
  const { source } = options;
  const panels = options.panels ?? defaultPanels;
  const app = Fastify({ logger: options.logger ?? false });

  app.addHook("onSend", async (_req, reply) => {
    reply.header("content-security-policy", CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });

  const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type("text/html; charset=utf-8").send(body);
  const sendJson = (reply: FastifyReply, body: Json, status = 200) => reply.code(status).type("application/json; charset=utf-8").send(stringifyJson(body));

  async function runPanels(subject: Subject) {
    const applicable = panels.filter((p) => p.appliesTo(subject));
    const outputs = await Promise.all(applicable.map((p) => p.run(subject, source)));
    return applicable.map((p, i) => ({ panel: p, output: outputs[i]! }));
  }

  async function search(q: string): Promise<{ hits: SearchHit[]; scannedAll: boolean }> {
    const needle = q.toLowerCase();
    const scan = async <T extends { contentRoot: string; name: string; version: string }>(kind: SearchHit["kind"], list: (p: PageOptions) => Promise<Page<T>>) => {
      const hits: SearchHit[] = [];
      let key: Uint8Array | undefined;
      let read = 0;
      do {
        const p = await list({ limit: 200, ...(key ? { key } : {}) });
        read += p.items.length;
        for (const a of p.items) if (`${a.name}@${a.version}`.toLowerCase().includes(needle)) hits.push({ kind, root: a.contentRoot, name: a.name, version: a.version });
        key = p.nextKey;
      } while (key && read < SEARCH_SCAN);
      return { hits, complete: key === undefined };
    };
    const [models, datasets] = await Promise.all([scan("model", (p) => source.listModels(p)), scan("dataset", (p) => source.listDatasets(p))]);
    return { hits: [...models.hits, ...datasets.hits].slice(0, MAX_HITS), scannedAll: models.complete && datasets.complete };
  }

  /** A query that is an exact reference to an existing record, else undefined. */
  async function exact(q: string): Promise<Subject | undefined> {
    if (!isDigest(q) && q.lastIndexOf("@") <= 0) return undefined;
    try {
      return await loadSubject(source, q);
    } catch (err) {
      if (err instanceof InferchainError && (err.code === "not_found" || err.code === "invalid_argument")) return undefined;
      throw err;
    }
  }

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/", async (req, reply) => {
    let q: string | undefined;
    try {
      q = param(req.query, "q", false);
      if (q === undefined) return sendHtml(reply, searchPage("", undefined, true));
      const hit = await exact(q);
      if (hit) return reply.redirect(viewHref(hit.root), 303);
      const { hits, scannedAll } = await search(q);
      return sendHtml(reply, searchPage(q, hits, scannedAll));
    } catch (err) {
      return sendHtml(reply, errorPage(statusOf(err), messageOf(err), q), statusOf(err));
    }
  });

  app.get("/view", async (req, reply) => {
    let ref: string | undefined;
    try {
      ref = param(req.query, "ref", true);
      const subject = await loadSubject(source, ref);
      const sections = await runPanels(subject);
      const a = subject.kind === "model" ? subject.model : subject.dataset;
      const title = `${a.name}@${a.version}`;
      const body = html`<h1><span class="kind">${subject.kind}</span>${title}</h1><p class="empty">chain ${subject.chainId} at height ${subject.height}</p>${sections.map(
        ({ panel, output }) => html`<section id="${panel.id}"><h2>${panel.title}</h2>${output.html}</section>`,
      )}`;
      return sendHtml(reply, page(title, body, ref));
    } catch (err) {
      return sendHtml(reply, errorPage(statusOf(err), messageOf(err), ref), statusOf(err));
    }
  });

  app.get("/api/subject", async (req, reply) => {
    try {
      const subject = await loadSubject(source, param(req.query, "ref", true));
      const sections = await runPanels(subject);
      return sendJson(reply, {
        kind: subject.kind,
        contentRoot: subject.root,
        chainId: subject.chainId,
        height: subject.height.toString(),
        panels: Object.fromEntries(sections.map(({ panel, output }) => [panel.id, output.json])),
      });
    } catch (err) {
      return sendJson(reply, { error: messageOf(err), code: err instanceof InferchainError ? err.code : "unknown" }, statusOf(err));
    }
  });

  app.get("/api/search", async (req, reply) => {
    try {
      const q = param(req.query, "q", true);
      const { hits, scannedAll } = await search(q);
      return sendJson(reply, { query: q, complete: scannedAll, hits: hits.map((h) => ({ ...h })) });
    } catch (err) {
      return sendJson(reply, { error: messageOf(err), code: err instanceof InferchainError ? err.code : "unknown" }, statusOf(err));
    }
  });

  app.get("/api/bom", async (req, reply) => {
    try {
      const format = parseBomFormat(param(req.query, "format", false) ?? "cyclonedx");
      const subject = await loadSubject(source, param(req.query, "ref", true));
      if (subject.kind !== "model") throw invalidArgument("ref", `${subject.dataset.name}@${subject.dataset.version} is a dataset: ML-BOMs are exported for models`);
      const bom = buildModelBom(subject.provenance, { format, height: subject.height, chainId: subject.chainId });
      const file = `${subject.model.name}-${subject.model.version}`.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "") + bom.extension;
      return reply
        .code(200)
        .type(bom.mediaType)
        .header("content-disposition", `attachment; filename="${file}"`)
        .send(JSON.stringify(bom.document, null, 2));
    } catch (err) {
      return sendJson(reply, { error: messageOf(err), code: err instanceof InferchainError ? err.code : "unknown" }, statusOf(err));
    }
  });

  return app;
}
