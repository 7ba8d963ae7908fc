import { describe, expect, it } from 'vitest';
import { lookupKind } from '../kinds.js';
import { findUnknownFields } from '../validation.js';
import { KIND_DEFINITIONS, KIND_NAMES, KINDS, kindDefinition } from './registry.js';

describe('the kind registry', () => {
  it('derives KINDS, KIND_NAMES and lookups from the one list', () => {
    expect(KIND_NAMES).toEqual(KIND_DEFINITIONS.map((d) => d.info.kind));
    for (const d of KIND_DEFINITIONS) {
      expect(KINDS[d.info.kind]).toBe(d.info);
      expect(kindDefinition(d.info.kind)).toBe(d);
      for (const word of [d.info.plural, d.info.singular, ...d.info.shortNames])
        expect(lookupKind(word)?.kind).toBe(d.info.kind);
    }
    expect(kindDefinition('Pod2')).toBeUndefined();
  });

  it('gives every kind distinct printer column names and owned kinds that exist', () => {
    for (const d of KIND_DEFINITIONS) {
      const names = d.columns.map((c) => c.name);
      expect(new Set(names).size, d.info.kind).toBe(names.length);
      for (const child of d.owns) expect(kindDefinition(child), `${d.info.kind} owns ${child}`).toBeDefined();
    }
  });

  it("finds unknown fields with the kind's own schema", () => {
    expect(
      findUnknownFields({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {}, spec: {} }),
    ).toEqual(['spec']);
    expect(
      findUnknownFields({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Route',
        metadata: { name: 'x' },
        spec: { trafic: [] },
      }),
    ).toEqual(['spec.trafic']);
  });
});
