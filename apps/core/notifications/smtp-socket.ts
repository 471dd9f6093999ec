import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import type { SMTPTransportGetSocket } from 'nodemailer/lib/smtp-transport';
import { AppError } from '../errors.ts';
import { isPrivateAddress } from '../net/address-policy.ts';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the SMTP connection for nodemailer under the outbound address policy the dispatcher
 * applies to every HTTP call (apps/core/net/dispatcher.ts): a host that is, or resolves to, a
 * private, loopback, link-local or metadata address is refused, and the connected peer is judged
 * last. nodemailer then speaks SMTP (and TLS: `smtps://` or STARTTLS, checked against the host
 * name) over this socket. Used unless ALLOW_PRIVATE_TARGETS or OUTBOUND_PROXY_URL is set.
 */
export function guardedSmtpSocket(): SMTPTransportGetSocket {
  return (options, callback) => {
    const host = String(options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port) || (options.secure ? 465 : 587);
    const timeoutMs = options.connectionTimeout ?? CONNECT_TIMEOUT_MS;
    publicAddress(host).then(
      (address) => {
        const socket: Socket = connect({ host: address, port });
        const fail = (error: Error) => {
          socket.destroy();
          callback(error);
        };
        socket.setTimeout(timeoutMs, () => fail(new Error(`No connection to the SMTP server within ${timeoutMs} ms`)));
        socket.once('error', fail);
        socket.once('connect', () => {
          socket.setTimeout(0);
          socket.off('error', fail);
          const peer = socket.remoteAddress;
          if (peer && isPrivateAddress(peer)) return fail(refusal(host, peer));
          callback(null, { connection: socket });
        });
      },
      (error: Error) => callback(error),
    );
  };
}

async function publicAddress(host: string): Promise<string> {
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const refused = addresses.find(isPrivateAddress);
  if (refused) throw refusal(host, refused);
  const first = addresses[0];
  if (!first) throw new Error(`The SMTP host ${host} has no address`);
  return first;
}

function refusal(host: string, address: string): AppError {
  const where = host === address ? address : `${host} resolves to ${address}, which`;
  return new AppError(
    'PRIVATE_TARGET_REFUSED',
    `The SMTP server ${where} is a private, loopback, link-local or metadata address (set ALLOW_PRIVATE_TARGETS to allow)`,
  );
}
