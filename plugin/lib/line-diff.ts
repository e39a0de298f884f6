// A unified diff of two short texts (pod templates as YAML), as `diff -u` writes it: a longest
// common subsequence of lines, hunks with three lines of context. Pure; O(n·m), fine for the
// hundreds of lines of a pod template.

/** One line of the edit script. */
interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', line: a[i++]! });
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ op: '+', line: b[j++]! });
    } else {
      out.push({ op: '-', line: a[i++]! });
    }
  }
  // `diff` lists a change's removed lines before its added ones.
  return reorder(out);
}

/** Within each run of changes, removals first. */
function reorder(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let run: Edit[] = [];
  const flush = (): void => {
    out.push(...run.filter((e) => e.op === '-'), ...run.filter((e) => e.op === '+'));
    run = [];
  };
  for (const e of edits) {
    if (e.op === ' ') {
      flush();
      out.push(e);
    } else run.push(e);
  }
  flush();
  return out;
}

const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

/**
 * The unified diff of `a` against `b` (both split on newlines), with `---`/`+++` headers naming
 * them; '' when they are equal.
 */
export function unifiedDiff(a: string, b: string, names: { a: string; b: string }, context = 3): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.at(-1) === '') la.pop();
  if (lb.at(-1) === '') lb.pop();
  const edits = editScript(la, lb);
  const changed = edits.map((e, k) => (e.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (!changed.length) return '';
  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const last = hunks.at(-1);
    if (last && k - last[1] <= 2 * context) last[1] = k;
    else hunks.push([k, k]);
  }
  const lines = [`--- ${names.a}`, `+++ ${names.b}`];
  for (const [first, lastChange] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(edits.length - 1, lastChange + context);
    const before = edits.slice(0, from);
    const aStart = before.filter((e) => e.op !== '+').length + 1;
    const bStart = before.filter((e) => e.op !== '-').length + 1;
    const body = edits.slice(from, to + 1);
    const aCount = body.filter((e) => e.op !== '+').length;
    const bCount = body.filter((e) => e.op !== '-').length;
    lines.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`, ...body.map((e) => `${e.op}${e.line}`));
  }
  return `${lines.join('\n')}\n`;
}
