/**
 * Reading trace files from disk (Node only; the parsing itself is the pure trace/reader.ts, which
 * the webview shares).
 */

import { createReadStream, readFileSync } from "node:fs";
import type { TraceEvent } from "./format";
import { fail, TraceLineParser, TraceReadError, WHAT_TO_DO, type ParsedTrace } from "./reader";

function readError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new TraceReadError(`${path}: no such file; check the path`, path, 0);
  if (code === "EISDIR") return new TraceReadError(`${path}: is a directory, not a trace file; ${WHAT_TO_DO}`, path, 0);
  if (code === "EACCES") return new TraceReadError(`${path}: permission denied; check the file's permissions`, path, 0);
  return err instanceof Error ? err : new Error(String(err));
}

/** Read a trace file synchronously (whole file in memory). */
export function readTraceFileSync(path: string): ParsedTrace {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw readError(path, err);
  }
  if (buf.length === 0) fail(path, 1, "the file is empty (a trace starts with a header line)");
  const parser = new TraceLineParser(path);
  parser.push(buf);
  return parser.end();
}

/**
 * Read a trace file, streaming it (works for traces larger than the largest string).
 * `onEvent`, when given, sees every event as it is parsed.
 */
export function readTraceFile(
  path: string,
  options: { onEvent?: (event: TraceEvent) => void; keepEvents?: boolean } = {},
): Promise<ParsedTrace> {
  return new Promise((resolve, reject) => {
    const parser = new TraceLineParser(path, options.onEvent, options.keepEvents ?? true);
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    let bytes = 0;
    stream.on("data", (chunk) => {
      try {
        bytes += chunk.length;
        parser.push(chunk as Buffer);
      } catch (err) {
        stream.destroy();
        reject(err);
      }
    });
    stream.on("error", (err) => reject(readError(path, err)));
    stream.on("end", () => {
      try {
        if (bytes === 0) fail(path, 1, "the file is empty (a trace starts with a header line)");
        resolve(parser.end());
      } catch (err) {
        reject(err);
      }
    });
  });
}
