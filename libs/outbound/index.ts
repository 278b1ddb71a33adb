export { addressKind, isPrivateAddress } from './address.js';
export { checkAddress, checkDestinationUrl, guardedLookup, parseTarget, resolveChecked, systemResolve } from './guard.js';
export type { GuardOptions, Resolve, Target } from './guard.js';
export { outboundRequest } from './request.js';
export type { OutboundOptions, OutboundRequest, OutboundResponse } from './request.js';
export { openSocket } from './socket.js';
export type { SocketOptions } from './socket.js';
export { createOutboundFetch } from './fetch.js';
export type { OutboundFetch } from './fetch.js';
