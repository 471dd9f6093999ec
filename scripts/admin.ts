// `npm run admin -- create <group> <username>`: creates the group if it does not exist and an admin
// member of it, on the database the connector uses (same DATABASE_URL / DATA_DIR, migrated first).
// The password is asked twice on a terminal, without echo, or read from stdin when it is piped
// (or with --password-stdin): never from the command line, where `ps` and shell history keep it.
// Bundled into dist/admin.js by scripts/build.mjs; docs/operations.md, "First run".
import { dirname, resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { groupName } from '../apps/api/routes/groups/create.ts';
import { usernameSchema } from '../apps/api/routes/groups/members/add.ts';
import type { Caller } from '../apps/core/auth/caller.ts';
import { ConfigError, loadConfig, type Config } from '../apps/core/config.ts';
import { type Db, openDatabase } from '../apps/core/db/client.ts';
import { migrate } from '../apps/core/db/migrate.ts';
import { resolveDatabase } from '../apps/core/db/target.ts';
import { AppError } from '../apps/core/errors.ts';
import { findGroup } from '../apps/core/groups/lookup.ts';
import { addMember } from '../apps/core/groups/members.ts';
import { ROLE_PRIVILEGES } from '../apps/core/groups/roles.ts';
import { isUniqueViolation } from '../apps/core/groups/unique-violation.ts';
import { newId } from '../apps/core/ids.ts';
import { ensurePrivateDir, ensurePrivateFile } from '../apps/core/keys.ts';

const USAGE = `Usage: npm run admin -- create <group> <username> [--password-stdin]

Creates <group> if it does not exist and <username> as an admin member of it, on the database the
connector uses (DATABASE_URL, or SQLite under DATA_DIR). The password is asked twice on a terminal,
or read from the first line of stdin when it is piped (or with --password-stdin).`;

/** As the API and BOOTSTRAP_ADMIN_PASSWORD want it (NIST SP 800-63B §3.1.1.2: length, not composition). */
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

class Refusal extends Error {}

async function main(argv: string[]): Promise<void> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const [command, group, username, ...extra] = argv.filter((a) => !a.startsWith('--'));
  if (flags.has('--help') || command === 'help') return void console.log(USAGE);
  const unknown = [...flags].filter((f) => f !== '--password-stdin');
  if (command !== 'create' || !group || !username || extra.length || unknown.length) throw new Refusal(USAGE);
  const name = checked(groupName, group, 'group name');
  const user = checked(usernameSchema, username, 'username');

  const config = loadConfig();
  const password = await readPassword(flags.has('--password-stdin') || !process.stdin.isTTY);
  checkPassword(password, user);

  const db = await openMigrated(config);
  try {
    const created = await createAdmin(db, config, name, user, password);
    console.log(
      `Created ${user}, admin of the ${created.newGroup ? 'new ' : ''}group "${name}". ` +
        `Sign in at ${config.PUBLIC_URL}/console/sign-in`,
    );
  } finally {
    await db.$disconnect();
  }
}

function checked(schema: typeof groupName, value: string, what: string): string {
  const result = schema.safeParse(value);
  if (!result.success) throw new Refusal(`That ${what} is not allowed: ${result.error.issues[0]?.message}`);
  return result.data;
}

function checkPassword(password: string, username: string): void {
  if (!password) throw new Refusal('The password is empty: choose one of at least 8 characters.');
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Refusal(
      `The password is too short (${password.length} characters): use at least ${MIN_PASSWORD_LENGTH}.`,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new Refusal(`The password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  if (password.toLowerCase() === username.toLowerCase() || new Set(password).size === 1) {
    throw new Refusal('The password is too weak (the username, or one character repeated): choose another.');
  }
}

/** The database the connector uses, brought to the current schema as its start would. */
async function openMigrated(config: Config): Promise<Db> {
  const target = resolveDatabase(config);
  if (target.provider === 'sqlite') {
    // As the connector creates it (apps/core/deps.ts): the data directory and the file its user's alone.
    if (resolve(dirname(target.file)) === resolve(config.DATA_DIR)) ensurePrivateDir(config.DATA_DIR);
    if (!existsSync(target.file)) {
      mkdirSync(dirname(target.file), { recursive: true, mode: 0o700 });
      ensurePrivateFile(target.file);
    }
  }
  await migrate(target);
  return (await openDatabase(target)).db;
}

/**
 * The group (created when missing) and its new admin, through the members service the API uses
 * (apps/core/groups/members.ts): its checks and its audit row. The command line acts as the
 * system: it holds every privilege, as the operator who can run it does.
 */
async function createAdmin(db: Db, config: Config, name: string, username: string, password: string) {
  let group = await findGroup(db, name);
  let newGroup = false;
  if (!group) {
    try {
      group = await db.group.create({ data: { id: newId('grp'), name }, select: { id: true, name: true } });
      newGroup = true;
    } catch (error) {
      // Another command (or a bootstrap) created it meanwhile.
      group = isUniqueViolation(error) ? await findGroup(db, name) : null;
      if (!group) throw error;
    }
  }
  const caller: Caller = {
    groupId: group.id,
    // Audit rows name this as a system action (apps/core/audit.ts actorType), not a member's.
    kind: 'system' as Caller['kind'],
    id: 'admin-cli',
    privileges: ROLE_PRIVILEGES.admin,
  };
  try {
    await addMember({ db, config, clock: { now: () => new Date() } }, caller, { username, password, role: 'admin' });
  } catch (error) {
    if (newGroup) await db.group.delete({ where: { id: group.id } }).catch(() => undefined);
    if (error instanceof AppError && error.code === 'ALREADY_A_MEMBER') {
      throw new Refusal(`The username "${username}" is already taken in the group "${name}": nothing was changed.`);
    }
    if (error instanceof AppError && error.code === 'VALIDATION_FAILED') {
      throw new Refusal(
        `"${username}" is a former member of "${name}" with their own password: add them back from the console (Settings → Members) instead.`,
      );
    }
    throw error;
  }
  return { newGroup };
}

/** The password: asked twice without echo on a terminal, else the first line of stdin. */
async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return firstLine(await readAll(process.stdin));
  const first = await askHidden('Password for the new admin: ');
  const second = await askHidden('The same password again: ');
  if (first !== second) throw new Refusal('The two passwords differ: nothing was changed.');
  return first;
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', fail);
  });
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').replace(/\r$/, '');
}

/** Keys typed ahead of a prompt (a paste of both lines): kept for the next one. */
let typedAhead = '';

/** One line typed on the terminal, not echoed (raw mode: the program sees each key itself). */
function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  return new Promise((done, fail) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) fail(error);
      else done(typed);
    };
    const onData = (keys: string) => {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (key === '\r' || key === '\n' || key === '\u0004') {
          typedAhead = keys.slice(keys[i + 1] === '\n' ? i + 2 : i + 1);
          return finish();
        }
        if (key === '\u0003') return finish(new Refusal('Cancelled: nothing was changed.'));
        if (key === '\u007f' || key === '\b') typed = typed.slice(0, -1);
        else if (key >= ' ') typed += key;
      }
    };
    input.on('data', onData);
    const ahead = typedAhead;
    typedAhead = '';
    if (ahead) onData(ahead);
    if (input.listenerCount('data')) input.resume();
  });
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof Refusal || error instanceof ConfigError) console.error(error.message);
  else console.error(`The admin could not be created: ${(error as Error).message}`);
  process.exitCode = 1;
}
