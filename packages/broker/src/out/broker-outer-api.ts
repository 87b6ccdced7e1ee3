/**
 * The broker's calls to its NameServers (BrokerOuterAPI.java): register
 * (with the whole topic table), ask whether registering is needed (by data
 * version), unregister. Each NameServer is asked in parallel; one that is
 * down costs a timeout and a log line, never the others.
 */
import { type Logger, errorMessage, silentLogger } from '@rocketmq-ts/common';
import {
  type DataVersion,
  type RegisterBrokerResult,
  type TopicConfigSerializeWrapper,
  RequestCode,
  ResponseCode,
  createRequest,
  decodeDataVersion,
  decodeQueryDataVersionResponseHeader,
  decodeRegisterBrokerResult,
  encodeDataVersion,
  encodeQueryDataVersionRequestHeader,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerRequestHeader,
  encodeUnRegisterBrokerRequestHeader,
  javaCrc32,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

export interface BrokerIdentity {
  readonly clusterName: string;
  /** brokerIP1:listenPort. */
  readonly brokerAddr: string;
  readonly brokerName: string;
  readonly brokerId: number;
}

export interface RegisterOptions extends BrokerIdentity {
  readonly haServerAddr: string;
  readonly topicConfigWrapper: TopicConfigSerializeWrapper;
  readonly filterServerList: string[];
  readonly oneway: boolean;
  readonly timeoutMs: number;
  readonly compressed: boolean;
}

function sameVersion(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter;
}

export class BrokerOuterAPI {
  private readonly client: RemotingClient;
  private readonly log: Logger;
  private namesrvAddrs: string[] = [];

  constructor(logger: Logger = silentLogger) {
    this.log = logger.child({ component: 'namesrv-client' });
    this.client = new RemotingClient({ logger });
  }

  get nameServerAddressList(): readonly string[] {
    return this.namesrvAddrs;
  }

  updateNameServerAddressList(addrs: readonly string[]): void {
    this.namesrvAddrs = [...addrs];
  }

  /** REGISTER_BROKER to every NameServer; the results of those that answered (none for oneway). */
  async registerBrokerAll(o: RegisterOptions): Promise<RegisterBrokerResult[]> {
    if (this.namesrvAddrs.length === 0) return [];
    const body = encodeRegisterBrokerBody({ topicConfigSerializeWrapper: o.topicConfigWrapper, filterServerList: o.filterServerList }, o.compressed);
    const header = encodeRegisterBrokerRequestHeader({
      brokerName: o.brokerName,
      brokerAddr: o.brokerAddr,
      clusterName: o.clusterName,
      haServerAddr: o.haServerAddr,
      brokerId: o.brokerId,
      compressed: o.compressed,
      bodyCrc32: javaCrc32(body),
    });
    const results = await Promise.all(
      this.namesrvAddrs.map(async (addr) => {
        const request = createRequest(RequestCode.REGISTER_BROKER, { ...header }, body);
        try {
          if (o.oneway) {
            await this.client.invokeOneway(addr, request, o.timeoutMs);
            return undefined;
          }
          const response = await this.client.invoke(addr, request, o.timeoutMs);
          if (response.code !== ResponseCode.SUCCESS) {
            this.log.warn({ namesrv: addr, code: response.code, remark: response.remark }, 'registerBroker refused');
            return undefined;
          }
          this.log.debug({ namesrv: addr, brokerId: o.brokerId }, 'register broker to name server OK');
          return decodeRegisterBrokerResult(response.extFields, response.body);
        } catch (err) {
          this.log.warn({ namesrv: addr, err: errorMessage(err) }, 'registerBroker failed');
          return undefined;
        }
      }),
    );
    return results.filter((r): r is RegisterBrokerResult => r !== undefined);
  }

  /** QUERY_DATA_VERSION to every NameServer: true for each that has an older table (or could not be asked). */
  async needRegister(id: BrokerIdentity, dataVersion: DataVersion, timeoutMs: number): Promise<boolean[]> {
    const header = encodeQueryDataVersionRequestHeader({ brokerAddr: id.brokerAddr, brokerId: id.brokerId, brokerName: id.brokerName, clusterName: id.clusterName });
    const body = encodeDataVersion(dataVersion);
    const changed = await Promise.all(
      this.namesrvAddrs.map(async (addr) => {
        try {
          const response = await this.client.invoke(addr, createRequest(RequestCode.QUERY_DATA_VERSION, { ...header }, body), timeoutMs);
          if (response.code !== ResponseCode.SUCCESS) return false;
          let c = decodeQueryDataVersionResponseHeader(response.extFields).changed;
          if (response.body !== undefined && response.body.length > 0 && !sameVersion(dataVersion, decodeDataVersion(response.body))) c = true;
          return c;
        } catch (err) {
          this.log.warn({ namesrv: addr, err: errorMessage(err) }, 'query data version from name server failed');
          return true;
        }
      }),
    );
    return changed;
  }

  /** UNREGISTER_BROKER to every NameServer (clean shutdown). */
  async unregisterBrokerAll(id: BrokerIdentity, timeoutMs = 3000): Promise<void> {
    const header = encodeUnRegisterBrokerRequestHeader({ brokerAddr: id.brokerAddr, brokerId: id.brokerId, brokerName: id.brokerName, clusterName: id.clusterName });
    await Promise.all(
      this.namesrvAddrs.map(async (addr) => {
        try {
          const response = await this.client.invoke(addr, createRequest(RequestCode.UNREGISTER_BROKER, { ...header }), timeoutMs);
          if (response.code === ResponseCode.SUCCESS) this.log.info({ namesrv: addr }, 'unregisterBroker OK');
          else this.log.warn({ namesrv: addr, code: response.code, remark: response.remark }, 'unregisterBroker refused');
        } catch (err) {
          this.log.warn({ namesrv: addr, err: errorMessage(err) }, 'unregisterBroker failed');
        }
      }),
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
