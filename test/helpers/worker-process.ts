import { type ChildProcess, spawn } from 'node:child_process';
import type { FlowOptions } from '../../apps/core/deliveries/flow/flow-control.ts';
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

export interface WorkerProcessOptions {
  /**
   * Flow control's lease time and rate window, shortened: the process then runs
   * test/helpers/worker-main.ts, which starts the workers as apps/main.ts does with these options.
   */
  flow?: FlowOptions;
}

/**
 * Starts `npm run start:workers` (apps/main.ts --workers) as a separate OS process with the given
 * environment, its pino output captured in test-artifacts/logs/ (scanned for secrets). Run with
 * `node --import tsx` rather than the tsx launcher, so the pid is the worker itself: SIGKILL then
 * kills exactly the process doing the work, as a crash would.
 */
export function startWorkerProcess(
  name: string,
  env: Record<string, string>,
  options: WorkerProcessOptions = {},
): WorkerProcess {
  const logs = new LogSink(name);
  const entry = options.flow
    ? ['test/helpers/worker-main.ts', JSON.stringify(options.flow)]
    : ['apps/main.ts', '--workers'];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
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
