export { RemotingServer } from './server.js';
export type { RemotingServerInit, RemotingEvents } from './server.js';
export { RemotingClient } from './client.js';
export type { RemotingClientInit } from './client.js';
export type { Channel, ChannelCloseInfo, ChannelCloseReason } from './channel.js';
export {
  ProcessorRegistry,
  OVERLOAD_REMARK,
  REJECT_REQUEST_REMARK,
  requestNotSupportedRemark,
} from './processor.js';
export type { RequestHandler, ProcessorOptions } from './processor.js';
export { BoundedExecutor, defaultBoundedExecutorOptions } from './executor.js';
export type { Executor, Task, BoundedExecutorOptions } from './executor.js';
export {
  defaultRemotingServerOptions,
  defaultRemotingClientOptions,
  parseRemotingServerOptions,
  parseRemotingClientOptions,
} from './options.js';
export type { ChannelOptions, RemotingServerOptions, RemotingClientOptions } from './options.js';
export { parseAddress, formatAddress } from './address.js';
export type { HostPort } from './address.js';
