/**
 * Progress and peer notices of a pull on a terminal (or periodically on a pipe when forced): one bar with bytes,
 * speed and peer counts; each refused or skipped peer is logged above it by name as it happens.
 */
import cliProgress from "cli-progress";
import type { FetchEvent, FetchProgress, FetchSummary } from "./fetch.js";

export interface FetchReporter {
  onProgress: (p: FetchProgress) => void;
  onEvent: (e: FetchEvent) => void;
  stop(): void;
}

export function formatSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${x.toFixed(1)} ${units[i]}`;
}

/** `draw`: whether to draw a bar (TTY or forced); notices are always written to `stream`. */
export function fetchReporter(stream: NodeJS.WritableStream, isTTY: boolean, draw: boolean): FetchReporter {
  const multi = draw
    ? new cliProgress.MultiBar(
        { stream, format: "pulling [{bar}] {percentage}% | {done}/{size} | {speed} | peers {peers}", hideCursor: isTTY, noTTYOutput: !isTTY, notTTYSchedule: 1000, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let bar: cliProgress.SingleBar | undefined;
  const started = Date.now();
  let base = -1;
  const note = (line: string): void => {
    if (multi && bar) multi.log(`${line}\n`);
    else stream.write(`${line}\n`);
  };
  return {
    onProgress: (p) => {
      if (!multi) return;
      if (base < 0) base = p.bytesResumed;
      const payload = {
        done: formatSize(p.bytesDone),
        size: formatSize(p.bytesTotal),
        speed: `${formatSize(((p.bytesDone - base) / Math.max(1, Date.now() - started)) * 1000)}/s`,
        peers: `${p.peersActive} ok${p.peersRefused ? `, ${p.peersRefused} refused` : ""}`,
      };
      if (!bar) bar = multi.create(Math.max(1, p.bytesTotal), p.bytesDone, payload);
      else bar.update(p.bytesDone, payload);
    },
    onEvent: (e) => {
      if (e.type === "peer-refused") note(`${e.tampered ? "REFUSED (tampered data)" : "dropped"} peer ${e.peer}: ${e.reason}`);
      else if (e.type === "peer-skipped") note(`skipped peer ${e.peer}: ${e.reason}`);
    },
    stop: () => multi?.stop(),
  };
}

/** The human-readable end-of-pull summary (peers named, with what they served or why they were refused). */
export function renderFetchSummary(s: FetchSummary & { name?: string; version?: string }): string {
  const what = s.name ? `${s.name}@${s.version} (${s.contentRoot})` : s.contentRoot;
  const rate = s.seconds > 0 ? `${formatSize(s.bytesFetched / s.seconds)}/s` : "-";
  const lines = [
    `OK: ${what} in ${s.dir}: ${s.files} files, ${formatSize(s.bytesTotal)}; content root recomputed and equal to the chain's`,
    `  fetched ${formatSize(s.bytesFetched)} in ${s.seconds.toFixed(1)} s (${rate})${s.bytesResumed ? `, ${formatSize(s.bytesResumed)} already verified from an earlier run` : ""}`,
  ];
  for (const p of s.peers) lines.push(`  peer ${p.peer}: ${p.ranges} ranges, ${formatSize(p.bytes)}${p.refused ? `; ${p.tampered ? "REFUSED, served tampered data" : "refused"}: ${p.refused}` : ""}`);
  return lines.join("\n");
}
