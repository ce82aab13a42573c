/** Helpers shared by the config parsers of each module (audits/config.ts, faults/config.ts): problems are collected, not thrown. */

export type ConfigObject = Record<string, unknown>;

/** The section as an object ({} when absent); anything else is a problem named `where`. */
export function section(v: unknown, where: string, problems: string[]): ConfigObject {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push(`${where}: must be an object`);
    return {};
  }
  return v as ConfigObject;
}

export function unknownKeys(o: ConfigObject, known: string[], where: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${where}.${k}: unknown setting (known: ${known.join(', ')})`);
}

/** An integer setting in [min, max]; the default when absent; a problem (and the default) otherwise. */
export function integer(o: ConfigObject, key: string, where: string, def: number, min: number, max: number, problems: string[]): number {
  const v = o[key] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    problems.push(`${where}: must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return def;
  }
  return v;
}
