/**
 * A small Debug Adapter Protocol client for tests: speaks DAP (Content-Length framed JSON) to an
 * adapter started as a process on stdio (`python -m debugpy.adapter`) or reached over TCP (a
 * debugpy child session's `connect` port). Requests return their response body (a failed
 * response rejects with the adapter's message); events are emitted by name and kept in `seen`.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import type { Readable, Writable } from "node:stream";

/** One DAP message. */
export interface DapMessage {
  seq: number;
  type: "request" | "response" | "event";
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  arguments?: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP bodies are JSON whose shape depends on the request; the tests read them as such
  body?: Record<string, any>;
}

/** See the file comment. */
export class DapClient extends EventEmitter {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP bodies are JSON whose shape depends on the request; the tests read them as such
  private readonly pending = new Map<number, { resolve: (b: any) => void; reject: (e: Error) => void; command: string }>();
  /** Every event received, in order. */
  readonly seen: DapMessage[] = [];
  /** Every message received and sent (for diagnostics when a test fails). */
  readonly log: string[] = [];
  private closed = false;

  private constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    readonly name: string,
    private readonly onDispose: () => void,
  ) {
    super();
    input.on("data", (chunk: Buffer) => this.onData(chunk));
    input.on("close", () => this.onClose());
    input.on("end", () => this.onClose());
    input.on("error", () => this.onClose());
  }

  /** Start an adapter process speaking DAP on stdio. */
  static spawnAdapter(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, name = "root"): { client: DapClient; proc: ChildProcess } {
    const proc = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env });
    proc.stderr!.on("data", () => undefined);
    const client = new DapClient(proc.stdout!, proc.stdin!, name, () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    });
    proc.on("exit", () => client.onClose());
    return { client, proc };
  }

  /** Connect to an adapter listening on TCP (a debugpy subprocess session). */
  static connectTcp(host: string, port: number, name: string): Promise<DapClient> {
    return new Promise((resolve, reject) => {
      const sock: Socket = connect({ host, port }, () => resolve(new DapClient(sock, sock, name, () => sock.destroy())));
      sock.once("error", reject);
    });
  }

  /** Send a request; resolves with the response body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP bodies are JSON whose shape depends on the request; the tests read them as such
  request<T = any>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.name}: connection closed before ${command}`));
    const seq = this.seq++;
    const p = new Promise<T>((resolve, reject) => this.pending.set(seq, { resolve, reject, command }));
    this.send({ seq, type: "request", command, arguments: args });
    return p;
  }

  /** Resolves with the first event named `event` (already seen ones included when `fromStart`) that matches `pred`. */
  waitEvent(event: string, pred: (m: DapMessage) => boolean = () => true, timeoutMs = 30_000, fromStart = false): Promise<DapMessage> {
    if (fromStart) {
      const m = this.seen.find((x) => x.event === event && pred(x));
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off(event, on);
        reject(new Error(`${this.name}: no "${event}" event within ${timeoutMs} ms; last messages:\n${this.log.slice(-15).join("\n")}`));
      }, timeoutMs);
      const on = (m: DapMessage) => {
        if (!pred(m)) return;
        clearTimeout(t);
        this.off(event, on);
        this.off("close", onClose);
        resolve(m);
      };
      const onClose = () => {
        clearTimeout(t);
        this.off(event, on);
        reject(new Error(`${this.name}: connection closed while waiting for "${event}"`));
      };
      if (this.closed) return onClose();
      this.on(event, on);
      this.once("close", onClose);
    });
  }

  /** Close the connection (kills an adapter process this client started). */
  dispose(): void {
    this.onDispose();
    this.onClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private send(m: Omit<DapMessage, "seq"> & { seq: number }): void {
    const json = JSON.stringify(m);
    this.log.push(`${this.name} -> ${json.slice(0, 400)}`);
    this.output.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const sep = this.buffer.indexOf("\r\n\r\n");
      if (sep < 0) return;
      const head = this.buffer.subarray(0, sep).toString("ascii");
      const m = /Content-Length:\s*(\d+)/i.exec(head);
      if (!m) {
        this.buffer = this.buffer.subarray(sep + 4);
        continue;
      }
      const len = Number(m[1]);
      if (this.buffer.length < sep + 4 + len) return;
      const body = this.buffer.subarray(sep + 4, sep + 4 + len).toString("utf8");
      this.buffer = this.buffer.subarray(sep + 4 + len);
      let msg: DapMessage;
      try {
        msg = JSON.parse(body);
      } catch {
        continue;
      }
      this.log.push(`${this.name} <- ${body.slice(0, 400)}`);
      this.dispatch(msg);
    }
  }

  private dispatch(msg: DapMessage): void {
    if (msg.type === "response") {
      const p = this.pending.get(msg.request_seq!);
      if (!p) return;
      this.pending.delete(msg.request_seq!);
      if (msg.success) p.resolve(msg.body ?? {});
      else p.reject(new Error(`${this.name}: ${p.command} failed: ${msg.message ?? "?"} ${JSON.stringify(msg.body ?? {})}`));
    } else if (msg.type === "event") {
      this.seen.push(msg);
      this.emit(msg.event!, msg);
    } else if (msg.type === "request") {
      // Reverse requests (runInTerminal, startDebugging): this client supports none.
      this.send({ seq: this.seq++, type: "response", request_seq: msg.seq, command: msg.command, success: false, message: "not supported by the test client" });
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error(`${this.name}: connection closed during ${p.command}`));
    this.pending.clear();
    this.emit("close");
  }
}
