/**
 * From iopub messages to nbformat outputs, following Jupyter's own client (nbclient's
 * `process_message` / `output`), plus one thing JupyterLab does on screen: consecutive
 * stream messages with the same name are merged into one output, so `console.log` in a
 * loop gives one block of text, not one output per line.
 *
 * | message             | effect                                                        |
 * |---------------------|---------------------------------------------------------------|
 * | stream              | append to the last output if it is the same stream, else add  |
 * | display_data        | add; remember it under its `transient.display_id`, if any     |
 * | update_display_data | replace data/metadata of every output with that display_id    |
 * | execute_result      | add (with execution_count)                                    |
 * | error               | add                                                           |
 * | clear_output        | clear now, or before the next output when `wait` is true      |
 */
import { Message } from "./jupyter.js";
import { DisplayDataOutput, ErrorOutput, ExecuteResultOutput, joinLines, MimeBundle, Output } from "./nbformat.js";

type RichOutput = DisplayDataOutput | ExecuteResultOutput;

/** The fields of the iopub message contents we read (all optional: a kernel may omit any). */
interface IopubContent {
  name?: string;
  text?: string;
  data?: MimeBundle;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
  execution_count?: number | null;
  wait?: boolean;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Outputs by display id, across all cells of a notebook (an update may target an earlier cell). */
export class DisplayRegistry {
  private readonly byId = new Map<string, RichOutput[]>();

  /** Remembers `output` as showing display `id`. */
  add(id: string, output: RichOutput): void {
    const list = this.byId.get(id) ?? [];
    list.push(output);
    this.byId.set(id, list);
  }

  /** Sets data and metadata of every output showing display `id`. */
  update(id: string, data: MimeBundle, metadata: Record<string, unknown>): void {
    for (const output of this.byId.get(id) ?? []) {
      output.data = data;
      output.metadata = metadata;
    }
  }

  /** Forgets outputs that were cleared. */
  forget(outputs: Output[]): void {
    for (const [id, list] of this.byId) this.byId.set(id, list.filter((o) => !outputs.includes(o)));
  }
}

/** The outputs of one cell, built from its iopub messages. */
export class OutputCollector {
  /** The nbformat outputs so far (the same array is kept, so a caller may hold it). */
  readonly outputs: Output[] = [];
  /** The execution count announced by `execute_input` or `execute_result`, if any. */
  executionCount: number | null = null;
  private clearBeforeNext = false;

  constructor(private readonly displays: DisplayRegistry = new DisplayRegistry()) {}

  /** Applies one iopub message (status messages are ignored). */
  handle(msg: Message): void {
    const c = msg.content as IopubContent;
    const displayId = c.transient?.display_id;
    switch (msg.header.msg_type) {
      case "execute_input":
        this.executionCount = c.execution_count ?? this.executionCount;
        return;
      case "clear_output":
        if (c.wait) this.clearBeforeNext = true;
        else this.clear();
        return;
      case "update_display_data":
        if (displayId) this.displays.update(displayId, c.data ?? {}, c.metadata ?? {});
        return;
      case "stream":
        return this.addStream(c.name === "stderr" ? "stderr" : "stdout", String(c.text ?? ""));
      case "display_data":
        return this.addRich({ output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} }, displayId);
      case "execute_result":
        this.executionCount = c.execution_count ?? this.executionCount;
        return this.addRich(
          { output_type: "execute_result", execution_count: c.execution_count ?? null, data: c.data ?? {}, metadata: c.metadata ?? {} },
          displayId,
        );
      case "error":
        this.add({ output_type: "error", ename: String(c.ename), evalue: String(c.evalue), traceback: c.traceback ?? [] });
        return;
    }
  }

  /** The error outputs so far. */
  errors(): ErrorOutput[] {
    return this.outputs.filter((o): o is ErrorOutput => o.output_type === "error");
  }

  /** All text written to one stream so far. */
  streamText(name: "stdout" | "stderr"): string {
    return this.outputs.map((o) => (o.output_type === "stream" && o.name === name ? joinLines(o.text) : "")).join("");
  }

  private clear(): void {
    this.displays.forget(this.outputs);
    this.outputs.length = 0;
    this.clearBeforeNext = false;
  }

  private add(output: Output): void {
    if (this.clearBeforeNext) this.clear();
    this.outputs.push(output);
  }

  private addStream(name: "stdout" | "stderr", text: string): void {
    const last = this.clearBeforeNext ? undefined : this.outputs[this.outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name) last.text = joinLines(last.text) + text;
    else this.add({ output_type: "stream", name, text });
  }

  private addRich(output: RichOutput, displayId: string | undefined): void {
    if (displayId) {
      // A new display with a known id also updates the earlier ones (as nbclient does).
      this.displays.update(displayId, output.data, output.metadata);
      this.displays.add(displayId, output);
    }
    this.add(output);
  }
}
