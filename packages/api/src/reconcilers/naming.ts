import { createHash } from 'node:crypto';

/** Knative's kmeta.ChildName: parent + suffix, shortened with the parent's MD5 when over 63 chars. */
export function childName(parent: string, suffix: string): string {
  const n = parent + suffix;
  if (n.length <= 63) return n;
  const md5 = createHash('md5').update(parent).digest('hex');
  return `${parent.slice(0, 63 - 32 - suffix.length)}${md5}${suffix}`;
}

/** `<config>-00001` for generation 1. */
export function revisionName(config: string, generation: number): string {
  return childName(config, `-${String(generation).padStart(5, '0')}`);
}
