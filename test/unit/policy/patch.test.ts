// The JSON Patch builder and applier, checked against fast-json-patch (an independent RFC 6902).
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { mergeInto, applyPatch } from '../../../core/policy/patch.js';
import type { JsonObject, PatchOp } from '../../../core/policy/index.js';

const reference = (doc: JsonObject, ops: PatchOp[]) => fjp.applyPatch(structuredClone(doc), structuredClone(ops) as fjp.Operation[], true, false).newDocument;

describe('mergeInto', () => {
  it.each([
    { name: 'a missing member is added whole', doc: { a: 1 }, desired: { b: { c: { d: 1 } } }, ops: [{ op: 'add', path: '/b', value: { c: { d: 1 } } }] },
    { name: 'a null member is replaced whole', doc: { b: null }, desired: { b: { c: 1 } }, ops: [{ op: 'replace', path: '/b', value: { c: 1 } }] },
    { name: 'an existing parent is descended into', doc: { b: { x: 1 } }, desired: { b: { c: 2 } }, ops: [{ op: 'add', path: '/b/c', value: 2 }] },
    { name: 'an equal value produces nothing', doc: { b: { c: [1, { d: 2 }] } }, desired: { b: { c: [1, { d: 2 }] } }, ops: [] },
    { name: 'a different value is replaced', doc: { b: '25%' }, desired: { b: 1 }, ops: [{ op: 'replace', path: '/b', value: 1 }] },
    {
      name: '/ is escaped as ~1',
      doc: { l: {} },
      desired: { l: { 'paas.io/deploy-id': 'x' } },
      ops: [{ op: 'add', path: '/l/paas.io~1deploy-id', value: 'x' }],
    },
    { name: '~ is escaped as ~0 (before /)', doc: { l: {} }, desired: { l: { 'a~/b': 'x' } }, ops: [{ op: 'add', path: '/l/a~0~1b', value: 'x' }] },
  ])('$name', ({ doc, desired, ops }) => {
    const got: PatchOp[] = [];
    mergeInto(got, doc as unknown as JsonObject, '', desired as unknown as JsonObject);
    expect(got).toEqual(ops);
    expect(applyPatch(doc as unknown as JsonObject, got)).toEqual(reference(doc as unknown as JsonObject, got));
  });
});

describe('applyPatch', () => {
  const doc: JsonObject = { a: { b: [1, 2, { c: 'x' }] }, 'k/~': 1 };
  it.each([
    { name: 'add into an array element', ops: [{ op: 'add', path: '/a/b/2/d', value: 1 }] },
    { name: 'insert into an array', ops: [{ op: 'add', path: '/a/b/1', value: 9 }] },
    { name: 'append to an array', ops: [{ op: 'add', path: '/a/b/-', value: 9 }] },
    { name: 'replace an escaped key', ops: [{ op: 'replace', path: '/k~1~0', value: 2 }] },
    { name: 'remove a member', ops: [{ op: 'remove', path: '/a/b/2/c' }] },
    { name: 'remove an element', ops: [{ op: 'remove', path: '/a/b/0' }] },
  ] as { name: string; ops: PatchOp[] }[])('$name like fast-json-patch, without mutating its input', ({ ops }) => {
    const before = structuredClone(doc);
    expect(applyPatch(doc, ops)).toEqual(reference(doc, ops));
    expect(doc).toEqual(before);
  });

  it.each([
    { name: 'add under a missing parent', op: { op: 'add', path: '/x/y', value: 1 } },
    { name: 'replace a missing member', op: { op: 'replace', path: '/x', value: 1 } },
    { name: 'an index past the end', op: { op: 'replace', path: '/a/b/7', value: 1 } },
    { name: 'a non-numeric index', op: { op: 'add', path: '/a/b/one', value: 1 } },
  ] as { name: string; op: PatchOp }[])('throws on $name, as fast-json-patch does', ({ op }) => {
    expect(() => applyPatch(doc, [op])).toThrow();
    expect(() => reference(doc, [op])).toThrow();
  });
});
