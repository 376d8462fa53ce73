/**
 * A TCP connection that speaks frames: reads are split into frames by a
 * {@linkcode FrameDecoder}; writes are queued and coalesced, so many small
 * frames leave in one syscall, and partial writes are completed.
 *
 * @module
 */
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from "./wire.ts";

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_BATCH_BYTES = 256 * 1024;

/** A framed TCP connection used by both ends of a cluster link. */
export class FramedConn {
  /** The socket. */
  readonly conn: Deno.Conn;
  readonly #decoder: FrameDecoder;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #writing = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];
  #writeError: unknown;

  /** Wraps a connected socket; frame bodies above `maxFrameBytes` are protocol errors. */
  constructor(conn: Deno.Conn, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.conn = conn;
    this.#decoder = new FrameDecoder(maxFrameBytes);
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
  }

  /** Whether {@linkcode FramedConn.close} was called or a write failed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued and not yet written to the socket. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The error that ended writing, if any. */
  get writeError(): unknown {
    return this.#writeError;
  }

  /**
   * Yields every whole frame read (length prefix included) until the peer
   * closes or the connection is closed. Throws a `ProtocolError` on an
   * oversized frame; read errors after a local close end the stream quietly.
   */
  async *frames(): AsyncGenerator<Uint8Array> {
    const buf = new Uint8Array(READ_BUFFER_BYTES);
    for (;;) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
      if (n === null) return;
      for (const frame of this.#decoder.push(buf.subarray(0, n))) yield frame;
    }
  }

  /** Queues bytes (one or more whole frames) to be written; a no-op once closed. */
  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (!this.#writing) this.#pump();
  }

  /** Resolves once everything queued has been written (or the connection closed). */
  drained(): Promise<void> {
    if (this.#queuedBytes === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Closes the socket; queued bytes are discarded. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    this.#wakeDrainWaiters();
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#takeBatch();
        let offset = 0;
        while (offset < batch.length) offset += await this.conn.write(batch.subarray(offset));
        if (!this.#closed) this.#queuedBytes -= batch.length;
      }
    } catch (error) {
      if (!this.#closed) {
        this.#writeError = error;
        this.close();
      }
    } finally {
      this.#writing = false;
      if (this.#queuedBytes === 0) this.#wakeDrainWaiters();
    }
  }

  #takeBatch(): Uint8Array {
    const queue = this.#queue;
    if (queue.length === 1 || queue[0].length >= MAX_BATCH_BYTES) return queue.shift()!;
    let count = 0;
    let size = 0;
    while (count < queue.length && size + queue[count].length <= MAX_BATCH_BYTES) {
      size += queue[count++].length;
    }
    const batch = new Uint8Array(size);
    let offset = 0;
    for (const part of queue.splice(0, count)) {
      batch.set(part, offset);
      offset += part.length;
    }
    return batch;
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
