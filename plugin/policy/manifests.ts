// `kubectl paas policy apply|check` over a multi-document YAML (or JSON) stream: parse every
// document first, run the engine on each Deployment, and only then produce output, so bad input
// anywhere yields one clear error and no partial output. Pure: text in, text and data out.
import { Document, isCollection, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { deepEqual } from '../../webhook/policy/json.js';
import { parsePointer } from '../../webhook/policy/patch.js';
import {
  applyPatch,
  checkDeployment,
  mutateDeployment,
  PolicyInputError,
  type ClusterFacts,
  type JsonObject,
  type JsonValue,
  type PatchOp,
  type Policy,
  type Violation,
} from '../../webhook/policy/index.js';
import { CliError, EXIT } from '../lib/errors.js';

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

const badInput = (message: string) => new CliError(message, EXIT.badInputOrTimeout);

/** Parses a YAML/JSON stream; throws a CliError (exit 2) naming the source, document and line.
 * Empty documents are left out, so an empty stream gives []. */
export function parseManifests(text: string, source: string): InputDoc[] {
  const out: InputDoc[] = [];
  const lineOf = lineCounter(text);
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  docs.forEach((doc, i) => {
    const index = i + 1;
    const line = lineOf(doc.range[0]);
    const err = doc.errors[0];
    if (err) {
      const at = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : `line ${line}`;
      const what = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw badInput(`${source}: document ${index}, ${at}: invalid YAML: ${what}`);
    }
    if (doc.contents === null) return;
    let value: JsonValue;
    try {
      value = doc.toJS({ maxAliasCount: 100 }) as JsonValue;
    } catch (e) {
      throw badInput(`${source}: document ${index}, line ${line}: ${(e as Error).message}`);
    }
    if (value === null || value === undefined) return; // an empty document (only comments)
    out.push({ source, index, line, yaml: doc, value, targets: targetsOf(value, source, index, line) });
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
      const r = engine(doc, t, () =>
        mutateDeployment({ object: t.object, oldObject: null, policy, facts, stampId: false, newId: noId }),
      );
      const who = `${objectName(t.object)} (${where(doc)})`;
      if (r.skipped && t.object.kind === 'Deployment') warnings.push(`${who}: left unchanged: ${r.skipped}`);
      for (const w of r.warnings) warnings.push(`${who}: ${w.replace(/^paas: /, '')}`);
      for (const op of r.patch) ops.push({ ...op, path: t.prefix + op.path });
    }
    patched.push({ doc, ops });
  }
  const values = patched.map(({ doc, ops }) => applyPatch(doc.value, ops));
  const yaml = patched.map(({ doc, ops }, i) => yamlText(doc.yaml, ops, values[i] as JsonValue));
  const json = values.length === 1 ? values[0] : { apiVersion: 'v1', kind: 'List', items: values.flatMap(listItems) };
  return { yaml: yaml.join('---\n'), json: `${JSON.stringify(json, null, 2)}\n`, warnings };
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

/** Patches the YAML document itself, keeping comments and key order; falls back to plain YAML
 * of the patched value if the document's shape (aliases, merge keys) defeats that. */
function yamlText(doc: Document, ops: PatchOp[], patched: JsonValue): string {
  let text: string;
  // JSON input (a flow-style root) reads better re-rendered as block YAML.
  if (isCollection(doc.contents) && doc.contents.flow) text = new Document(patched).toString();
  else if (ops.length === 0) text = doc.toString();
  else {
    const copy = doc.clone();
    try {
      for (const op of ops) patchYaml(copy, op);
      text = deepEqual(copy.toJS(), patched) ? copy.toString() : new Document(patched).toString();
    } catch {
      text = new Document(patched).toString();
    }
  }
  return text.startsWith('---\n') ? text.slice(4) : text;
}

function patchYaml(doc: Document, op: PatchOp): void {
  const path = parsePointer(op.path);
  // An empty flow map ("strategy: {}") that gains members reads better as a block.
  let node: unknown = doc.contents;
  for (const key of path.slice(0, -1)) {
    if (!isCollection(node)) break;
    node = node.get(key, true);
    if (isCollection(node) && node.flow && node.items.length === 0) node.flow = false;
  }
  if (op.op === 'remove') doc.deleteIn(path);
  else doc.setIn(path, doc.createNode(op.value) as YamlNode);
}

function listItems(v: JsonValue): JsonValue[] {
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

function lineCounter(text: string): (offset: number) => number {
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
    return lo + 1;
  };
}

