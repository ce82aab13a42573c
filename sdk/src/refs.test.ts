import { describe, expect, it } from "vitest";
import { InferchainError } from "./errors.js";
import { DatasetRole, ModelStatus, ParentRelation } from "./generated/inferchain/registry/v1/types.js";
import { datasetRoleName, formatRef, parentRelationName, parseDatasetSpec, parseModelStatus, parseParentSpec, parseRef } from "./refs.js";

const ROOT = "ab".repeat(32);

describe("parseRef", () => {
  it("takes a lowercase 64-hex content root", () => {
    expect(parseRef(ROOT)).toEqual({ contentRoot: ROOT });
  });

  it("splits name@version at the last '@'", () => {
    expect(parseRef("llama@1.0")).toEqual({ name: "llama", version: "1.0" });
    expect(parseRef("@org/model@2.1-rc@3")).toEqual({ name: "@org/model@2.1-rc", version: "3" });
    expect(formatRef(parseRef("@org/m@1"))).toBe("@org/m@1");
  });

  it("refuses malformed refs, naming the field", () => {
    for (const bad of ["", "nover", "name@", "@1", ROOT.toUpperCase(), ROOT.slice(1)]) {
      const err = (() => {
        try {
          parseRef(bad, "parents[0].model");
        } catch (e) {
          return e;
        }
      })();
      expect(err, bad).toBeInstanceOf(InferchainError);
      expect((err as InferchainError).field).toBe("parents[0].model");
      expect((err as InferchainError).code).toBe("invalid_argument");
    }
  });
});

describe("parent and dataset specs", () => {
  it("parses <ref>:<relation> at the last ':'", () => {
    expect(parseParentSpec(`${ROOT}:finetune`)).toEqual({ ref: { contentRoot: ROOT }, relation: ParentRelation.PARENT_RELATION_FINETUNE });
    expect(parseParentSpec("hf:llama@3:QUANTIZED")).toEqual({ ref: { name: "hf:llama", version: "3" }, relation: ParentRelation.PARENT_RELATION_QUANTIZED });
    expect(parseParentSpec("m@1:PARENT_RELATION_ADAPTER").relation).toBe(ParentRelation.PARENT_RELATION_ADAPTER);
  });

  it("parses <ref>:<role>", () => {
    expect(parseDatasetSpec("wiki@2024:pretrain")).toEqual({ ref: { name: "wiki", version: "2024" }, role: DatasetRole.DATASET_ROLE_PRETRAIN });
    expect(parseDatasetSpec("prefs@1:rlhf").role).toBe(DatasetRole.DATASET_ROLE_RLHF);
  });

  it("refuses unknown or missing kinds and lists the allowed ones", () => {
    expect(() => parseParentSpec("m@1:cousin")).toThrow(/finetune, quantized, distilled, merge, adapter/);
    expect(() => parseParentSpec("m@1:unspecified")).toThrow(InferchainError);
    expect(() => parseParentSpec("m@1")).toThrow(/<ref>:<relation>/);
    expect(() => parseDatasetSpec("d@1:")).toThrow(/<ref>:<role>/);
  });

  it("names enum values the way the CLI takes them", () => {
    expect(parentRelationName(ParentRelation.PARENT_RELATION_DISTILLED)).toBe("distilled");
    expect(datasetRoleName(DatasetRole.DATASET_ROLE_EVAL)).toBe("eval");
    expect(parseModelStatus("deprecated")).toBe(ModelStatus.MODEL_STATUS_DEPRECATED);
  });
});
