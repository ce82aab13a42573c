/**
 * Minimal in-place TOML editing for CometBFT's config.toml and the SDK's app.toml: sets `key = value` inside a
 * [section] (or the top level when section is ""), keeping comments and layout, so a human can still diff the files.
 */
export type TomlValue = string | number | boolean;

function render(value: TomlValue): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function setTomlKey(text: string, section: string, key: string, value: TomlValue): string {
  const lines = text.split("\n");
  let current = "";
  let sectionEnd = section === "" ? firstSectionIndex(lines) : -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      if (current === section && section !== "") sectionEnd = i;
      current = header[1]?.trim() ?? "";
      continue;
    }
    if (current !== section) continue;
    const kv = /^(\s*)([A-Za-z0-9_.-]+)\s*=/.exec(line);
    if (kv && kv[2] === key) {
      lines[i] = `${kv[1] ?? ""}${key} = ${render(value)}`;
      return lines.join("\n");
    }
  }
  if (current === section && sectionEnd === -1) sectionEnd = lines.length;
  if (sectionEnd === -1) {
    throw new Error(`TOML section [${section}] not found while setting ${key}`);
  }
  // Insert after the section's last non-blank line, keeping the blank separator before the next header.
  let at = sectionEnd;
  while (at > 0 && (lines[at - 1] ?? "").trim() === "") at--;
  lines.splice(at, 0, `${key} = ${render(value)}`);
  return lines.join("\n");
}

function firstSectionIndex(lines: string[]): number {
  const i = lines.findIndex((l) => /^\s*\[[^\]]+\]\s*$/.test(l));
  return i === -1 ? lines.length : i;
}

export function setTomlKeys(text: string, edits: ReadonlyArray<[section: string, key: string, value: TomlValue]>): string {
  return edits.reduce((acc, [section, key, value]) => setTomlKey(acc, section, key, value), text);
}
