import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');
export const LOG_DIR = join(ARTIFACTS_DIR, 'logs');
export const SECRETS_FILE = join(ARTIFACTS_DIR, 'secrets-used.txt');

/**
 * Captures a connector's log output: kept in memory for the test to read and appended to
 * test-artifacts/logs/, which the global teardown scans for every secret the suite used.
 */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  private readonly file: string;

  constructor(name: string) {
    super();
    mkdirSync(LOG_DIR, { recursive: true });
    this.file = join(LOG_DIR, `${name}.ndjson`);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = chunk.toString();
    this.lines.push(text);
    appendFileSync(this.file, text);
    callback();
  }

  text(): string {
    return this.lines.join('');
  }

  /** Parsed log records. */
  records(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }
}

/**
 * Registers a secret value (client secret, token, code, verifier, password) that must never
 * appear in any log; the global teardown fails the run if one does.
 */
export function rememberSecret(...values: (string | undefined | null)[]): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const value of values) if (value && value.length >= 8) appendFileSync(SECRETS_FILE, `${value}\n`);
}
