import { existsSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR, SECRETS_FILE } from './log-sink.ts';

/** Starts each integration run with no logs, and afterwards checks that no secret was logged. */
export function setup(): void {
  rmSync(LOG_DIR, { recursive: true, force: true });
  rmSync(SECRETS_FILE, { force: true });
  mkdirSync(LOG_DIR, { recursive: true });
}

export function teardown(): void {
  if (!existsSync(SECRETS_FILE) || !existsSync(LOG_DIR)) return;
  const secrets = [...new Set(readFileSync(SECRETS_FILE, 'utf8').split('\n').filter(Boolean))];
  const leaks: string[] = [];
  for (const file of readdirSync(LOG_DIR)) {
    const text = readFileSync(join(LOG_DIR, file), 'utf8');
    for (const secret of secrets) {
      if (text.includes(secret)) leaks.push(`${file} contains a secret starting "${secret.slice(0, 4)}…"`);
    }
  }
  if (leaks.length) throw new Error(`Secrets found in log output:\n${leaks.join('\n')}`);
  console.log(
    `log scan: ${secrets.length} secrets checked against ${readdirSync(LOG_DIR).length} log files, none found`,
  );
}
