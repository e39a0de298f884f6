// The values table of the Helm chart's README (manifests/helm/paas-webhook/README.md), written
// from the chart itself: every key of values.yaml with its default, the comment above or beside
// it, and what values.schema.json allows; keys the schema knows that values.yaml only shows
// commented out (`# max_body_bytes: ...`) are listed as unset. Pure: the two files' text in, the
// table out; plugin/release/docs.ts writes it between the README's markers and
// test/unit/docs/helm-values.test.ts fails when the README holds another.
import { parse } from 'yaml';

/** The part of a JSON Schema the table reads. */
export interface SchemaNode {
  $ref?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
}

/** The README's markers around the table. */
export const VALUES_BEGIN =
  '<!-- values: written by `make docs` from values.yaml and values.schema.json (plugin/release/helm-values.ts); test/unit/docs/helm-values.test.ts fails when this table differs. Do not edit by hand. -->';
export const VALUES_END = '<!-- values: end -->';

/** One key of values.yaml as the reader's line-by-line walk finds it. */
interface Key {
  path: string[];
  /** The comment block above it (or above the run of keys it belongs to), and the one beside it. */
  above: string;
  beside: string;
  /** Shown only as a comment (`# key: example`): unset by default. */
  commentedOut?: { example: string };
}

const KEY_LINE = /^(\s*)([A-Za-z_][\w-]*):(?:\s+(.*?))?\s*$/;
const COMMENTED_KEY = /^(\s*)#\s([A-Za-z_][\w-]*):(?:\s+(.*?))?\s*$/;
const COMMENT = /^\s*#\s?(.*)$/;

/** A value and its `# comment` beside it. */
function splitBeside(rest: string | undefined): { beside: string } {
  const m = /(?:^|\s)#\s?(.*)$/.exec(rest ?? '');
  return { beside: m ? m[1]!.trim() : '' };
}

/** The keys of values.yaml in order, each with the comments that describe it, as the file writes
 * them: a comment block above top-level keys describes the run of them below it (up to a blank
 * line or another comment: `commonLabels`, `commonAnnotations`); inside a map, a comment block
 * describes the one key below it; a comment beside a key describes that key alone. */
function keysOf(valuesYaml: string, isKey: (path: string[]) => boolean): Key[] {
  const out: Key[] = [];
  const stack: { indent: number; key: string }[] = [];
  let pending: string[] = [];
  const runs = new Map<number, string>();
  const parentAt = (indent: number) => {
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    for (const i of [...runs.keys()]) if (i > indent) runs.delete(i);
    return stack.map((s) => s.key);
  };
  let commented: Key | undefined;
  let commentedIndent = -1;
  for (const line of valuesYaml.split('\n')) {
    if (line.trim() === '') {
      pending = [];
      runs.clear();
      commented = undefined;
      continue;
    }
    const c = COMMENTED_KEY.exec(line);
    if (c && isKey([...parentAt(c[1]!.length), c[2]!])) {
      commented = { path: [...parentAt(c[1]!.length), c[2]!], above: '', beside: '', commentedOut: { example: '' } };
      commentedIndent = c[1]!.length;
      const m = /^(.*?)(?:(?:^|\s+)#\s?(.*))?$/.exec(c[3] ?? '')!;
      commented.beside = (m[2] ?? '').trim();
      commented.commentedOut!.example = m[1]!.trim();
      out.push(commented);
      continue;
    }
    const comment = COMMENT.exec(line);
    if (comment) {
      // A commented-out key's example may go on below it, indented further.
      const indent = line.length - line.trimStart().length;
      if (commented && indent === commentedIndent && /^\s+\S/.test(comment[1]!)) {
        const example = commented.commentedOut!.example;
        commented.commentedOut!.example = `${example}${example ? ' ' : ''}${comment[1]!.trim()}`;
        continue;
      }
      commented = undefined;
      pending.push(comment[1]!);
      continue;
    }
    commented = undefined;
    const k = KEY_LINE.exec(line);
    if (!k) continue;
    const indent = k[1]!.length;
    const path = [...parentAt(indent), k[2]!];
    const own = pending.join(' ').trim();
    if (own) runs.set(indent, own);
    pending = [];
    out.push({ path, above: own || (indent === 0 ? (runs.get(0) ?? '') : ''), ...splitBeside(k[3]) });
    stack.push({ indent, key: k[2]! });
  }
  return out;
}

/** The schema node of a path, its $refs followed. */
function nodeAt(schema: SchemaNode, path: readonly string[]): SchemaNode | undefined {
  let n: SchemaNode | undefined = resolve(schema, schema);
  for (const p of path) n = n?.properties?.[p] ? resolve(schema, n.properties[p]) : undefined;
  return n;
}

function resolve(root: SchemaNode, n: SchemaNode): SchemaNode {
  const ref = n.$ref && /^#\/definitions\/(.+)$/.exec(n.$ref)?.[1];
  return ref && root.definitions?.[ref] ? { ...root.definitions[ref], ...(n.description ? { description: n.description } : {}) } : n;
}

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** An integer's or number's bounds, leaving out the int32 limits every count has. */
function range(type: string, n: SchemaNode): string {
  const low = n.minimum !== undefined && n.minimum > -2147483648 ? n.minimum : undefined;
  const high = n.maximum !== undefined && n.maximum < 2147483647 ? n.maximum : undefined;
  if (low !== undefined && high !== undefined) return `${type} ${low}–${high}`;
  return `${type}${low !== undefined ? ` ≥ ${low}` : ''}${high !== undefined ? ` ≤ ${high}` : ''}`;
}

/** A type in a few words: its bounds, or what a map or a list holds. */
function typeWords(root: SchemaNode, n: SchemaNode): string {
  const type = Array.isArray(n.type) ? n.type.join(' or ') : n.type;
  if (type === 'integer' || type === 'number') return range(type, n);
  if (type === 'string' && n.pattern?.endsWith('%$')) return 'a percentage, `"N%"`';
  const extra = n.additionalProperties;
  if (type === 'object') return typeof extra === 'object' && resolve(root, extra).type === 'string' ? 'map of strings' : 'object';
  if (type === 'array') return n.items && resolve(root, n.items).type === 'string' ? 'list of strings' : 'list';
  return type ?? '';
}

/** What the schema allows at a node, in a few words. */
function allowed(root: SchemaNode, node: SchemaNode): string {
  const n = resolve(root, node);
  if (n.description) return n.description;
  if (n.enum) return n.enum.map(code).join(', ');
  const alternatives = n.oneOf ?? n.anyOf;
  if (alternatives) return alternatives.map((a) => allowed(root, a)).join(' or ');
  return typeWords(root, n);
}

/** A default as values.yaml would spell it, on one line. */
function flow(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'null';
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${flow(x)}`)
    .join(', ')}}`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function valueAt(values: unknown, path: readonly string[]): unknown {
  let v = values;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** The markdown table of the chart's values. */
export function valuesTable(valuesYaml: string, schema: SchemaNode): string {
  const values = parse(valuesYaml) as unknown;
  const keys = keysOf(valuesYaml, (path) => nodeAt(schema, path) !== undefined);
  const rows = ['| value | default | allowed | what it does |', '|---|---|---|---|'];
  for (const k of keys) {
    // Below a value the schema does not describe key by key (a map of free keys): part of that value.
    const node = nodeAt(schema, k.path);
    if (!node) continue;
    const v = valueAt(values, k.path);
    const what = [k.above, k.beside].filter(Boolean).join(' ');
    const isGroup = !k.commentedOut && node.properties !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isGroup) {
      if (what) rows.push(`| \`${k.path.join('.')}\` | | | ${cell(what)} |`);
      continue;
    }
    const shown = k.commentedOut ? 'unset' : `\`${flow(v)}\``;
    const example = k.commentedOut?.example ? ` (e.g. \`${k.commentedOut.example}\`)` : '';
    rows.push(`| \`${k.path.join('.')}\` | ${cell(shown)} | ${cell(allowed(schema, node))} | ${cell(what + example)} |`);
  }
  return `${rows.join('\n')}\n`;
}

/** The README with its values table replaced by `table`; throws when the markers are missing. */
export function withValuesTable(readme: string, table: string): string {
  const start = readme.indexOf(VALUES_BEGIN);
  const end = readme.indexOf(VALUES_END);
  if (start < 0 || end < start) throw new Error(`the chart's README has no values table markers (${VALUES_BEGIN} … ${VALUES_END})`);
  return `${readme.slice(0, start)}${VALUES_BEGIN}\n\n${table}\n${readme.slice(end)}`;
}

/** Every key path values.yaml sets and every property the schema declares, for the test to compare. */
export function allKeys(valuesYaml: string, schema: SchemaNode): { values: string[]; schema: string[] } {
  const fromValues: string[] = [];
  const walk = (v: unknown, path: string[]) => {
    const node = nodeAt(schema, path);
    if (path.length) fromValues.push(path.join('.'));
    if (node?.properties && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k]);
    }
  };
  walk(parse(valuesYaml) as unknown, []);
  const fromSchema: string[] = [];
  const props = (n: SchemaNode | undefined, path: string[]) => {
    for (const [k, p] of Object.entries(n?.properties ?? {})) {
      fromSchema.push([...path, k].join('.'));
      props(resolve(schema, p), [...path, k]);
    }
  };
  props(schema, []);
  return { values: fromValues, schema: fromSchema };
}
