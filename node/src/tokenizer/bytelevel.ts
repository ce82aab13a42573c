/**
 * GPT-2 byte-level alphabet: every byte maps to one printable unicode char, so BPE vocabularies
 * (GGUF `gpt2` tokenizers, HF ByteLevel) can be stored as plain strings.
 */
let table: string[] | undefined;

export function byteToUnicode(): readonly string[] {
  if (table) return table;
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const t = new Array<string>(256);
  bs.forEach((b, i) => (t[b] = String.fromCodePoint(cs[i]!)));
  table = t;
  return t;
}

export function bytesToSymbols(bytes: Uint8Array): string {
  const t = byteToUnicode();
  let s = '';
  for (const b of bytes) s += t[b];
  return s;
}
