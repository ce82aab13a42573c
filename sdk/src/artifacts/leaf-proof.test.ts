// ArtifactHoldings.leafProof: the answer to a proof-of-possession challenge (x/inference MsgProvePossession).
import { randomBytes } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestArtifact } from "../digest/digest.js";
import { fromHexDigest } from "../digest/hex.js";
import { leafHash } from "../digest/merkle.js";
import { verifyInclusion } from "../digest/proof.js";
import { ArtifactHoldings, HeldBytesError, type HeldArtifact } from "./server.js";

let dir: string;
let held: HeldArtifact;
let holdings: ArtifactHoldings;
const SIZE = 5 * 4096 + 123; // 6 leaves, the last one short

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "leaf-proof-"));
  writeFileSync(join(dir, "model.onnx"), randomBytes(SIZE));
  writeFileSync(join(dir, "config.json"), "{}");
  const d = await digestArtifact(dir);
  held = { contentRoot: d.contentRoot, kind: "model", files: d.files.map((f) => ({ ...f, file: join(dir, f.path) })) };
  holdings = new ArtifactHoldings({ list: () => [held] });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("ArtifactHoldings.leafProof", () => {
  it("returns each leaf with an audit path that verifies against the registered file root", async () => {
    const f = held.files.find((x) => x.path === "model.onnx")!;
    for (const i of [0, 3, 5]) {
      const { data, auditPath } = await holdings.leafProof(held.contentRoot, "model.onnx", i);
      expect(data.length).toBe(i === 5 ? 123 : 4096);
      expect(verifyInclusion(leafHash(data), i, 6, auditPath, fromHexDigest(f.root, "root"))).toBe(true);
      expect(verifyInclusion(leafHash(data), i === 0 ? 1 : 0, 6, auditPath, fromHexDigest(f.root, "root"))).toBe(false);
    }
  });

  it("refuses a leaf outside the file, an unknown file and an artifact it does not hold", async () => {
    await expect(holdings.leafProof(held.contentRoot, "model.onnx", 6)).rejects.toThrow(/outside model\.onnx \(6 leaves\)/);
    await expect(holdings.leafProof(held.contentRoot, "nope.bin", 0)).rejects.toThrow(/no file "nope\.bin"/);
    await expect(holdings.leafProof("00".repeat(32), "model.onnx", 0)).rejects.toThrow(/not held here/);
  });

  it("cannot answer once the weights are gone or changed on disk", async () => {
    await holdings.leafProof(held.contentRoot, "model.onnx", 1); // tree cached
    renameSync(join(dir, "model.onnx"), join(dir, "aside"));
    await expect(holdings.leafProof(held.contentRoot, "model.onnx", 1)).rejects.toBeInstanceOf(HeldBytesError);
    // same size, one byte changed: the tree is rebuilt from the new bytes and no longer matches the registry
    const b = randomBytes(SIZE);
    writeFileSync(join(dir, "model.onnx"), b);
    await expect(holdings.leafProof(held.contentRoot, "model.onnx", 1)).rejects.toBeInstanceOf(HeldBytesError);
  });
});
