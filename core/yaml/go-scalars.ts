// Plain YAML scalars as Kubernetes reads them. kubectl, the API server and client-go's kubeconfig
// loader all go through sigs.k8s.io/yaml, which decodes with go-yaml v2 (go.yaml.in/yaml/v2,
// resolve.go): YAML 1.1 booleans and nulls, Go's strconv rules for numbers (octal 0644, 0o17,
// 0x1F, 0b101, underscores anywhere after the first character), and none of YAML 1.1's
// sexagesimal numbers or timestamps (1:30 and 2001-12-14 stay strings). Pure functions; the
// rules are mirrored line by line so each can be checked against that source.

/** What go-yaml v2 makes of a scalar: Go's types, since map keys and JSON depend on them. */
export type GoScalar =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  /** An int64. */
  | { kind: 'int'; value: bigint }
  /** A uint64 above int64's range (a valid value, but not a valid map key for sigs.k8s.io/yaml). */
  | { kind: 'uint'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'str'; value: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const NULL = ['', '~', 'null', 'Null', 'NULL'];
const INF = ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'];
const NEG_INF = ['-.inf', '-.Inf', '-.INF'];
const NAN = ['.nan', '.NaN', '.NAN'];

/** go-yaml's resolveMap: exact spellings, looked up before any number parsing. */
const SPELLED = new Map<string, GoScalar>([
  ...TRUE.map((s): [string, GoScalar] => [s, { kind: 'bool', value: true }]),
  ...FALSE.map((s): [string, GoScalar] => [s, { kind: 'bool', value: false }]),
  ...NULL.map((s): [string, GoScalar] => [s, { kind: 'null' }]),
  ...INF.map((s): [string, GoScalar] => [s, { kind: 'float', value: Infinity }]),
  ...NEG_INF.map((s): [string, GoScalar] => [s, { kind: 'float', value: -Infinity }]),
  ...NAN.map((s): [string, GoScalar] => [s, { kind: 'float', value: NaN }]),
]);

/** go-yaml's yamlStyleFloat, tried after the integer parsers fail. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat accepts of a text starting with ".": digits, "_" only between two. */
const DOT_FLOAT = /^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/;

/** The value go-yaml v2 gives an untagged plain scalar (resolve("", text)). */
export function resolvePlain(text: string): GoScalar {
  const spelled = SPELLED.get(text);
  if (spelled) return spelled;
  const first = text[0] ?? '';
  if (first === '.') {
    // resolve's '.' hint: strconv.ParseFloat on the text as written (out of range: a string).
    const f = DOT_FLOAT.test(text) ? Number(text.replace(/_/g, '')) : NaN;
    return Number.isFinite(f) ? { kind: 'float', value: f } : { kind: 'str', value: text };
  }
  if (!/[-+0-9]/.test(first)) return { kind: 'str', value: text };
  // The 'D'/'S' hints: underscores are dropped anywhere, then ParseInt(_, 0, 64), ParseUint, float.
  const plain = text.replace(/_/g, '');
  const n = parseGoInt(plain);
  if (n !== undefined) {
    if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'int', value: n };
    if (n >= 0n && n <= UINT64_MAX && !/^[-+]/.test(plain)) return { kind: 'uint', value: n };
  }
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return { kind: 'float', value: f }; // ParseFloat's ErrRange: a string
  }
  return { kind: 'str', value: text };
}

/** strconv.ParseInt(s, 0, _) without the range check: sign, then 0b/0o/0x, a leading 0 (octal), or decimal. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2] as string;
  const magnitude = body.length > 1 && body[0] === '0' && /[0-7]/.test(body[1] as string) ? BigInt(`0o${body.slice(1)}`) : BigInt(body.toLowerCase());
  return m[1] === '-' ? -magnitude : magnitude;
}

/** Whether go-yaml reads the plain text as something other than a string (yaml's tag `test`). */
export function plainKind(text: string): GoScalar['kind'] {
  return resolvePlain(text).kind;
}

/**
 * go-yaml v2's resolve(tag, text) for an explicitly tagged scalar (`!!int "0644"`), or an error
 * message as go-yaml words it. Tags other than the YAML ones leave the text a string.
 */
export function resolveTagged(tag: string, text: string): GoScalar | { error: string } {
  const short = tag.replace(/^tag:yaml\.org,2002:/, '!!');
  if (short === '!!str' || !RESOLVABLE.has(short)) return { kind: 'str', value: text };
  // A timestamp decoded into interface{} stays the text as written (go-yaml v2's compatibility rule).
  if (short === '!!timestamp' && isGoTimestamp(text)) return { kind: 'str', value: text };
  const r = resolvePlain(text);
  const got = /^[-+0-9]/.test(text) && isGoTimestamp(text) ? '!!timestamp' : shortTagOf(r);
  if (got === short) return r;
  if (short === '!!float' && r.kind === 'int') return { kind: 'float', value: Number(r.value) };
  return { error: `cannot decode ${got} \`${text}\` as a ${short}` };
}

const RESOLVABLE = new Set(['!!bool', '!!int', '!!float', '!!null', '!!timestamp']);

function shortTagOf(r: GoScalar): string {
  return r.kind === 'uint' ? '!!int' : `!!${r.kind}`;
}

/** go-yaml's parseTimestamp: YYYY- then one of time.Parse's layouts it lists. */
function isGoTimestamp(s: string): boolean {
  const date = '(\\d{4})-(\\d{1,2})-(\\d{1,2})';
  const time = '(\\d{1,2}):(\\d{1,2}):(\\d{1,2})(\\.\\d+)?';
  return new RegExp(`^${date}$|^${date}[Tt]${time}(Z|[-+]\\d{2}:\\d{2})$|^${date} ${time}$`).test(s);
}

/**
 * strconv.FormatFloat(f, 'g', -1, 32): how sigs.k8s.io/yaml turns a float map key into a string
 * (`1e6: x` becomes the key "1e+06"), with its spellings of the infinities and NaN.
 */
export function formatFloatKey(f: number): string {
  const x = Math.fround(f);
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // The shortest decimal that reads back as the same float32.
  let digits = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const s = Math.abs(x).toExponential(p - 1);
    if (Math.fround(Number(s)) === Math.abs(x)) {
      const [mant, e] = s.split('e') as [string, string];
      digits = mant.replace('.', '');
      exp = Number(e);
      break;
    }
  }
  digits = digits.replace(/0+$/, '') || '0';
  const sign = x < 0 ? '-' : '';
  // %e when the exponent is < -4 or >= 6 (the shortest form's precision is taken as 6).
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}
