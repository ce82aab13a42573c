import { describe, expect, it } from "vitest";
import { sseComment, sseEvent, SseParser } from "./sse.js";

describe("SSE encoder and parser", () => {
  it("encodes data lines (named events too) and parses them back across arbitrary chunk boundaries", () => {
    const wire = sseEvent({ a: 1 }) + sseComment("keepalive") + sseEvent("line1\nline2", "token") + sseEvent("[DONE]");
    expect(sseEvent({ a: 1 })).toBe('data: {"a":1}\n\n');
    const p = new SseParser();
    const out = [...wire].flatMap((ch) => p.push(ch));
    expect(out).toEqual([
      { event: "message", data: '{"a":1}' },
      { event: "token", data: "line1\nline2" },
      { event: "message", data: "[DONE]" },
    ]);
  });

  it("handles CRLF line ends", () => {
    expect(new SseParser().push("event: end\r\ndata: 1\r\n\r\n")).toEqual([{ event: "end", data: "1" }]);
  });
});
