import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestArtifact } from "../digest/digest.js";
import { leafHash } from "../digest/merkle.js";
import { leafAuditPath } from "../digest/proof.js";
import { FRAME_HEADER_BYTES, FrameError, MAX_RANGE_LEAVES, decodeLeafFrame, encodeLeafFrame, parseLeafRange, verifyLeafFrame, type FrameExpectation } from "./framing.js";
import { ArtifactHoldings, HeldBytesError } from "./server.js";

let dir: string;
let holdings: ArtifactHoldings;
let expect0: Omit<FrameExpectation, "first" | "count">;
const size = 40 * 4096 + 17;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "framing-"));
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13) & 0xff;
  await writeFile(join(dir, "w.bin"), data);
  await writeFile(join(dir, "a.json"), "{}");
  const d = await digestArtifact(dir);
  holdings = new ArtifactHoldings({ list: () => [{ contentRoot: d.contentRoot, kind: "model", files: d.files.map((f) => ({ ...f, file: join(dir, f.path) })) }] });
  expect0 = { file: d.files.find((f) => f.path === "w.bin")!, fileIndex: 1, fileCount: 2, contentRoot: d.contentRoot };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("leaf ranges", () => {
  it("parses inclusive i..j and refuses empty, reversed, past-the-end and over-bound ranges", () => {
    expect(parseLeafRange("0..0", 1)).toEqual({ first: 0, count: 1 });
    expect(parseLeafRange("3..10", 41)).toEqual({ first: 3, count: 8 });
    expect(() => parseLeafRange("5..4", 41)).toThrow(/empty/);
    expect(() => parseLeafRange("0..41", 41)).toThrow(/past the file's last leaf 40/);
    expect(() => parseLeafRange("1-2", 41)).toThrow(/must be i..j/);
    expect(() => parseLeafRange(`0..${MAX_RANGE_LEAVES}`, 1 << 20)).toThrow(/at most 1024 per request/);
  });
});

describe("frames", () => {
  it("round-trip and verify against the file root and the content root", async () => {
    const root = expect0.contentRoot;
    const buf = await holdings.frame(root, "w.bin", 38, 3);
    const f = decodeLeafFrame(buf);
    expect(f).toMatchObject({ fileIndex: 1, fileCount: 2, leafCount: 41, first: 38, count: 3 });
    expect(f.data.length).toBe(2 * 4096 + 17);
    expect(encodeLeafFrame(f)).toEqual(buf);
    verifyLeafFrame(f, { ...expect0, first: 38, count: 3 });
  });

  it("a one-leaf frame carries the leaf's RFC 9162 audit path (what a possession challenge answers)", async () => {
    const f = decodeLeafFrame(await holdings.frame(expect0.contentRoot, "w.bin", 7, 1));
    const wide = decodeLeafFrame(await holdings.frame(expect0.contentRoot, "w.bin", 0, 41));
    const leaves = Array.from({ length: 41 }, (_, i) => leafHash(wide.data.subarray(i * 4096, (i + 1) * 4096)));
    expect(f.rangeProof).toEqual(leafAuditPath(leaves, 0, 41, wide.rangeProof, 7));
  });

  it("refuses a flipped data byte, a flipped proof byte, the wrong range, a short body and a wrong file index", async () => {
    const e = { ...expect0, first: 4, count: 4 };
    const good = await holdings.frame(expect0.contentRoot, "w.bin", 4, 4);
    const flip = (at: number): Buffer => {
      const b = Buffer.from(good);
      b[at]! ^= 0x80;
      return b;
    };
    expect(() => verifyLeafFrame(decodeLeafFrame(flip(good.length - 100)), e)).toThrow(/do not prove out to the file root/);
    expect(() => verifyLeafFrame(decodeLeafFrame(flip(FRAME_HEADER_BYTES + 1)), e)).toThrow(/content root/);
    expect(() => verifyLeafFrame(decodeLeafFrame(good), { ...e, first: 5 })).toThrow(FrameError);
    expect(() => verifyLeafFrame(decodeLeafFrame(good.subarray(0, good.length - 1)), e)).toThrow(/carries .* bytes/);
    expect(() => verifyLeafFrame(decodeLeafFrame(good), { ...e, fileIndex: 0 })).toThrow(/places the file/);
    expect(() => decodeLeafFrame(Buffer.from("nope"))).toThrow(/bad magic/);
  });
});

describe("ArtifactHoldings", () => {
  it("serves only held roots and files, bounds the range, and refuses bytes changed on disk", async () => {
    expect(holdings.manifest("00".repeat(32))).toBeUndefined();
    const m = holdings.manifest(expect0.contentRoot)!;
    expect(m.files.map((f) => [f.index, f.path, f.leafCount])).toEqual([
      [0, "a.json", 1],
      [1, "w.bin", 41],
    ]);
    await expect(holdings.frame("00".repeat(32), "w.bin", 0, 1)).rejects.toThrow(/not held/);
    await expect(holdings.frame(expect0.contentRoot, "x.bin", 0, 1)).rejects.toThrow(/no file/);
    await expect(holdings.frame(expect0.contentRoot, "w.bin", 40, 2)).rejects.toThrow(/outside/);
    const small = new ArtifactHoldings({ list: () => [{ contentRoot: expect0.contentRoot, kind: "model", files: [{ ...expect0.file, file: join(dir, "w.bin") }, { path: "a.json", size: 2n, root: m.files[0]!.root, file: join(dir, "a.json") }] }], maxRangeLeaves: 4 });
    await expect(small.frame(expect0.contentRoot, "w.bin", 0, 5)).rejects.toThrow(/at most 4 per request/);
    const data = Buffer.alloc(size, 1);
    await writeFile(join(dir, "w.bin"), data);
    await expect(holdings.frame(expect0.contentRoot, "w.bin", 0, 1)).rejects.toThrow(HeldBytesError);
  });
});
