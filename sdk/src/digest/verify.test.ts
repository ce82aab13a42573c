import { describe, expect, it } from "vitest";
import { contentRootFromFiles } from "./content-root.js";
import { compareArtifact } from "./verify.js";

const f = (path: string, size: number, c: string) => ({ path, size: BigInt(size), root: c.repeat(64) });

describe("compareArtifact", () => {
  const chain = [f("a.bin", 10, "a"), f("b.bin", 20, "b")];
  const expected = { contentRoot: contentRootFromFiles(chain), files: chain };

  it("accepts identical files", () => {
    const local = { contentRoot: expected.contentRoot, files: chain, totalBytes: 30n };
    expect(compareArtifact(local, expected)).toMatchObject({ ok: true, mismatches: [] });
  });

  it("names missing, extra, resized and changed files", () => {
    const files = [f("a.bin", 10, "c"), f("c.bin", 1, "d")];
    const local = { contentRoot: contentRootFromFiles(files), files, totalBytes: 11n };
    const v = compareArtifact(local, expected);
    expect(v.ok).toBe(false);
    expect(v.mismatches.map((m) => [m.path, m.problem])).toEqual([
      ["a.bin", "root"],
      ["b.bin", "missing"],
      ["c.bin", "extra"],
    ]);
    const resized = [f("a.bin", 11, "a"), f("b.bin", 20, "b")];
    expect(compareArtifact({ contentRoot: contentRootFromFiles(resized), files: resized, totalBytes: 31n }, expected).mismatches[0]!.problem).toBe("size");
  });
});
