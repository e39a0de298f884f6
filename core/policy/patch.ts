// JSON Patch (RFC 6902) for the engine: build a minimal patch that merges desired values into an
// object, creating missing parents in one `add`, and apply a patch without mutating its input.
import { deepEqual, escapeToken, isObject, unescapeToken } from './json.js';
import type { JsonObject, JsonValue, PatchOp } from './types.js';

/**
 * Appends to `ops` the operations that make `current` (found at `path`) contain every member of
 * `desired`, recursively for nested objects. A missing member (or one holding null) is written
 * whole in one operation, so missing parents are created; equal values produce nothing.
 */
export function mergeInto(ops: PatchOp[], current: JsonObject, path: string, desired: JsonObject): void {
  for (const key of Object.keys(desired)) {
    const want = desired[key] as JsonValue;
    const at = `${path}/${escapeToken(key)}`;
    if (!Object.hasOwn(current, key)) {
      ops.push({ op: 'add', path: at, value: want });
      continue;
    }
    const have = current[key];
    if (isObject(want) && isObject(have)) mergeInto(ops, have, at, want);
    else if (!deepEqual(have, want)) ops.push({ op: 'replace', path: at, value: want });
  }
}

/** Splits a JSON Pointer into unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON Pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map(unescapeToken);
}

/**
 * Applies a patch and returns the new document; the input is not mutated. Only the containers
 * along each path are copied (once per patch, however many operations pass through them); the
 * rest is shared with the input, so it is cheap enough to use inside the engine. Throws, like
 * any RFC 6902 implementation, when a parent is missing.
 */
export function applyPatch<T extends JsonValue>(doc: T, ops: readonly PatchOp[]): T {
  const copies = new Set<JsonValue>();
  let root: JsonValue = doc;
  for (const op of ops) root = applyOne(root, parsePointer(op.path), 0, op, copies);
  return root as T;
}

/** A copy of `node` this patch owns (made once, then changed in place). */
function own<T extends JsonValue[] | JsonObject>(node: T, copies: Set<JsonValue>): T {
  if (copies.has(node)) return node;
  const copy = (Array.isArray(node) ? node.slice() : Object.assign({}, node)) as T;
  copies.add(copy);
  return copy;
}

function applyOne(node: JsonValue, tokens: string[], i: number, op: PatchOp, copies: Set<JsonValue>): JsonValue {
  if (i === tokens.length) {
    if (op.op === 'remove') throw new Error('cannot remove the document root');
    return op.value;
  }
  const token = tokens[i] as string;
  const last = i === tokens.length - 1;
  if (Array.isArray(node)) {
    const index = token === '-' ? node.length : arrayIndex(token, op.path);
    if (last && op.op === 'add') {
      if (index > node.length) throw new Error(`${op.op} ${op.path}: index out of range`);
      const copy = own(node, copies);
      copy.splice(index, 0, op.value);
      return copy;
    }
    if (index >= node.length) throw new Error(`${op.op} ${op.path}: no such element`);
    const copy = own(node, copies);
    if (last && op.op === 'remove') copy.splice(index, 1);
    else copy[index] = applyOne(copy[index] as JsonValue, tokens, i + 1, op, copies);
    return copy;
  }
  if (!isObject(node)) throw new Error(`${op.op} ${op.path}: parent is not an object or array`);
  const exists = Object.hasOwn(node, token);
  if (!(last && op.op === 'add') && !exists) throw new Error(`${op.op} ${op.path}: no such member`);
  const copy = own(node, copies);
  if (last && op.op === 'add') copy[token] = op.value;
  else if (last && op.op === 'remove') Reflect.deleteProperty(copy, token);
  else copy[token] = applyOne(copy[token] as JsonValue, tokens, i + 1, op, copies);
  return copy;
}

function arrayIndex(token: string, path: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`${path}: ${JSON.stringify(token)} is not an array index`);
  return Number(token);
}
