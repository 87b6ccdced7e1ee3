import type { Channel } from '@rocketmq-ts/remoting';

/** One client connection as the broker knows it (ClientChannelInfo.java). */
export interface ClientChannelInfo {
  readonly channel: Channel;
  clientId: string;
  /** LanguageCode of the client's requests. */
  language: number;
  /** The client's MQVersion ordinal. */
  version: number;
  lastUpdateTimestamp: number;
}
