import { describe, expect, it } from "vitest";
import { chatPrompt, parseMessages } from "./chat-prompt.js";
import { applyStop, parseStop, StopFilter } from "./stop.js";

describe("stop sequences", () => {
  it("applyStop cuts at the earliest stop", () => {
    expect(applyStop("abc.def!", [".", "!"])).toEqual({ text: "abc", stopped: true });
    expect(applyStop("abc", ["x"])).toEqual({ text: "abc", stopped: false });
  });

  it("StopFilter holds back a possible prefix across pieces and never shows the stop", () => {
    const f = new StopFilter(["END"]);
    const shown = ["a", "bE", "N", "Dzz"].map((p) => f.push(p)).join("") + f.flush();
    expect(shown).toBe("ab");
    expect(f.stopped).toBe(true);
  });

  it("StopFilter flushes the held tail when no stop completes", () => {
    const f = new StopFilter(["END"]);
    expect(f.push("xEN")).toBe("x");
    expect(f.flush()).toBe("EN");
  });

  it("parseStop accepts a string or up to 4 non-empty strings", () => {
    expect(parseStop("x")).toEqual(["x"]);
    expect(parseStop(null)).toEqual([]);
    expect(() => parseStop([""])).toThrow(/stop\[0\]/);
  });
});

describe("chat messages -> job prompt", () => {
  it("one user message is the prompt as is; otherwise a role-labelled transcript", () => {
    expect(chatPrompt(parseMessages([{ role: "user", content: "hi" }]))).toBe("hi");
    expect(chatPrompt(parseMessages([{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }]))).toBe("User: a\n\nAssistant: b\n\nUser: c");
  });

  it("refuses non-text parts and unknown roles naming the field", () => {
    expect(() => parseMessages([{ role: "user", content: [{ type: "image_url", image_url: {} }] }])).toThrow(/messages\[0\]\.content\[0\]/);
    expect(() => parseMessages([{ role: "function", content: "x" }])).toThrow(/messages\[0\]\.role/);
  });
});
