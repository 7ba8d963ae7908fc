/** Structural equality of JSON values (key order does not matter; undefined = absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/**
 * A short `-old +new` listing of what changed, one line per leaf (Knative's kmp.ShortDiff
 * serves the same purpose: telling the user what they changed without a name change).
 */
export function shortDiff(oldV: unknown, newV: unknown, path = ''): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (deepEqual(a, b)) return;
    const objA = a !== null && typeof a === 'object';
    const objB = b !== null && typeof b === 'object';
    if (objA && objB && Array.isArray(a) === Array.isArray(b)) {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const keys = Array.isArray(a)
        ? Array.from({ length: Math.max((a as unknown[]).length, (b as unknown[]).length) }, (_, i) => String(i))
        : [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
      for (const k of keys) walk(ao[k], bo[k], Array.isArray(a) ? `${p}[${k}]` : p ? `${p}.${k}` : k);
      return;
    }
    lines.push(`${p || '.'}: -${JSON.stringify(a) ?? '<unset>'} +${JSON.stringify(b) ?? '<unset>'}`);
  };
  walk(oldV, newV, path);
  return lines.join('\n');
}
