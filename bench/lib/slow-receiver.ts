import { createServer, type Server } from 'node:http';

/** A CRM that takes its time: answers every push 200 after `delayMs`, counting what it got and what it holds. */
export interface SlowReceiver {
  url: string;
  received: number;
  /** Requests received and not answered yet. */
  open: number;
  maxOpen: number;
  close(): Promise<void>;
}

export async function startSlowReceiver(delayMs: number): Promise<SlowReceiver> {
  const receiver: SlowReceiver = {
    url: '',
    received: 0,
    open: 0,
    maxOpen: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.received++;
      receiver.open++;
      receiver.maxOpen = Math.max(receiver.maxOpen, receiver.open);
      setTimeout(() => {
        receiver.open--;
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/engagements`;
  return receiver;
}
