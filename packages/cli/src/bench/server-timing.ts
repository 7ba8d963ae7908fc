/**
 * Parses a `Server-Timing` header (W3C Server Timing): `activator;dur=1.2, decision;dur=0.3;desc="KPA"`.
 * Kedge's gateway and runner report the cold-start phases this way; metrics without `dur` are kept as 0
 * so a phase that happened but was not timed still shows up.
 */
export interface ServerTimingEntry {
  name: string;
  dur: number;
  desc?: string;
}

export function parseServerTiming(header: string | null | undefined): ServerTimingEntry[] {
  if (!header) return [];
  const out: ServerTimingEntry[] = [];
  for (const metric of splitOutsideQuotes(header, ',')) {
    const [rawName, ...params] = splitOutsideQuotes(metric, ';');
    const name = rawName?.trim();
    if (!name) continue;
    const entry: ServerTimingEntry = { name, dur: 0 };
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      let value = param.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      if (key === 'dur') {
        const n = Number(value);
        if (Number.isFinite(n)) entry.dur = n;
      } else if (key === 'desc') entry.desc = value;
    }
    out.push(entry);
  }
  return out;
}

/** Phase name → total duration (ms); repeated names (several hops reporting the same phase) add up. */
export function serverTimingPhases(header: string | null | undefined): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const e of parseServerTiming(header)) phases[e.name] = (phases[e.name] ?? 0) + e.dur;
  return phases;
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
