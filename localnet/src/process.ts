import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";

/** Starts a long-running daemon detached from this process, logging to logFile, and records its pid. */
export function startDaemon(command: string, args: string[], opts: { logFile: string; pidFile: string; env?: NodeJS.ProcessEnv }): number {
  const log = openSync(opts.logFile, "a");
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", log, log],
      env: opts.env ?? process.env,
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(opts.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs; removes the pid file. Returns whether a process was running. */
export async function stopDaemon(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined) return false;
  let wasRunning = false;
  if (isAlive(pid)) {
    wasRunning = true;
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      process.kill(pid, "SIGKILL");
      while (isAlive(pid)) await sleep(50);
    }
  }
  rmSync(pidFile, { force: true });
  return wasRunning;
}
