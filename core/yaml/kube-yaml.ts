// YAML read and written as Kubernetes reads it. kubectl splits a stream into documents on lines
// that start with `---` (k8s.io/apimachinery's YAMLReader; a stream opening with `{` is read as
// JSON values first), converts each document with sigs.k8s.io/yaml (go-yaml v2 into Go values,
// then JSON), and the API server stores that JSON. The same converter reads kubeconfig files.
// This module mirrors those steps over the `yaml` library's syntax tree:
//   - scalars: go-yaml v2's rules (./go-scalars.ts): 0644 is 420, yes/on/y are true, 1:30 a string;
//   - duplicate keys: the last one wins, silently (go-yaml v2 is not strict there);
//   - merge keys `<<`: applied in order, each later key overriding (go-yaml v2; not the YAML spec's
//     "explicit keys win"); a list of maps merges with the earlier maps taking precedence;
//   - anchors and aliases: expanded; a self-containing alias and go-yaml's "excessive aliasing"
//     limit are errors;
//   - map keys become strings as sigs.k8s.io/yaml words them (yes -> "true", 1e6 -> "1e+06");
//     a null or uint64 key, and NaN or infinite values (JSON has none) are errors.
// Pure: text in, values and `yaml` documents out.
import { ErrorCode, PaasError } from '../errors.js';
import {
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  Scalar,
  visit,
  type Alias,
  type DocumentOptions,
  type Node as YamlNode,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type YAMLError,
  type YAMLMap,
} from 'yaml';
import { stringTag } from 'yaml/util';
import { formatFloatKey, plainKind, resolvePlain, resolveTagged, type GoScalar } from './go-scalars.js';

/** A JSON value that may hold an int64 beyond 2^53 exactly (as a bigint). */
export type KubeValue = null | boolean | number | bigint | string | KubeValue[] | { [k: string]: KubeValue };

/** Bad YAML, or YAML kubectl would refuse (the catalogue's bad input); `offset` is into the text that was parsed. */
export class KubeYamlError extends PaasError {
  constructor(
    message: string,
    readonly offset: number,
    /** For splitStream: the 1-based document the error is in. */
    readonly document?: number,
  ) {
    super(ErrorCode.BadInput, message);
    this.name = 'KubeYamlError';
  }
}

/**
 * yaml's tags match plain scalars with `test.test(text)`. go-yaml's rules are procedures, so the
 * test is one: a RegExp whose test() asks ./go-scalars.ts. Used when reading (which tag resolves a
 * plain scalar) and when writing (a new string that would read as another type gets quoted).
 */
class GoKindTest extends RegExp {
  constructor(private readonly kinds: readonly GoScalar['kind'][]) {
    super('(?:)');
  }
  override test(text: string): boolean {
    return this.kinds.includes(plainKind(text));
  }
}

// Untouched scalars are written back as the user wrote them (`0400` stays `0400`, `yes` stays
// `yes`); scalars the policy writes are spelled the plain way.
const asWritten = (fallback: (value: unknown) => string) => (item: Scalar) => (typeof item.source === 'string' ? item.source : fallback(item.value));

const goValue = (text: string): unknown => {
  const r = resolvePlain(text);
  if (r.kind === 'null') return null;
  if (r.kind === 'int' || r.kind === 'uint') return safeInt(r.value);
  return r.value;
};

const TAGS: ScalarTag[] = [
  {
    identify: (v) => v === null || v === undefined,
    createNode: () => new Scalar(null),
    default: true,
    tag: 'tag:yaml.org,2002:null',
    test: new GoKindTest(['null']),
    resolve: () => new Scalar(null),
    stringify: asWritten(() => 'null'),
  },
  {
    identify: (v) => typeof v === 'boolean',
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: new GoKindTest(['bool']),
    resolve: goValue,
    stringify: asWritten((v) => String(v)),
  },
  {
    identify: (v) => typeof v === 'bigint' || Number.isInteger(v),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: new GoKindTest(['int', 'uint']),
    resolve: goValue,
    stringify: asWritten((v) => String(v)),
  },
  {
    identify: (v) => typeof v === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: new GoKindTest(['float']),
    resolve: goValue,
    stringify: asWritten((v) => {
      const n = v as number;
      if (Number.isNaN(n)) return '.nan';
      return Number.isFinite(n) ? String(n) : n > 0 ? '.inf' : '-.inf';
    }),
  },
];

/** `yaml` options for Kubernetes YAML: go-yaml v2's scalars; merge keys and duplicates are left
 * to the decoder below, which applies go-yaml's own rules. */
export const KUBE_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  schema: 'kubernetes',
  customTags: ['map', 'seq', stringTag, ...TAGS],
  merge: false,
  resolveKnownTags: false,
  uniqueKeys: false,
};

/** One document of a stream as kubectl cuts it. */
export interface Chunk {
  text: string;
  /** Offset of `text` in the stream. */
  offset: number;
  /** Read by Go's JSON decoder (the stream opened with `{`), not as YAML. */
  json: boolean;
}

/**
 * Cuts a stream as kubectl does: a stream whose first non-space character is `{` is read as JSON
 * values one after another until one fails to parse (with at most one read, the rest is YAML);
 * YAML is cut at every line starting with `---`, which may be followed only by a comment.
 */
export function splitStream(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let pos = 0;
  if (/^\s*\{/.test(text)) {
    for (;;) {
      const start = skipSpace(text, pos);
      if (start === text.length) return chunks;
      const end = jsonValueEnd(text, start);
      if (end !== undefined) {
        chunks.push({ text: text.slice(start, end), offset: start, json: true });
        pos = end;
        continue;
      }
      if (chunks.length > 1) throw new KubeYamlError('invalid JSON in a stream of JSON objects', start, chunks.length + 1);
      // kubectl switches to YAML after eating the whitespace up to the first newline.
      const nl = text.slice(pos, start).indexOf('\n');
      pos = nl >= 0 ? pos + nl + 1 : start;
      break;
    }
  }
  let chunkStart = pos;
  let lineStart = pos;
  while (lineStart < text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    if (text.startsWith('---', lineStart)) {
      const rest = text.slice(lineStart + 3, lineEnd).trim();
      if (rest !== '' && !rest.startsWith('#')) {
        const document = chunks.length + (lineStart > chunkStart ? 2 : 1); // the one this line opens
        throw new KubeYamlError(
          `invalid document separator "${text.slice(lineStart, lineEnd).trim()}": kubectl allows only a comment after ---`,
          lineStart,
          document,
        );
      }
      if (lineStart > chunkStart) chunks.push({ text: text.slice(chunkStart, lineStart), offset: chunkStart, json: false });
      chunkStart = lineEnd;
    }
    lineStart = lineEnd;
  }
  if (text.length > chunkStart) chunks.push({ text: text.slice(chunkStart), offset: chunkStart, json: false });
  return chunks;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

/** The index of the quote that closes the JSON string opened at `open` (or the text's end). */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
  return i;
}

/** Where the JSON value starting at `start` ends, or undefined when it is not valid JSON. */
function jsonValueEnd(text: string, start: number): number | undefined {
  let i = start;
  const open = text[start];
  if (open === '{' || open === '[' || open === '"') {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = stringEnd(text, i);
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      if (depth === 0) break;
    }
    i++;
  } else {
    while (i < text.length && !/[\s,:\]}]/.test(text[i] as string)) i++;
  }
  try {
    JSON.parse(text.slice(start, i));
    return i;
  } catch {
    return undefined;
  }
}

/** A parsed document of a chunk: the `yaml` document (for writing) and what Kubernetes reads. */
export interface KubeDocument {
  yaml: Document;
  /** What kubectl sends for it; null for an empty document. */
  value: KubeValue;
}

/** Parses one chunk; throws KubeYamlError for bad YAML and for what kubectl refuses. */
export function parseChunk(chunk: Pick<Chunk, 'text' | 'json'>): KubeDocument {
  const docs = parseAllDocuments(chunk.text, KUBE_YAML);
  // go-yaml reads the first document of a chunk (one ended by `...` ignores the rest).
  const doc = docs[0];
  if (!doc) {
    // Only comments, or directives: kubectl's --- split leaves a directive without its document.
    const err = (docs as { errors?: YAMLError[] }).errors?.[0];
    if (err) throw yamlError(err);
    const directive = /^%.*/m.exec(chunk.text);
    if (directive && !chunk.json)
      throw new KubeYamlError(`invalid YAML: ${directive[0].trim()}: kubectl cuts a directive off its document (at the ---) and refuses it`, directive.index);
    return { yaml: new Document(null, KUBE_YAML), value: null };
  }
  if (!chunk.json) goDoubleQuoted(doc, chunk.text);
  if (doc.errors[0]) throw yamlError(doc.errors[0]);
  return { yaml: doc, value: decodeDocument(doc, chunk.json) };
}

function yamlError(err: YAMLError): KubeYamlError {
  return new KubeYamlError(`invalid YAML: ${(err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`, err.pos[0]);
}

/**
 * go-yaml's double-quoted escapes differ from yaml's in two places: `\/` is an error, `\'` is a
 * quote. The second is fixed in the document (so it is also written back right); the first throws.
 */
function goDoubleQuoted(doc: Document, text: string): void {
  visit(doc, {
    Scalar(_key, node) {
      if (node.type !== Scalar.QUOTE_DOUBLE || !node.range) return;
      const raw = text.slice(node.range[0], node.range[1]);
      let fixed = '';
      let changed = false;
      for (let i = 0; i < raw.length; i++) {
        const c = raw[i] as string;
        if (c !== '\\') {
          fixed += c;
          continue;
        }
        const next = raw[i + 1];
        if (next === '/') throw new KubeYamlError('invalid YAML: unknown escape \\/ in a double-quoted string (kubectl refuses it)', node.range[0] + i);
        if (next === "'") changed = true;
        fixed += next === "'" ? "'" : `${c}${next ?? ''}`;
        i++;
      }
      if (!changed) return;
      const reparsed = parseAllDocuments(fixed, KUBE_YAML);
      const value = Array.isArray(reparsed) ? (reparsed[0]?.contents as Scalar | null)?.value : undefined;
      if (typeof value !== 'string') return;
      node.value = value;
      node.source = value;
      const start = node.range[0];
      const end = node.range[1];
      doc.errors = doc.errors.filter((e) => !(e.code === 'BAD_DQ_ESCAPE' && e.pos[0] >= start && e.pos[0] < end && e.message.includes("\\'")));
    },
  });
}

/**
 * Parses a kubeconfig as client-go does (sigs.k8s.io/yaml on the whole file: its first document);
 * throws KubeYamlError with the line and column in its message.
 */
export function parseKubeYaml(text: string): unknown {
  try {
    return toPlainJson(parseChunk({ text, json: false }).value);
  } catch (e) {
    if (!(e instanceof KubeYamlError)) throw e;
    const { line, column } = positionIn(text)(e.offset);
    throw new KubeYamlError(`line ${line}, column ${column}: ${e.message}`, e.offset);
  }
}

/** 1-based line and column of an offset in `text`. */
export function positionIn(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  };
}

/** The value with int64s beyond 2^53 as (rounded) numbers: for code that only reads small ints. */
export function toPlainJson(v: KubeValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) define(out, k, toPlainJson(x));
    return out;
  }
  return v;
}

/** A new `yaml` document of a value, written so that Kubernetes reads the value back. */
export function kubeYamlDocument(value: unknown): Document {
  return new Document(value, KUBE_YAML);
}

/** JSON.stringify(v, null, 2) that also writes bigints and -0 as Go's encoder does. */
export function formatJson(v: KubeValue, indent = ''): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[\n${v.map((x) => inner + formatJson(x, inner)).join(',\n')}\n${indent}]`;
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${formatJson(v[k] as KubeValue, inner)}`).join(',\n')}\n${indent}}`;
}

// ---- go-yaml v2's decoder into interface{}, then sigs.k8s.io/yaml's conversion to JSON ----------

type GoValue = GoScalar | GoMap | GoValue[];
interface GoMap {
  kind: 'map';
  entries: { key: GoScalar; value: GoValue; at: number }[];
}

// go-yaml's guard against alias bombs (decode.go, allowedAliasRatio).
const ALIAS_RATIO_LOW = 400_000;
const ALIAS_RATIO_HIGH = 4_000_000;
function allowedAliasRatio(decodes: number): number {
  if (decodes <= ALIAS_RATIO_LOW) return 0.99;
  if (decodes >= ALIAS_RATIO_HIGH) return 0.1;
  return 0.99 - (0.89 * (decodes - ALIAS_RATIO_LOW)) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW);
}

/** What kubectl sends for a parsed document (JSON chunks keep JSON's `\/`). */
function decodeDocument(doc: Document, json: boolean): KubeValue {
  return toJson(new Decoder(doc, json).decode(doc.contents), 0);
}

/** A scalar's value as text, for a scalar with no source text (one the library made). */
function valueText(v: unknown): string {
  const value: unknown = v ?? '';
  return String(value);
}

class Decoder {
  private decodes = 0;
  private aliases = 0;
  private aliasDepth = 0;
  private readonly active = new Set<Alias>();
  private readonly targets = new Map<Alias, YamlNode | undefined>();

  constructor(
    doc: Document,
    private readonly json: boolean,
  ) {
    // An alias names the last node with its anchor before it, in document order.
    const last = new Map<string, YamlNode>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) this.targets.set(node, last.get(node.source));
        else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) last.set(node.anchor, node);
      },
    });
  }

  decode(node: YamlNode | null | undefined, into?: GoMap): GoValue {
    this.decodes++;
    if (this.aliasDepth > 0) this.aliases++;
    if (this.aliases > 100 && this.decodes > 1000 && this.aliases / this.decodes > allowedAliasRatio(this.decodes)) {
      throw new KubeYamlError('document contains excessive aliasing', offsetOf(node));
    }
    if (node === null || node === undefined) return { kind: 'null' };
    if (isAlias(node)) return this.alias(node, into);
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) return this.mapping(node, into ?? { kind: 'map', entries: [] });
    if (isSeq(node)) {
      return node.items.map((item) => (isPair(item) ? this.mapping({ items: [item] }, { kind: 'map', entries: [] }) : this.decode(item as YamlNode)));
    }
    throw new KubeYamlError('unsupported YAML node', offsetOf(node));
  }

  private alias(node: Alias, into?: GoMap): GoValue {
    const target = this.targets.get(node);
    if (!target) throw new KubeYamlError(`unknown anchor '${node.source}' referenced`, offsetOf(node));
    if (this.active.has(node)) throw new KubeYamlError(`anchor '${node.source}' value contains itself`, offsetOf(node));
    this.active.add(node);
    this.aliasDepth++;
    try {
      return this.decode(target, into);
    } finally {
      this.aliasDepth--;
      this.active.delete(node);
    }
  }

  private scalar(node: Scalar): GoScalar {
    const text = typeof node.source === 'string' ? node.source : valueText(node.value);
    if (this.json) return node.type === Scalar.PLAIN ? resolvePlain(text) : { kind: 'str', value: text };
    if (node.tag === 'tag:yaml.org,2002:binary') {
      const b64 = text.replace(/[\r\n]/g, '');
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
        throw new KubeYamlError('!!binary value contains invalid base64 data', offsetOf(node));
      }
      return { kind: 'str', value: Buffer.from(b64, 'base64').toString('utf8') };
    }
    if (node.tag) {
      const r = resolveTagged(node.tag, text);
      if ('error' in r) throw new KubeYamlError(r.error, offsetOf(node));
      return r;
    }
    return node.type === Scalar.PLAIN ? resolvePlain(text) : { kind: 'str', value: text };
  }

  /** go-yaml's mapping(): pairs in order, each setting (or overwriting) its key; `<<` merges. */
  private mapping(node: Pick<YAMLMap, 'items'>, out: GoMap): GoMap {
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (isMergeKey(keyNode)) {
        this.merge(pair.value as YamlNode | null, out);
        continue;
      }
      const key = this.decode(keyNode);
      if (Array.isArray(key) || key.kind === 'map') throw new KubeYamlError('invalid map key: a map or a list cannot be a key', offsetOf(keyNode));
      const value = this.decode(pair.value as YamlNode | null);
      const at = offsetOf(keyNode);
      const same = out.entries.find((e) => goEqual(e.key, key));
      if (same) Object.assign(same, { value, at });
      else out.entries.push({ key, value, at });
    }
    return out;
  }

  private merge(node: YamlNode | null, out: GoMap): void {
    const wantMap = () => new KubeYamlError('map merge requires map or sequence of maps as the value', offsetOf(node));
    const isMapOrAliasOfMap = (n: unknown) => isMap(n) || (isAlias(n) && isMap(this.targets.get(n)));
    if (isSeq(node)) {
      // Earlier maps take precedence: they are applied last.
      for (const item of [...node.items].reverse()) {
        if (!isMapOrAliasOfMap(item)) throw wantMap();
        this.decode(item as YamlNode, out);
      }
      return;
    }
    if (!isMapOrAliasOfMap(node)) throw wantMap();
    this.decode(node, out);
  }
}

function isMergeKey(node: YamlNode | null): boolean {
  if (!isScalar(node) || node.source !== '<<') return false;
  return node.tag === undefined ? node.type === Scalar.PLAIN : node.tag === 'tag:yaml.org,2002:merge';
}

/** Go's == on interface{} keys: same type and value (NaN is never equal). */
function goEqual(a: GoScalar, b: GoScalar): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === 'null' || a.value === (b as typeof a).value;
}

function offsetOf(node: unknown): number {
  const range = (node as { range?: [number, number, number] | null } | null)?.range;
  return range ? range[0] : 0;
}

function safeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** sigs.k8s.io/yaml's convertToJSONableObject, then json.Marshal (which refuses NaN and Inf). */
function toJson(v: GoValue, at: number): KubeValue {
  if (Array.isArray(v)) return v.map((x) => toJson(x, at));
  switch (v.kind) {
    case 'null':
      return null;
    case 'bool':
    case 'str':
      return v.value;
    case 'int':
      return safeInt(v.value);
    case 'uint':
      return Number(v.value); // kubectl's unstructured decoding makes a uint64 a float64
    case 'float':
      if (!Number.isFinite(v.value)) {
        const what = Number.isNaN(v.value) ? 'NaN' : v.value > 0 ? '+Inf' : '-Inf';
        throw new KubeYamlError(`${what}: JSON has no such number (kubectl: json: unsupported value: ${what})`, at);
      }
      return v.value;
    case 'map': {
      const out: { [k: string]: KubeValue } = {};
      const from = new Map<string, GoScalar>();
      for (const e of v.entries) {
        const key = keyString(e.key, e.at);
        const before = from.get(key);
        if (before) {
          // Two different Go keys with one JSON name: sigs.k8s.io/yaml keeps one at random.
          throw new KubeYamlError(`keys ${goText(before)} and ${goText(e.key)} are both the field "${key}"; kubectl would keep one at random`, e.at);
        }
        from.set(key, e.key);
        define(out, key, toJson(e.value, e.at));
      }
      return out;
    }
  }
}

function keyString(k: GoScalar, at: number): string {
  switch (k.kind) {
    case 'str':
      return k.value;
    case 'int':
      return k.value.toString();
    case 'float':
      return formatFloatKey(k.value);
    case 'bool':
      return String(k.value);
    case 'null':
      throw new KubeYamlError('unsupported map key: null (kubectl refuses a null key)', at);
    case 'uint':
      throw new KubeYamlError(`unsupported map key: ${k.value} (kubectl refuses a uint64 key)`, at);
  }
}

function goText(k: GoScalar): string {
  if (k.kind === 'null') return 'null';
  return k.kind === 'str' ? JSON.stringify(k.value) : String(k.value);
}

/** Sets an own property, even "__proto__". */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}
