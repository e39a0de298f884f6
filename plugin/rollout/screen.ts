// What `rollout status` writes, decided from the flags and the terminal once, then fed the
// followed workloads on every change and at the end. Four ways to show a rollout: a line per
// change (a pipe or a log), a redrawn progress bar or table (a TTY), a document per change
// (-o json|yaml while watching, as kubectl get -w), or nothing until the final report. The text
// comes from printer.ts and stream.ts; this module only remembers what it already wrote.
import { OutputFormat } from '../lib/output.js';
import { paint, type Paint } from '../lib/term.js';
import { renderDetail, renderJson, renderLine, renderProblems, renderProgress, renderTable, toDocument } from './printer.js';
import { RolloutState, type RolloutView } from './status.js';
import { streamChange, type StreamFormat } from './stream.js';
import { viewsOf, type Tracked } from './tracking.js';
import { workloadKey } from '../kube/workloads.js';

/** How the output was asked for, and where it goes. */
export interface ScreenOptions {
  output: OutputFormat;
  watch: boolean;
  /** -o json|yaml with --watch: only the final document. */
  finalOnly?: boolean;
  color: boolean;
  isTTY: boolean;
  columns?: number;
  /** One named workload: its document is the view itself, not a list. */
  single: boolean;
  /** Followed across namespaces (-A): each line and row names its namespace. */
  namespaces?: boolean;
  /** The YAML writer, passed in so YAML loads only when asked for. */
  yaml?: (doc: unknown) => string;
}

const CLEAR = (lines: number): string => `\x1b[${lines}A\x1b[0J`;

/** Rows of the live table on a TTY before the rolled-out ones are folded into one line. */
export const LIVE_ROWS = 20;

const keyOfView = (v: RolloutView): string => workloadKey(v.kind, v.namespace, v.name);

/** The live table's rows: every view while they fit, else those not rolled out and a count of the rest. */
export function liveRows(views: readonly RolloutView[]): { rows: RolloutView[]; folded: number } {
  if (views.length <= LIVE_ROWS) return { rows: [...views], folded: 0 };
  const rows = views.filter((v) => v.rollout_status !== RolloutState.Completed);
  return { rows, folded: views.length - rows.length };
}

/** The text for each change and for the end, remembering what it wrote (lines, documents, the screen). */
export class Screen {
  private readonly p: Paint;
  /** Redrawn in place on a TTY. */
  readonly live: boolean;
  private readonly stream: StreamFormat | undefined;
  private streamed: RolloutView[] | undefined;
  private drawnLines = 0;
  private readonly lastLine = new Map<string, string>();
  /** What a view's JSON or YAML document is: the view itself, or (rolling back) the failure with its rollback. */
  private documentOf: (v: RolloutView) => RolloutView = (v) => v;

  constructor(private readonly o: ScreenOptions) {
    this.p = paint(o.color);
    this.live = o.output === OutputFormat.text && o.watch && o.isTTY;
    this.stream = !o.watch || o.finalOnly ? undefined : streamFormat(o);
  }

  /** Whether the output is a stream of JSON or YAML documents, one per change. */
  get streams(): boolean {
    return this.stream !== undefined;
  }

  /** Whether the output is one JSON or YAML document, written at the end only. */
  get holdsFinal(): boolean {
    return this.o.output !== OutputFormat.text && this.stream === undefined;
  }

  /** From now on the views are a rollback's: documents become `documentOf(view)`; the report
   * written so far stays on the screen (the stream goes on: NDJSON lines, YAML `---`). */
  rollingBack(documentOf: (v: RolloutView) => RolloutView): void {
    this.documentOf = documentOf;
    this.drawnLines = 0;
  }

  /** The text to write after a change ('' when nothing a reader watches changed). */
  change(tracked: readonly Tracked[]): string {
    if (this.stream) return this.emit(tracked);
    if (this.o.output !== OutputFormat.text || !this.o.watch) return '';
    if (this.live) return this.redraw(tracked);
    return this.lines(tracked);
  }

  /** The final report, replacing the live display. */
  final(tracked: readonly Tracked[]): string {
    const erase = this.live && this.drawnLines ? CLEAR(this.drawnLines) : '';
    return erase + this.report(tracked);
  }

  private report(tracked: readonly Tracked[]): string {
    const vs = viewsOf(tracked);
    if (this.stream) return this.emit(tracked);
    if (this.o.output === OutputFormat.json || this.o.output === OutputFormat.yaml) {
      if (!vs.length) return '';
      const doc = toDocument(vs.map(this.documentOf), this.o.single);
      return this.o.output === OutputFormat.json ? renderJson(doc) : this.o.yaml!(doc);
    }
    const logged = this.o.watch && !this.live;
    if (tracked.length === 1 && vs.length === 1) {
      const v = vs[0]!;
      if (!logged) return renderDetail(v, { paint: this.p });
      const line = renderLine(v);
      return (line !== this.lastLine.get(keyOfView(v)) ? line : '') + (v.rollout_status !== RolloutState.Completed ? renderProblems(v) : '');
    }
    if (!vs.length) return '';
    return (logged ? this.lines(tracked) : '') + renderTable(vs, { paint: this.p, namespaces: this.o.namespaces === true });
  }

  private emit(tracked: readonly Tracked[]): string {
    const vs = viewsOf(tracked).map(this.documentOf);
    const text = streamChange(this.streamed, vs, this.stream!);
    if (text === undefined) return '';
    this.streamed = vs;
    return text;
  }

  private redraw(tracked: readonly Tracked[]): string {
    const only = tracked.length === 1 ? tracked[0]!.view : undefined;
    const text = only ? renderProgress(only, { paint: this.p, width: this.o.columns }) : this.liveTable(viewsOf(tracked));
    const erase = this.drawnLines ? CLEAR(this.drawnLines) : '';
    this.drawnLines = text.split('\n').length - 1;
    return erase + text;
  }

  /** One row a workload while watching; past LIVE_ROWS, the rolled-out ones are one line. */
  private liveTable(views: readonly RolloutView[]): string {
    const { rows, folded } = liveRows(views);
    const table = rows.length ? renderTable(rows, { paint: this.p, namespaces: this.o.namespaces === true }) : '';
    return folded ? `${table}${this.p.dim(`… and ${folded} rolled out`)}\n` : table;
  }

  /** kubectl's style: a line per workload whenever its line changes (across namespaces, after its namespace). */
  private lines(tracked: readonly Tracked[]): string {
    let out = '';
    for (const t of tracked) {
      if (!t.view) continue;
      const key = keyOfView(t.view);
      const line = renderLine(t.view);
      if (line === this.lastLine.get(key)) continue;
      out += this.o.namespaces ? `${t.view.namespace}: ${line}` : line;
      this.lastLine.set(key, line);
    }
    return out;
  }
}

function streamFormat(o: ScreenOptions): StreamFormat | undefined {
  if (o.output === OutputFormat.json) return { format: OutputFormat.json, single: o.single };
  if (o.output === OutputFormat.yaml) return { format: OutputFormat.yaml, single: o.single, yaml: o.yaml! };
  return undefined;
}
