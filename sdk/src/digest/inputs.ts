import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { InferchainError, invalidArgument } from "../errors.js";
import { comparePaths } from "./content-root.js";

/** A file to hash: `path` is its name inside the artifact, `file` where it is on disk. */
export interface ArtifactInput {
  path: string;
  file: string;
}

export interface ListedFile extends ArtifactInput {
  size: number;
}

/**
 * Expands inputs into the artifact's files. A directory contributes every regular file below it, named
 * relative to the directory ('/'-separated); a plain file is named by its base name; an ArtifactInput is taken
 * as is. Symlinks to files are followed; symlinked directories are not (no cycles). Sorted by UTF-8 path.
 */
export async function listArtifactFiles(inputs: readonly (string | ArtifactInput)[]): Promise<ListedFile[]> {
  if (inputs.length === 0) throw invalidArgument("paths", "no files or directories given");
  const out: ListedFile[] = [];
  for (const input of inputs) {
    if (typeof input !== "string") {
      validateArtifactPath(input.path);
      out.push({ ...input, size: (await statOrThrow(input.file)).size });
      continue;
    }
    const st = await statOrThrow(input);
    if (st.isDirectory()) await walk(input, "", out);
    else if (st.isFile()) out.push({ path: basename(input), file: input, size: st.size });
    else throw invalidArgument("paths", `${input}: not a regular file or directory`);
  }
  const sorted = out.sort((a, b) => comparePaths(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) {
      throw invalidArgument("paths", `two inputs map to the same artifact path "${sorted[i]!.path}"`);
    }
  }
  if (sorted.length === 0) throw invalidArgument("paths", "no files found");
  return sorted;
}

async function walk(dir: string, prefix: string, out: ListedFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(file, path, out);
    else if (entry.isFile()) out.push({ path, file, size: (await stat(file)).size });
    else if (entry.isSymbolicLink()) {
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile()) out.push({ path, file, size: st.size });
    }
  }
}

async function statOrThrow(file: string) {
  try {
    return await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InferchainError("not_found", `paths: ${file}: no such file or directory`, { field: "paths" });
    throw new InferchainError("io", `paths: ${file}: ${(err as Error).message}`, { field: "paths", cause: err });
  }
}

/** Artifact paths are relative, '/'-separated, without empty, '.' or '..' segments (as the chain requires). */
export function validateArtifactPath(path: string): void {
  if (path.length === 0) throw invalidArgument("files.path", "empty path");
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) throw invalidArgument("files.path", `"${path}" must be relative and '/'-separated`);
  for (const seg of path.split("/")) {
    if (seg === "" || seg === "." || seg === "..") throw invalidArgument("files.path", `"${path}" has an empty, '.' or '..' segment`);
  }
}
