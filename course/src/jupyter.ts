/**
 * The Jupyter messaging protocol, version 5.3, on the wire: connection files, message
 * headers, HMAC-SHA256 signatures and multipart framing. No sockets here (see `client.ts`).
 *
 * A message travels as the ZeroMQ frames
 *
 *     [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
 *
 * where `signature` = hex(HMAC-SHA256(key, header ‖ parent_header ‖ metadata ‖ content)).
 * Reference: https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
 * tslab's side of it is `node_modules/tslab/dist/jupyter.js` (`ZmqMessage`), which binds the
 * sockets, always uses SHA-256 and checks the signature of every request.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import * as net from "node:net";
import { KernelError } from "./errors.js";

/** The protocol version we speak (the one tslab announces). */
export const PROTOCOL_VERSION = "5.3";

/** The frame separating routing identities from the signed message. */
export const DELIMITER = Buffer.from("<IDS|MSG>");

/** The content of a Jupyter connection file. */
export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded message. `parent_header` is `{}` for messages that answer nothing. */
export interface Message<C = Record<string, unknown>> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** A TCP port on `ip` that nothing listens on right now (the OS picks it). */
function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, ip, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Connection details for a new kernel: five free ports on `ip` and a random 256-bit key.
 * @param kernelName written as `kernel_name`, as Jupyter does; default "seqlab".
 */
export async function createConnectionInfo(ip = "127.0.0.1", kernelName = "seqlab"): Promise<ConnectionInfo> {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort(ip));
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = [...ports];
  return {
    transport: "tcp",
    ip,
    shell_port,
    iopub_port,
    stdin_port,
    control_port,
    hb_port,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

/** The ZeroMQ address of one of the kernel's ports, e.g. `tcp://127.0.0.1:50123`. */
export function address(info: ConnectionInfo, port: number): string {
  return `${info.transport}://${info.ip}:${port}`;
}

/** hex(HMAC-SHA256(key, parts[0] ‖ parts[1] ‖ ...)). */
export function sign(key: string, parts: (string | Buffer)[]): string {
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** A new request from this client, with a fresh msg_id. */
export function createMessage<C>(msgType: string, content: C, session: string): Message<C> {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username: "seqlab",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** The frames of a signed message, after optional routing identities. */
export function encodeMessage(msg: Message<unknown>, key: string, identities: Buffer[] = []): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...identities, DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...msg.buffers];
}

/** Parses and verifies received frames; throws KernelError on a bad frame layout or signature. */
export function decodeMessage(frames: Buffer[], key: string): Message {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new KernelError(`expected a "<IDS|MSG>" frame in a kernel message, got ${frames.length} frames without it`);
  const parts = frames.slice(at + 2, at + 6);
  if (parts.length !== 4) throw new KernelError(`expected 4 message parts after the signature, got ${parts.length}`);
  const signature = frames[at + 1];
  const expected = Buffer.from(sign(key, parts));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new KernelError(`expected a message signed with the session key, got signature "${signature.toString()}"`);
  }
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString("utf8")));
  return { header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
}
