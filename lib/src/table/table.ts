/**
 * Tables in notebooks: a danfojs `DataFrame` (or an array of records) displayed as an
 * HTML table, with a plain-text table beside it for terminals and diffs.
 *
 * ```ts
 * import * as dfd from "danfojs-node";
 * showTable(new dfd.DataFrame({ model: ["KN5", "LSTM"], perplexity: [141.2, 114.5] }));
 * ```
 */
import { display, escapeHtml } from "../notebook/display.js";
import { ArgumentError } from "../errors.js";

/** What seqlab reads of a danfojs DataFrame (so the library does not load danfojs itself). */
export interface DataFrameLike {
  columns: string[];
  index: Array<string | number>;
  values: unknown[][] | unknown[];
}

/** Options of {@link showTable} and {@link tableHtml}. */
export interface TableOptions {
  /** Digits after the decimal point for non-integer numbers. Default: 4. */
  digits?: number;
  /** Rows shown before the rest is elided. Default: 50. */
  maxRows?: number;
  /** Show the row index as the first column. Default: false for records, true for DataFrames. */
  showIndex?: boolean;
}

interface Grid {
  header: string[];
  rows: string[][];
  hidden: number;
}

/** Displays a DataFrame or records as a table output (HTML + plain text). */
export function showTable(table: DataFrameLike | Record<string, unknown>[], options: TableOptions = {}): void {
  const grid = toGrid(table, options);
  display({ "text/html": gridHtml(grid), "text/plain": gridText(grid) });
}

/** The HTML `<table class="dataframe">` for a DataFrame or records. */
export function tableHtml(table: DataFrameLike | Record<string, unknown>[], options: TableOptions = {}): string {
  return gridHtml(toGrid(table, options));
}

/** A plain-text table (columns aligned, numbers right-aligned). */
export function tableText(table: DataFrameLike | Record<string, unknown>[], options: TableOptions = {}): string {
  return gridText(toGrid(table, options));
}

function toGrid(table: DataFrameLike | Record<string, unknown>[], options: TableOptions): Grid {
  const digits = options.digits ?? 4;
  const maxRows = options.maxRows ?? 50;
  let header: string[];
  let cells: unknown[][];
  let index: Array<string | number> | undefined;
  if (Array.isArray(table)) {
    header = [...new Set(table.flatMap((r) => Object.keys(r)))];
    cells = table.map((r) => header.map((h) => r[h]));
  } else if (table && Array.isArray(table.columns) && Array.isArray(table.values)) {
    header = table.columns.map(String);
    const values = table.values;
    cells = header.length === 1 && !Array.isArray(values[0]) ? values.map((v) => [v]) : (values as unknown[][]);
    index = table.index;
  } else {
    throw new ArgumentError(`showTable: expected a danfojs DataFrame or an array of records, got ${typeof table}`);
  }
  const withIndex = options.showIndex ?? index !== undefined;
  const rows = cells.slice(0, maxRows).map((row, r) => {
    const formatted = row.map((v) => format(v, digits));
    return withIndex ? [String(index?.[r] ?? r), ...formatted] : formatted;
  });
  return { header: withIndex ? ["", ...header] : header, rows, hidden: Math.max(0, cells.length - maxRows) };
}

function format(value: unknown, digits: number): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  if (value === null || value === undefined) return "";
  return String(value);
}

function isNumeric(text: string): boolean {
  return text !== "" && !Number.isNaN(Number(text));
}

function gridHtml(grid: Grid): string {
  const head = grid.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = grid.rows
    .map((row) => `<tr>${row.map((c) => `<td${isNumeric(c) ? ' style="text-align:right"' : ""}>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("\n");
  const more = grid.hidden > 0 ? `\n<tr><td colspan="${grid.header.length}">… ${grid.hidden} more rows</td></tr>` : "";
  return `<table class="dataframe">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}${more}\n</tbody>\n</table>`;
}

function gridText(grid: Grid): string {
  const widths = grid.header.map((h, c) => Math.max(h.length, ...grid.rows.map((r) => r[c]!.length)));
  const right = grid.header.map((_, c) => grid.rows.length > 0 && grid.rows.every((r) => isNumeric(r[c]!)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const lines = [line(grid.header), widths.map((w) => "-".repeat(w)).join("  "), ...grid.rows.map(line)];
  if (grid.hidden > 0) lines.push(`… ${grid.hidden} more rows`);
  return lines.join("\n");
}
