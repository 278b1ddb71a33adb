// One Sender per destination type; the outbox worker (services/notify) only sees `createSender`.
import type { CreateSender } from '../types.js';
import { createCefSyslogSender } from './cef-syslog.js';
import { createHecSender } from './hec.js';
import { createWebhookSender } from './webhook.js';

export const createSender: CreateSender = (destination, deps) => {
  switch (destination.type) {
    case 'webhook':
    case 'ocsf':
      return createWebhookSender(destination, deps);
    case 'splunk-hec':
      return createHecSender(destination, deps);
    case 'cef-syslog':
      return createCefSyslogSender(destination, deps);
  }
};

export { createCefSyslogSender, createHecSender, createWebhookSender };
export type { SenderExtras } from './webhook.js';
