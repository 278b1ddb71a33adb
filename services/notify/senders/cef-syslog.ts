// `cef-syslog` destinations: CEF records in RFC 5424 messages, octet-counted on one TCP or TLS
// connection kept open between alerts (a syslog receiver expects a long-lived stream).
// "Delivered" means the bytes were handed to the kernel; syslog over TCP has no acknowledgement, so
// a connection the receiver has closed is detected by its `end`/`close` and reopened before writing.
import type { Socket } from 'node:net';
import type { DestinationWithSecrets } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import { openSocket } from '../../../libs/outbound/index.js';
import { formatCef, octetCountedFrame, syslogMessage } from '../formats/cef.js';
import type { SendOutcome, Sender, SenderDeps } from '../types.js';
import { errorOutcome } from './outcome.js';
import type { SenderExtras } from './webhook.js';

export function createCefSyslogSender(destination: DestinationWithSecrets, deps: SenderDeps, extras: SenderExtras = {}): Sender {
  let socket: Socket | undefined;
  let connecting: Promise<Socket> | undefined;
  // Sends run one after another so frames never interleave and one connection attempt serves all.
  let queue: Promise<unknown> = Promise.resolve();

  const connection = (): Promise<Socket> => {
    if (socket !== undefined && !socket.destroyed && socket.writable) return Promise.resolve(socket);
    connecting ??= openSocket(destination.url, {
      connectTimeoutMs: deps.timeoutMs,
      allowPrivateNetwork: destination.allowPrivateNetwork === true,
      ...(destination.caPem === undefined ? {} : { caPem: destination.caPem }),
      ...(extras.resolve === undefined ? {} : { resolve: extras.resolve }),
    })
      .then((s) => {
        const forget = (): void => {
          if (socket === s) socket = undefined;
          s.destroy();
        };
        s.on('error', forget);
        s.once('end', forget);
        s.once('close', forget);
        // A receiver never sends anything; reading lets us see its FIN as `end`.
        s.resume();
        socket = s;
        return s;
      })
      .finally(() => (connecting = undefined));
    return connecting;
  };

  const write = (s: Socket, frame: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        s.destroy();
        reject(new VigilError('destination_unreachable', `syslog write to ${destination.name} did not complete within ${deps.timeoutMs} ms`));
      }, deps.timeoutMs);
      s.write(frame, (err) => {
        clearTimeout(timer);
        if (err) reject(new VigilError('destination_unreachable', `syslog write to ${destination.name} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });

  const sendOne = async (frame: Buffer): Promise<SendOutcome> => {
    try {
      await write(await connection(), frame);
      return { kind: 'delivered', status: 0 };
    } catch (err) {
      return errorOutcome(err);
    }
  };

  return {
    send(alert, ctx) {
      const cef = formatCef(alert, { version: deps.version, idempotencyKey: ctx.idempotencyKey });
      const frame = octetCountedFrame(syslogMessage(cef, { severity: alert.severity, hostname: deps.hostname, now: ctx.now }));
      const result = queue.then(() => sendOne(frame));
      queue = result;
      return result;
    },
    async close() {
      await queue;
      const s = socket;
      socket = undefined;
      if (s === undefined || s.destroyed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          s.destroy();
          resolve();
        }, deps.timeoutMs);
        s.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        s.end();
      });
    },
  };
}
