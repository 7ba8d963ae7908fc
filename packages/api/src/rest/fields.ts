/** Removes unknown fields (found by core's findUnknownFields) for fieldValidation=Ignore|Warn. */
export function pruneUnknown(obj: Record<string, unknown>, paths: string[]): void {
  for (const p of paths) {
    const parts = p.match(/[^.[\]]+/g) ?? [];
    let cur: unknown = obj;
    for (let i = 0; i < parts.length - 1 && cur && typeof cur === 'object'; i++) {
      cur = (cur as Record<string, unknown>)[parts[i]!];
    }
    if (cur && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]!];
  }
}
