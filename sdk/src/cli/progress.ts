import cliProgress from "cli-progress";
import type { DigestProgress } from "../digest/digest.js";
import type { CliIo } from "./context.js";

/**
 * A hashing progress bar on stderr: drawn when stderr is a TTY, or when forced with --progress (then
 * printed periodically, since a pipe cannot redraw). Returns the onProgress callback and a stop().
 */
export function hashProgress(io: CliIo, force: boolean): { onProgress?: (p: DigestProgress) => void; stop(): void } {
  if (!io.stderrIsTTY && !force) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: "hashing [{bar}] {percentage}% | {done}/{size} | {files} | {speed}",
      hideCursor: io.stderrIsTTY,
      noTTYOutput: !io.stderrIsTTY,
      notTTYSchedule: 1000,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let begun = false;
  return {
    onProgress: (p) => {
      const payload = {
        done: formatBytes(p.bytesDone),
        size: formatBytes(p.bytesTotal),
        files: `${p.filesDone}/${p.filesTotal} files`,
        speed: `${formatBytes((p.bytesDone / Math.max(1, Date.now() - started)) * 1000)}/s`,
      };
      if (!begun) {
        bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload);
        begun = true;
      } else bar.update(p.bytesDone, payload);
    },
    stop: () => {
      if (begun) bar.stop();
    },
  };
}

export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${x.toFixed(1)} ${units[i]}`;
}
