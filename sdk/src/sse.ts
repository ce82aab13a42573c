/**
 * Server-sent events (text/event-stream): the encoder both the sidecar's token stream and the gateway use, and
 * an incremental parser for the consuming side. One event = optional `event:` line, `data:` line(s), blank line.
 */

/** `data: <json>\n\n` (an `event:` line first when named). JSON never contains a raw newline, so one data line. */
export function sseEvent(data: unknown, event?: string): string {
  const body = typeof data === "string" ? data : JSON.stringify(data);
  const lines = body.split(/\r?\n/).map((l) => `data: ${l}`).join("\n");
  return `${event ? `event: ${event}\n` : ""}${lines}\n\n`;
}

/** A `: comment` line: keeps idle connections open through proxies. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, " ")}\n\n`;
}

export interface SseMessage {
  event: string;
  data: string;
}

/** Feeds chunks of an event stream, returns the complete events so far (partial ones wait for more). */
export class SseParser {
  private buf = "";

  push(chunk: string): SseMessage[] {
    this.buf += chunk.replace(/\r\n/g, "\n");
    const out: SseMessage[] = [];
    let end: number;
    while ((end = this.buf.indexOf("\n\n")) >= 0) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) out.push({ event, data: data.join("\n") });
    }
    return out;
  }
}
