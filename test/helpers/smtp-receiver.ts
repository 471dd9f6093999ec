import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../apps/core/net/free-port.ts';
import { rememberSecret } from './log-sink.ts';

/** One mail the server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message (headers and body) as sent. */
  raw: string;
  subject: string;
  /** The text body (after the headers), line breaks normalized. */
  text: string;
}

export interface SmtpReceiver {
  /** `smtp://user:pass@127.0.0.1:port`, as SMTP_URL takes it. */
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (the `smtp-server` package) that wants a user name and password
 * (AUTH without TLS is allowed: loopback only) and keeps every mail it accepts.
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const user = 'connector';
  const pass = `smtp-${randomBytes(9).toString('base64url')}`;
  rememberSecret(pass);
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
        const split = raw.indexOf('\n\n');
        const head = raw.slice(0, split);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: decodeWords(/^Subject: (.*(?:\n[ \t].*)*)/m.exec(head)?.[1]?.replace(/\n[ \t]/g, ' ') ?? ''),
          text: /^Content-Transfer-Encoding: quoted-printable/im.test(head)
            ? decodeQuotedPrintable(raw.slice(split + 2))
            : raw.slice(split + 2),
        });
        callback();
      });
    },
    logger: false,
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** RFC 2045 §6.7: soft line breaks go, `=XX` are bytes (UTF-8 text). */
function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); the space between two of them goes. */
function decodeWords(header: string): string {
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_all, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}
