/**
 * The NameServer's request handlers, one per request code, with Java 4.9's
 * DefaultRequestProcessor answers (codes, remarks, bodies). Codes nobody
 * registered get REQUEST_CODE_NOT_SUPPORTED from the remoting layer, as a
 * 5.x NameServer answers them; 4.9 sends nothing back at all.
 */
import { type Logger, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  type RouteJsonStyle,
  type TopicConfigSerializeWrapper,
  RequestCode,
  ResponseCode,
  createResponse,
  decodeAddWritePermOfBrokerRequestHeader,
  decodeDataVersion,
  decodeDeleteKVConfigRequestHeader,
  decodeDeleteTopicFromNamesrvRequestHeader,
  decodeGetKVConfigRequestHeader,
  decodeGetKVListByNamespaceRequestHeader,
  decodeGetRouteInfoRequestHeader,
  decodeGetTopicsByClusterRequestHeader,
  decodePutKVConfigRequestHeader,
  decodeQueryDataVersionRequestHeader,
  decodeRegisterBrokerBody,
  decodeRegisterBrokerRequestHeader,
  decodeRegisterTopicRequestHeader,
  decodeTopicConfigSerializeWrapper,
  decodeTopicRouteData,
  decodeUnRegisterBrokerRequestHeader,
  decodeWipeWritePermOfBrokerRequestHeader,
  encodeAddWritePermOfBrokerResponseHeader,
  encodeClusterInfo,
  encodeDataVersion,
  encodeGetKVConfigResponseHeader,
  encodeKVTable,
  encodeQueryDataVersionResponseHeader,
  encodeRegisterBrokerResponseHeader,
  encodeTopicList,
  encodeWipeWritePermOfBrokerResponseHeader,
  javaCrc32,
  parseProperties,
  routeJsonStyleFor,
  serializeProperties,
} from '@rocketmq-ts/protocol';
import type { Channel, RemotingServer, RequestHandler } from '@rocketmq-ts/remoting';
import { type NameServerOptions, applyNamesrvProperties, configBlackListOf, namesrvConfigEntries } from './config.js';
import { type KVConfigStore, NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config.js';
import { type RouteTable, hasUnitFlag, hasUnitSubFlag } from './route-table.js';

/** What the handlers need from the NameServer that owns them. */
export interface NamesrvContext {
  /** The live settings; UPDATE_NAMESRV_CONFIG changes them in place. */
  readonly options: NameServerOptions;
  readonly routes: RouteTable;
  readonly kv: KVConfigStore;
  readonly log: Logger;
  /** The encoded route of `topic`, or undefined when it has none. */
  routeBody(topic: string, style: RouteJsonStyle): Buffer | undefined;
  /** Called after UPDATE_NAMESRV_CONFIG changed these keys; persists the configuration. */
  configUpdated(keys: readonly string[]): Promise<void>;
}

/** MQVersion.Version.V3_0_11's ordinal: older brokers send a bare TopicConfigSerializeWrapper. */
const V3_0_11 = 39;

/** FAQUrl.suggestTodo(FAQUrl.APPLY_TOPIC_URL), which Java appends to TOPIC_NOT_EXIST. */
const APPLY_TOPIC_TIP = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';

export function topicNotExistRemark(topic: string): string {
  return `No topic route info in name server for the topic: ${topic}${APPLY_TOPIC_TIP}`;
}

function ok(request: RemotingCommand, extFields: Record<string, string> = {}, body?: Buffer): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

function emptyWrapper(): TopicConfigSerializeWrapper {
  return { topicConfigTable: new Map(), dataVersion: { timestamp: 0, counter: 0 } };
}

/** A request we cannot serve as sent: answered SYSTEM_ERROR with this remark. */
class BadRequest extends RmqError {
  constructor(remark: string, cause?: unknown) {
    super('RMQ_ERR_PROTOCOL', remark, { responseCode: ResponseCode.SYSTEM_ERROR, remark, cause });
  }
}

/**
 * Turns a failure into the answer Java gives: a header field error or bad
 * body is SYSTEM_ERROR with a remark naming what is wrong; the server keeps
 * serving either way.
 */
function guard(ctx: NamesrvContext, code: number, handler: RequestHandler): RequestHandler {
  const answer = (request: RemotingCommand, channel: Channel, err: unknown): RemotingCommand => {
    const known = isRmqError(err) && err.responseCode !== undefined;
    const remark = known ? (err.remark ?? err.message) : errorMessage(err);
    ctx.log[known ? 'debug' : 'warn']({ code, remote: channel.remoteAddress, err: remark }, 'request refused');
    return createResponse(request, known ? err.responseCode! : ResponseCode.SYSTEM_ERROR, remark);
  };
  return (request, channel) => {
    try {
      const out = handler(request, channel);
      if (out !== undefined && typeof (out as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(out).catch((err: unknown) => answer(request, channel, err));
      }
      return out;
    } catch (err) {
      return answer(request, channel, err);
    }
  };
}

function requireBody(request: RemotingCommand, what: string): Buffer {
  if (request.body === undefined || request.body.length === 0) throw new BadRequest(`${what}: request body is missing`);
  return request.body;
}

/** Registers a handler for every request code a NameServer serves. */
export function registerNamesrvHandlers(server: RemotingServer, ctx: NamesrvContext): void {
  const { routes, kv } = ctx;
  const on = (code: number, handler: RequestHandler): void => server.registerProcessor(code, guard(ctx, code, handler));

  on(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
    const header = decodeGetRouteInfoRequestHeader(request.extFields);
    // ClusterTestRequestProcessor always writes fastjson's default form.
    const style: RouteJsonStyle = ctx.options.clusterTest ? 'fastjson' : routeJsonStyleFor(request.version, header.acceptStandardJsonOnly);
    const body = ctx.routeBody(header.topic, style);
    if (body === undefined) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, topicNotExistRemark(header.topic));
    return ok(request, {}, body);
  });

  on(RequestCode.REGISTER_BROKER, (request, channel) => {
    const header = decodeRegisterBrokerRequestHeader(request.extFields);
    const crc = header.bodyCrc32 ?? 0;
    if (crc !== 0) {
      const actual = request.body === undefined ? 0 : javaCrc32(request.body);
      if (actual !== crc) {
        ctx.log.warn({ remote: channel.remoteAddress, brokerAddr: header.brokerAddr }, 'register broker: crc32 not match');
        return createResponse(request, ResponseCode.SYSTEM_ERROR, 'crc32 not match');
      }
    }
    let wrapper = emptyWrapper();
    let filterServerList: string[] | undefined = [];
    const body = request.body !== undefined && request.body.length > 0 ? request.body : undefined;
    try {
      if (request.version < V3_0_11) {
        if (body !== undefined) wrapper = decodeTopicConfigSerializeWrapper(body);
        filterServerList = undefined;
      } else if (body !== undefined) {
        const decoded = decodeRegisterBrokerBody(body, header.compressed);
        wrapper = decoded.topicConfigSerializeWrapper;
        filterServerList = decoded.filterServerList;
      }
    } catch (err) {
      throw new BadRequest(`Failed to decode RegisterBrokerBody: ${errorMessage(err)}`, err);
    }
    const result = routes.registerBroker({
      clusterName: header.clusterName,
      brokerAddr: header.brokerAddr,
      brokerName: header.brokerName,
      brokerId: header.brokerId,
      haServerAddr: header.haServerAddr,
      topicConfigWrapper: wrapper,
      filterServerList,
      channel,
      heartbeatTimeoutMs:
        header.heartbeatTimeoutMillis !== undefined && header.heartbeatTimeoutMillis > 0
          ? header.heartbeatTimeoutMillis
          : ctx.options.brokerChannelExpiredTime,
    });
    const orderConf = kv.list(NAMESPACE_ORDER_TOPIC_CONFIG);
    return ok(
      request,
      encodeRegisterBrokerResponseHeader(result),
      orderConf === undefined ? undefined : encodeKVTable({ table: new Map(orderConf) }),
    );
  });

  on(RequestCode.UNREGISTER_BROKER, (request) => {
    const h = decodeUnRegisterBrokerRequestHeader(request.extFields);
    routes.unregisterBroker(h.clusterName, h.brokerAddr, h.brokerName, h.brokerId);
    return ok(request);
  });

  on(RequestCode.QUERY_DATA_VERSION, (request) => {
    const h = decodeQueryDataVersionRequestHeader(request.extFields);
    let dataVersion;
    try {
      dataVersion = decodeDataVersion(requireBody(request, 'QUERY_DATA_VERSION'));
    } catch (err) {
      throw err instanceof BadRequest ? err : new BadRequest(`Failed to decode DataVersion: ${errorMessage(err)}`, err);
    }
    const changed = routes.isBrokerTopicConfigChanged(h.brokerAddr, dataVersion);
    // An unchanged version counts as a heartbeat (brokers with forceRegister=false rely on it).
    if (!changed) routes.updateBrokerInfoUpdateTimestamp(h.brokerAddr);
    const stored = routes.queryBrokerTopicConfig(h.brokerAddr);
    return ok(request, encodeQueryDataVersionResponseHeader({ changed }), stored === undefined ? undefined : encodeDataVersion(stored));
  });

  on(RequestCode.GET_BROKER_CLUSTER_INFO, (request) => ok(request, {}, encodeClusterInfo(routes.clusterInfo())));

  on(RequestCode.WIPE_WRITE_PERM_OF_BROKER, (request, channel) => {
    const h = decodeWipeWritePermOfBrokerRequestHeader(request.extFields);
    const wipeTopicCount = routes.operateWritePerm(h.brokerName, 'wipe');
    ctx.log.info({ brokerName: h.brokerName, remote: channel.remoteAddress, wipeTopicCount }, 'wipe write perm of broker');
    return ok(request, encodeWipeWritePermOfBrokerResponseHeader({ wipeTopicCount }));
  });

  on(RequestCode.ADD_WRITE_PERM_OF_BROKER, (request, channel) => {
    const h = decodeAddWritePermOfBrokerRequestHeader(request.extFields);
    const addTopicCount = routes.operateWritePerm(h.brokerName, 'add');
    ctx.log.info({ brokerName: h.brokerName, remote: channel.remoteAddress, addTopicCount }, 'add write perm of broker');
    return ok(request, encodeAddWritePermOfBrokerResponseHeader({ addTopicCount }));
  });

  on(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (request) => ok(request, {}, encodeTopicList(routes.allTopicList())));

  on(RequestCode.DELETE_TOPIC_IN_NAMESRV, (request) => {
    const h = decodeDeleteTopicFromNamesrvRequestHeader(request.extFields);
    routes.deleteTopic(h.topic, h.clusterName !== undefined && h.clusterName.length > 0 ? h.clusterName : undefined);
    return ok(request);
  });

  on(RequestCode.REGISTER_TOPIC_IN_NAMESRV, (request) => {
    const h = decodeRegisterTopicRequestHeader(request.extFields);
    let route;
    try {
      route = decodeTopicRouteData(requireBody(request, 'REGISTER_TOPIC_IN_NAMESRV'));
    } catch (err) {
      throw err instanceof BadRequest ? err : new BadRequest(`Failed to decode TopicRouteData: ${errorMessage(err)}`, err);
    }
    // 5.x answers SUCCESS even when it ignores the request (unknown broker).
    routes.registerTopic(h.topic, route.queueDatas);
    return ok(request);
  });

  on(RequestCode.GET_TOPICS_BY_CLUSTER, (request) => {
    const h = decodeGetTopicsByClusterRequestHeader(request.extFields);
    return ok(request, {}, encodeTopicList(routes.topicsByCluster(h.cluster)));
  });

  on(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, (request) => ok(request, {}, encodeTopicList(routes.systemTopicList())));

  on(RequestCode.GET_UNIT_TOPIC_LIST, (request) => ok(request, {}, encodeTopicList(routes.topicsWithSysFlag(hasUnitFlag))));

  on(RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, (request) => ok(request, {}, encodeTopicList(routes.topicsWithSysFlag(hasUnitSubFlag))));

  on(RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, (request) =>
    ok(request, {}, encodeTopicList(routes.topicsWithSysFlag((f) => !hasUnitFlag(f) && hasUnitSubFlag(f)))),
  );

  on(RequestCode.PUT_KV_CONFIG, async (request) => {
    const h = decodePutKVConfigRequestHeader(request.extFields);
    kv.put(h.namespace, h.key, h.value);
    await persistKv(ctx);
    return ok(request);
  });

  on(RequestCode.GET_KV_CONFIG, (request) => {
    const h = decodeGetKVConfigRequestHeader(request.extFields);
    const value = kv.get(h.namespace, h.key);
    if (value === undefined) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace} Key: ${h.key}`);
    }
    return ok(request, encodeGetKVConfigResponseHeader({ value }));
  });

  on(RequestCode.DELETE_KV_CONFIG, async (request) => {
    const h = decodeDeleteKVConfigRequestHeader(request.extFields);
    kv.delete(h.namespace, h.key);
    await persistKv(ctx);
    return ok(request);
  });

  on(RequestCode.GET_KVLIST_BY_NAMESPACE, (request) => {
    const h = decodeGetKVListByNamespaceRequestHeader(request.extFields);
    const table = kv.list(h.namespace);
    if (table === undefined) return createResponse(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace}`);
    return ok(request, {}, encodeKVTable({ table: new Map(table) }));
  });

  on(RequestCode.GET_NAMESRV_CONFIG, (request) => ok(request, {}, serializeProperties(new Map(namesrvConfigEntries(ctx.options)))));

  on(RequestCode.UPDATE_NAMESRV_CONFIG, async (request, channel) => {
    if (request.body === undefined || request.body.length === 0) return ok(request);
    // Java reads the body back through Properties.load, i.e. as ISO-8859-1.
    const props = parseProperties(request.body);
    const blackList = configBlackListOf(ctx.options);
    if ([...props.keys()].some((k) => blackList.has(k))) {
      return createResponse(request, ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
    }
    let outcome;
    try {
      outcome = applyNamesrvProperties(ctx.options, props);
    } catch (err) {
      // Java skips a value it cannot parse without a word; we refuse the update and say which key.
      throw new BadRequest(errorMessage(err), err);
    }
    ctx.log.info({ remote: channel.remoteAddress, changed: outcome.changed, ignored: outcome.ignored }, 'update namesrv config');
    await ctx.configUpdated(outcome.changed);
    return ok(request);
  });
}

/** Java answers SUCCESS even when the file cannot be written (it only logs); so do we, after trying. */
async function persistKv(ctx: NamesrvContext): Promise<void> {
  try {
    await ctx.kv.persist();
  } catch {
    // Logged by the store.
  }
}
