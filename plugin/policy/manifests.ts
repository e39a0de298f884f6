// `kubectl paas policy apply|check` over a multi-document YAML (or JSON) stream: parse every
// document first, run the engine on each Deployment, and only then produce output, so bad input
// anywhere yields one clear error and no partial output. Manifests are read as kubectl reads them
// (core/yaml/kube-yaml.ts: YAML 1.1 scalars, go-yaml's duplicate keys and merges), and written
// so that they still mean the same at every field the policy does not own. Pure: text in, text
// and data out.
import { isAlias, isCollection, isMap, isScalar, isSeq, Scalar, type Document, type YAMLMap } from 'yaml';
import { resolvePlain } from '../../core/yaml/go-scalars.js';
import { formatJson, kubeYamlDocument, KubeYamlError, parseChunk, positionIn, splitStream, toPlainJson, type KubeValue } from '../../core/yaml/kube-yaml.js';
import {
  applyPatch,
  checkDeployment,
  deepEqual,
  parsePointer,
  mutateDeployment,
  PolicyInputError,
  type ClusterFacts,
  type JsonObject,
  type JsonValue,
  type PatchOp,
  type Policy,
  type Violation,
} from '../../core/policy/index.js';
import { ErrorCode, PaasError } from '../../core/errors.js';

/** One object of the input: a document, or an item of a `kind: List` document. */
interface Target {
  object: JsonObject;
  /** JSON Pointer prefix of the object inside its document ("" or "/items/3"). */
  prefix: string;
}

/** One parsed YAML document with the objects in it. */
export interface InputDoc {
  /** The file it came from ("<stdin>" for -). */
  source: string;
  /** 1-based position in the stream, as messages show it. */
  index: number;
  line: number;
  yaml: Document;
  /** What Kubernetes reads, int64s beyond 2^53 exact (for -o json). */
  exact: KubeValue;
  /** The same with plain numbers: what the engine reads. */
  value: JsonValue;
  targets: Target[];
}

/** The outcome of `policy apply`: the patched documents and the warnings to print. */
export interface ApplyOutput {
  yaml: string;
  json: string;
  warnings: string[];
}

/** One Deployment's line in `policy check`. */
export interface CheckEntry {
  file: string;
  document: number;
  /** How text output names the document. */
  place: string;
  kind: string;
  name: string;
  namespace?: string;
  skipped?: string;
  violations: Violation[];
  notes: string[];
}

/** The outcome of `policy check`. */
export interface CheckReport {
  source: string;
  deployments: CheckEntry[];
  violations: number;
}

const badInput = (message: string) => new PaasError(ErrorCode.BadInput, message);

/** Parses a YAML/JSON stream as kubectl does; throws the catalogue's bad input (exit 2) naming the source,
 * document, line and column. Empty documents are left out, so an empty stream gives []. */
export function parseManifests(text: string, source: string): InputDoc[] {
  const out: InputDoc[] = [];
  const where = positionIn(text);
  const fail = (index: number, e: KubeYamlError, base: number): never => {
    const { line, column } = where(base + e.offset);
    throw badInput(`${source}: document ${index}, line ${line}, column ${column}: ${e.message}`);
  };
  let chunks;
  try {
    chunks = splitStream(text);
  } catch (e) {
    if (!(e instanceof KubeYamlError)) throw e;
    return fail(e.document ?? 1, e, 0);
  }
  chunks.forEach((chunk, i) => {
    const index = i + 1;
    let parsed;
    try {
      parsed = parseChunk(chunk);
    } catch (e) {
      if (!(e instanceof KubeYamlError)) throw e;
      return fail(index, e, chunk.offset);
    }
    if (parsed.value === null) return; // an empty document (only comments)
    const line = where(chunk.offset + (parsed.yaml.contents?.range?.[0] ?? 0)).line;
    const value = toPlainJson(parsed.value) as JsonValue;
    out.push({ source, index, line, yaml: parsed.yaml, exact: parsed.value, value, targets: targetsOf(value, source, index, line) });
  });
  return out;
}

function targetsOf(value: JsonValue, source: string, index: number, line: number): Target[] {
  if (!isObject(value)) {
    throw badInput(`${source}: document ${index}, line ${line}: expected a Kubernetes object, got ${describe(value)}`);
  }
  if (value.kind === 'List' && Array.isArray(value.items)) {
    return value.items.map((item, i) => {
      if (!isObject(item)) throw badInput(`${source}: document ${index}: items[${i}]: expected a Kubernetes object, got ${describe(item)}`);
      return { object: item, prefix: `/items/${i}` };
    });
  }
  return [{ object: value, prefix: '' }];
}

/** Applies the policy to every Deployment (no deploy-id: that is assigned at roll time). */
export function applyPolicy(docs: InputDoc[], policy: Policy, facts: ClusterFacts): ApplyOutput {
  const warnings: string[] = [];
  const where = placeOf(docs);
  const patched: { doc: InputDoc; ops: PatchOp[] }[] = [];
  for (const doc of docs) {
    const ops: PatchOp[] = [];
    for (const t of doc.targets) {
      const r = engine(doc, t, () => mutateDeployment({ object: t.object, oldObject: null, policy, facts, stampId: false, newId: noId }));
      const who = `${objectName(t.object)} (${where(doc)})`;
      if (r.skipped && t.object.kind === 'Deployment') warnings.push(`${who}: left unchanged: ${r.skipped}`);
      for (const w of r.warnings) warnings.push(`${who}: ${w.replace(/^paas: /, '')}`);
      for (const op of r.patch) ops.push({ ...op, path: t.prefix + op.path });
    }
    patched.push({ doc, ops });
  }
  // The engine read plain numbers; its patch is applied to the exact value instead (same paths),
  // so int64s beyond 2^53 that the policy does not own stay whole in the output.
  const values = patched.map(({ doc, ops }) => applyPatch(doc.exact as JsonValue, ops) as KubeValue);
  const yaml = patched.map(({ doc, ops }, i) => yamlText(doc.yaml, ops, values[i] as KubeValue));
  const json = values.length === 1 ? (values[0] as KubeValue) : { apiVersion: 'v1', kind: 'List', items: values.flatMap(listItems) };
  return { yaml: yaml.join('---\n'), json: `${formatJson(json)}\n`, warnings };
}

/** Lists every Deployment's violations and notes. */
export function checkPolicy(docs: InputDoc[], source: string, policy: Policy, facts: ClusterFacts): CheckReport {
  const where = placeOf(docs);
  const deployments: CheckEntry[] = [];
  for (const doc of docs) {
    for (const t of doc.targets) {
      if (t.object.kind !== 'Deployment') continue;
      const r = engine(doc, t, () => checkDeployment(t.object, policy, facts));
      const meta = isObject(t.object.metadata) ? t.object.metadata : {};
      const entry: CheckEntry = {
        file: doc.source,
        document: doc.index,
        place: where(doc),
        kind: 'Deployment',
        name: typeof meta.name === 'string' ? meta.name : '',
        violations: r.violations,
        notes: r.notes.map((n) => n.replace(/^paas: /, '')),
      };
      if (typeof meta.namespace === 'string') entry.namespace = meta.namespace;
      if (r.skipped) entry.skipped = r.skipped;
      deployments.push(entry);
    }
  }
  return { source, deployments, violations: deployments.reduce((n, d) => n + d.violations.length, 0) };
}

/** How messages name a document: "document 2", or "app.yaml, document 2" across several files. */
function placeOf(docs: InputDoc[]): (doc: InputDoc) => string {
  const several = new Set(docs.map((d) => d.source)).size > 1;
  return (doc) => (several ? `${doc.source}, document ${doc.index}` : `document ${doc.index}`);
}

function engine<T>(doc: InputDoc, t: Target, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof PolicyInputError)) throw e;
    const item = t.prefix ? ` items[${t.prefix.slice('/items/'.length)}]` : '';
    throw badInput(`${doc.source}: document ${doc.index}${item} (${objectName(t.object)}): ${e.message}`);
  }
}

const noId = (): string => {
  throw new Error('offline policy commands never stamp a deploy-id');
};

/**
 * Patches the YAML document itself, keeping comments, key order and the user's spelling of every
 * untouched scalar. The result is read back as Kubernetes reads it; when it does not mean exactly
 * the patched value (aliases, merge keys or duplicate keys on a patched path), the document is
 * written afresh from the patched value instead, which always means it.
 */
function yamlText(doc: Document, ops: PatchOp[], patched: KubeValue): string {
  // JSON input (a flow-style root) reads better re-rendered as block YAML.
  const flow = isCollection(doc.contents) && doc.contents.flow;
  let text = flow ? undefined : ops.length === 0 ? doc.toString() : patchedText(doc, ops);
  if (text === undefined || !means(text, patched)) text = kubeYamlDocument(patched).toString();
  if (!means(text, patched)) throw new Error('policy apply: the YAML written does not read back as the patched manifest');
  return text.startsWith('---\n') ? text.slice(4) : text;
}

function patchedText(doc: Document, ops: PatchOp[]): string | undefined {
  const copy = doc.clone();
  try {
    for (const op of ops) patchYaml(copy, op);
    return copy.toString();
  } catch {
    return undefined;
  }
}

/** Whether YAML text reads, as Kubernetes reads it, as exactly `value`. */
function means(text: string, value: KubeValue): boolean {
  try {
    return deepEqual(parseChunk({ text, json: false }).value, value);
  } catch {
    return false;
  }
}

/** Applies one operation to the YAML nodes; throws when the path runs through an alias. */
function patchYaml(doc: Document, op: PatchOp): void {
  const path = parsePointer(op.path);
  const last = path.pop();
  if (last === undefined) throw new Error('cannot patch the document root');
  let node: unknown = doc.contents;
  for (const key of path) {
    node = childOf(node, key);
    // An empty flow map ("strategy: {}") that gains members reads better as a block.
    if (isCollection(node) && node.flow && node.items.length === 0) node.flow = false;
  }
  if (isMap(node)) {
    const pair = lastPair(node, last);
    if (op.op === 'remove') node.items.splice(node.items.indexOf(pair as never), 1);
    else if (pair) pair.value = doc.createNode(op.value);
    else node.items.push(doc.createPair(last, op.value));
    return;
  }
  if (!isSeq(node)) throw new Error(`${op.path}: parent is not a map or a list`);
  const index = last === '-' ? node.items.length : Number(last);
  if (op.op === 'remove') node.items.splice(index, 1);
  else if (op.op === 'add') node.items.splice(index, 0, doc.createNode(op.value));
  else node.items[index] = doc.createNode(op.value);
}

function childOf(node: unknown, key: string): unknown {
  if (isMap(node)) return lastPair(node, key)?.value;
  if (isSeq(node)) return node.items[Number(key)];
  throw new Error(isAlias(node) ? 'the path runs through an alias' : 'the path runs through a scalar');
}

/** The pair Kubernetes reads for `key`: the last one written (go-yaml keeps the last duplicate). */
function lastPair(map: YAMLMap, key: string) {
  return map.items.findLast((p) => isScalar(p.key) && keyText(p.key) === key);
}

/** A key as kubectl names the field, for plain and quoted keys (others never match a patch path). */
function keyText(key: Scalar): string | undefined {
  const source = typeof key.source === 'string' ? key.source : undefined;
  if (source === undefined || key.tag !== undefined) return typeof key.value === 'string' ? key.value : undefined;
  if (key.type !== Scalar.PLAIN) return source;
  const r = resolvePlain(source);
  return r.kind === 'str' ? r.value : undefined;
}

function listItems(v: KubeValue): KubeValue[] {
  return isObject(v) && v.kind === 'List' && Array.isArray(v.items) ? v.items : [v];
}

/** kind/name as kubectl prints it: deployment/web. */
export function objectName(o: JsonObject): string {
  const kind = typeof o.kind === 'string' ? o.kind.toLowerCase() : 'object';
  const meta = isObject(o.metadata) ? o.metadata : {};
  return `${kind}/${typeof meta.name === 'string' ? meta.name : '<unnamed>'}`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: JsonValue): string {
  if (Array.isArray(v)) return 'a list';
  return v === null ? 'null' : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}
