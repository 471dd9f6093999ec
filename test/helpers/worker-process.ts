import { type ChildProcess, spawn } from 'node:child_process';
import { LogSink } from './log-sink.ts';

export interface WorkerProcess {
  child: ChildProcess;
  logs: LogSink;
  /** Resolves when the process has exited (with its code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process logged "connector started". */
  started: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `npm run start:workers` (apps/main.ts --workers) as a separate OS process with the given
 * environment, its pino output captured in test-artifacts/logs/ (scanned for secrets). Run with
 * `node --import tsx` rather than the tsx launcher, so the pid is the worker itself: SIGKILL then
 * kills exactly the process doing the work, as a crash would.
 */
export function startWorkerProcess(name: string, env: Record<string, string>): WorkerProcess {
  const logs = new LogSink(name);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts', '--workers'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(logs);
  child.stderr?.on('data', (chunk: Buffer) => logs.write(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (logs.text().includes('connector started')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      reject(new Error(`worker process exited (${code ?? signal}) before starting: ${logs.text().slice(-2000)}`));
    });
  });
  started.catch(() => undefined);
  return {
    child,
    logs,
    exited,
    started,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
