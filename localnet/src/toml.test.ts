import { describe, expect, it } from "vitest";
import { setTomlKey } from "./toml.js";

const sample = `# top comment
moniker = "node"
proxy_app = "tcp://127.0.0.1:26658"

[rpc]
# the address
laddr = "tcp://127.0.0.1:26657"
cors_allowed_origins = []

[consensus]
timeout_commit = "5s"
`;

describe("setTomlKey", () => {
  it("replaces a key inside its section only", () => {
    const out = setTomlKey(sample, "rpc", "laddr", "tcp://127.0.0.1:36657");
    expect(out).toContain('laddr = "tcp://127.0.0.1:36657"');
    expect(out).toContain("# the address");
    expect(out).toContain('proxy_app = "tcp://127.0.0.1:26658"');
  });

  it("replaces top-level keys before the first section", () => {
    const out = setTomlKey(sample, "", "moniker", "val0");
    expect(out.split("\n")[1]).toBe('moniker = "val0"');
  });

  it("appends a missing key at the end of its section", () => {
    const out = setTomlKey(sample, "rpc", "max_open_connections", 10);
    const lines = out.split("\n");
    expect(lines.indexOf("max_open_connections = 10")).toBeLessThan(lines.indexOf("[consensus]"));
    expect(setTomlKey(sample, "consensus", "skip_timeout_commit", false)).toMatch(/timeout_commit = "5s"\nskip_timeout_commit = false/);
  });

  it("refuses an unknown section rather than writing a key in the wrong place", () => {
    expect(() => setTomlKey(sample, "p2p", "laddr", "x")).toThrow(/\[p2p\] not found/);
  });
});
