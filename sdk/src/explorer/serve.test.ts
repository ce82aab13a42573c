import { afterEach, describe, expect, it } from "vitest";
import { InferchainError } from "../errors.js";
import { fakeExplorerSource } from "../testing/explorer-source.js";
import { serveExplorer, type RunningExplorer } from "./serve.js";

const running: RunningExplorer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

describe("serveExplorer", () => {
  it("listens on 127.0.0.1 by default and serves the pages over real HTTP", async () => {
    const r = await serveExplorer({ source: fakeExplorerSource(), port: 0 });
    running.push(r);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${r.url}/view?ref=tiny-chat-q8@1.0`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<svg class="lineage"');
  });

  it("a port in use is a typed error naming --port", async () => {
    const first = await serveExplorer({ source: fakeExplorerSource(), port: 0 });
    running.push(first);
    const port = Number(new URL(first.url).port);
    const err = await serveExplorer({ source: fakeExplorerSource(), port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferchainError);
    expect(err).toMatchObject({ code: "invalid_argument", field: "port" });
    expect((err as Error).message).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use`));
  });
});
