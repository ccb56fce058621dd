/**
 * A Jupyter client for one kernel over ZeroMQ (the `zeromq` v6 package tslab itself uses).
 *
 * Sockets, as in Jupyter's own client: shell, control and stdin are Dealers, iopub is a
 * Subscriber to every topic, hb is a Request socket echoing a ping. A request is done when
 * (1) its reply arrived on shell/control and (2) the kernel published `status: idle` for it
 * on iopub; only then have all its outputs arrived (iopub and shell are not ordered together).
 */
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { KernelError } from "./errors.js";
import { address, ConnectionInfo, createMessage, decodeMessage, encodeMessage, Message } from "./jupyter.js";

/** The request channels. */
export type Channel = "shell" | "control";

/** A request in flight. */
export interface PendingRequest {
  msgId: string;
  /** Resolves with the reply (shell or control). */
  reply: Promise<Message>;
  /** Resolves with the reply once the kernel has also gone idle for this request. */
  done: Promise<Message>;
}

interface Waiter {
  onIopub?: (msg: Message) => void;
  reply?: Message;
  idle: boolean;
  resolveReply(msg: Message): void;
  resolveDone(msg: Message): void;
  reject(err: Error): void;
}

/** A promise with its resolve/reject exposed; rejections are marked handled (callers may not wait). */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The five sockets to one kernel, with replies and iopub messages routed to their request. */
export class KernelClient {
  /** The session id put in every header we send. */
  readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly stdin = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly hb = new zmq.Request({ linger: 0, relaxed: true, correlate: true });
  private readonly waiters = new Map<string, Waiter>();
  private readonly sending: Record<Channel, Promise<void>> = { shell: Promise.resolve(), control: Promise.resolve() };
  private closed = false;

  /** Connects all five sockets (ZeroMQ connects lazily; the kernel may bind later). */
  constructor(private readonly info: ConnectionInfo) {
    this.shell.connect(address(info, info.shell_port));
    this.control.connect(address(info, info.control_port));
    this.stdin.connect(address(info, info.stdin_port));
    this.iopub.connect(address(info, info.iopub_port));
    this.iopub.subscribe();
    this.hb.connect(address(info, info.hb_port));
    void this.listen(this.shell, (msg) => this.onReply(msg));
    void this.listen(this.control, (msg) => this.onReply(msg));
    void this.listen(this.iopub, (msg) => this.onIopub(msg));
  }

  private async listen(socket: zmq.Dealer | zmq.Subscriber, handle: (msg: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) handle(decodeMessage(frames, this.info.key));
    } catch (e) {
      if (!this.closed) this.fail(e instanceof Error ? e : new KernelError(String(e)));
    }
  }

  private onReply(msg: Message): void {
    const waiter = this.waiters.get(msg.parent_header.msg_id ?? "");
    if (!waiter || waiter.reply) return;
    waiter.reply = msg;
    waiter.resolveReply(msg);
    this.settle(msg.parent_header.msg_id as string, waiter);
  }

  private onIopub(msg: Message): void {
    const id = msg.parent_header.msg_id ?? "";
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    if (msg.header.msg_type !== "status") {
      waiter.onIopub?.(msg);
    } else if (msg.content.execution_state === "idle") {
      waiter.idle = true;
      this.settle(id, waiter);
    }
  }

  private settle(id: string, waiter: Waiter): void {
    if (!waiter.reply || !waiter.idle) return;
    this.waiters.delete(id);
    waiter.resolveDone(waiter.reply);
  }

  /**
   * Sends a request on `channel`.
   * @param onIopub called with every iopub message the kernel publishes for this request,
   *   except its status messages (stream, display_data, execute_result, error, ...).
   */
  request(channel: Channel, msgType: string, content: object, onIopub?: (msg: Message) => void): PendingRequest {
    if (this.closed) throw new KernelError(`expected an open kernel connection to send ${msgType}, got a closed one`);
    const msg = createMessage(msgType, content, this.session);
    const reply = deferred<Message>();
    const done = deferred<Message>();
    const waiter: Waiter = {
      onIopub,
      idle: false,
      resolveReply: reply.resolve,
      resolveDone: done.resolve,
      reject: (err) => (reply.reject(err), done.reject(err)),
    };
    this.waiters.set(msg.header.msg_id, waiter);
    // zeromq v6 allows one send in progress per socket: chain the sends.
    const socket = channel === "shell" ? this.shell : this.control;
    const frames = encodeMessage(msg, this.info.key);
    const sent = this.sending[channel].then(() => socket.send(frames));
    this.sending[channel] = sent.catch((e: Error) => waiter.reject(e));
    return { msgId: msg.header.msg_id, reply: reply.promise, done: done.promise };
  }

  /**
   * Waits until the kernel answers `kernel_info_request` AND its iopub messages reach us:
   * a subscriber misses what is published before its subscription is set up, so we repeat
   * the request until we also see its `idle` status (as Jupyter's `wait_for_ready` does).
   * A request with no reply at all is repeated after a second too: a kernel that lost it
   * (one still setting up its sockets) answers the next one.
   * @returns the kernel_info_reply content (it holds `language_info`).
   */
  async waitForReady(timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const req = this.request("shell", "kernel_info_request", {});
      const left = deadline - Date.now();
      const got = await Promise.race([
        req.done.then((m) => m),
        req.reply.then(() => sleep(Math.min(1000, left)).then(() => null)),
        sleep(Math.min(1000, left)).then(() => null),
      ]);
      this.waiters.delete(req.msgId);
      if (got) return got.content;
    }
    throw new KernelError(`expected the kernel to answer kernel_info_request within ${timeoutMs / 1000}s, got no answer`);
  }

  /** Sends a ping on the heartbeat socket; true when it is echoed within `timeoutMs`. */
  async heartbeat(timeoutMs = 1000): Promise<boolean> {
    const ping = Buffer.from(randomUUID());
    this.hb.receiveTimeout = timeoutMs;
    try {
      await this.hb.send(ping);
      const [pong] = await this.hb.receive();
      return pong.equals(ping);
    } catch {
      return false;
    }
  }

  /** Rejects every request in flight with `err`. */
  fail(err: Error): void {
    for (const waiter of this.waiters.values()) waiter.reject(err);
    this.waiters.clear();
  }

  /** Closes the sockets and rejects what is still waiting. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new KernelError("expected the kernel to answer before the connection closed, got no answer"));
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.hb]) socket.close();
  }
}
