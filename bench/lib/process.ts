import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A child process of the benchmark (the connector, or the bare worker), with its peak memory. */
export interface BenchProcess {
  child: ChildProcess;
  output: () => string;
  /** Peak resident set size so far, in MB (Linux VmHWM). */
  peakRssMb(): number;
  /** CPU time used so far (user + system), in seconds (Linux /proc/<pid>/stat). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <entry> …args` (bench code run from source) with the environment given (and PATH). */
export function startProcess(entry: string, args: string[], env: Record<string, string>): BenchProcess {
  // BENCH_NODE_ARGS passes flags to the measured processes (e.g. "--cpu-prof" to profile them).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return watch(
    spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry, ...args], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * Starts the connector exactly as `npm start` does: its `start` script from package.json (build
 * the bundle, then `exec node … dist/main.js`) under `sh -c`. The shell execs node, so the child's
 * pid is the connector's own and its memory is what is measured (npm's wrapper process is left out).
 */
export function startNpmScript(script: string, env: Record<string, string>): BenchProcess {
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
  const npmScript = scripts[script];
  if (!npmScript) throw new Error(`package.json has no "${script}" script`);
  // BENCH_NODE_ARGS goes onto the connector's own node command line (NODE_OPTIONS refuses --cpu-prof).
  const command = npmScript.replace('exec node ', `exec node ${process.env.BENCH_NODE_ARGS ?? ''} `);
  return watch(
    spawn('/bin/sh', ['-c', command], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** USER_HZ: Linux reports process CPU times in hundredths of a second on every common platform. */
const CLOCK_TICKS = 100;

function watch(child: ChildProcess): BenchProcess {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let peak = 0;
  return {
    child,
    output: () => output,
    peakRssMb: () => {
      try {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // the process is gone: keep the last figure read
      }
      return peak;
    },
    cpuSeconds: () => {
      try {
        // Fields 14 and 15 (utime, stime) in clock ticks; the command name (field 2) may hold spaces.
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      } catch {
        return 0;
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `probe` answers true (polling), or fails with the process's last output. */
export async function waitUntil(probe: () => Promise<boolean>, what: string, proc?: BenchProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: the process exited:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out\n${proc?.output() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
