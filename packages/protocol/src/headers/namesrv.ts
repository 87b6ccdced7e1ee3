/**
 * NameServer request and response headers (common/.../protocol/header/namesrv).
 *
 * Wire grammar: every header is `extFields`, a string map. Codes without a
 * header here carry none: GET_BROKER_CLUSTER_INFO 106,
 * GET_ALL_TOPIC_LIST_FROM_NAMESERVER 206, GET_SYSTEM_TOPIC_LIST_FROM_NS 304,
 * GET_UNIT_TOPIC_LIST 311, GET_HAS_UNIT_SUB_TOPIC_LIST 312,
 * GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST 313, UPDATE_NAMESRV_CONFIG 318 (body:
 * properties text), GET_NAMESRV_CONFIG 319.
 *
 *   100 PUT_KV_CONFIG        namespace key value            -> -
 *   101 GET_KV_CONFIG        namespace key                  -> value?
 *   102 DELETE_KV_CONFIG     namespace key                  -> -
 *   103 REGISTER_BROKER      brokerName brokerAddr clusterName haServerAddr brokerId
 *                            heartbeatTimeoutMillis? enableActingMaster? (5.x)
 *                            compressed bodyCrc32           -> haServerAddr? masterAddr?
 *   104 UNREGISTER_BROKER    brokerName brokerAddr clusterName brokerId
 *   105 GET_ROUTEINFO_BY_TOPIC topic acceptStandardJsonOnly?
 *   205 WIPE_WRITE_PERM_OF_BROKER brokerName                 -> wipeTopicCount
 *   216 DELETE_TOPIC_IN_NAMESRV topic clusterName?
 *   217 REGISTER_TOPIC_IN_NAMESRV (5.x) topic; body TopicRouteData
 *   219 GET_KVLIST_BY_NAMESPACE namespace
 *   224 GET_TOPICS_BY_CLUSTER cluster
 *   322 QUERY_DATA_VERSION   brokerName brokerAddr clusterName brokerId; body DataVersion -> changed
 *   327 ADD_WRITE_PERM_OF_BROKER brokerName                  -> addTopicCount
 */
import { defineHeader } from './spec.js';

export interface PutKVConfigRequestHeader {
  namespace: string;
  key: string;
  value: string;
}
const putKVConfig = defineHeader<PutKVConfigRequestHeader>('PutKVConfigRequestHeader', {
  namespace: { type: 'string', presence: 'required' },
  key: { type: 'string', presence: 'required' },
  value: { type: 'string', presence: 'required' },
});
export const decodePutKVConfigRequestHeader = putKVConfig.decode;
export const encodePutKVConfigRequestHeader = putKVConfig.encode;

export interface GetKVConfigRequestHeader {
  namespace: string;
  key: string;
}
const getKVConfig = defineHeader<GetKVConfigRequestHeader>('GetKVConfigRequestHeader', {
  namespace: { type: 'string', presence: 'required' },
  key: { type: 'string', presence: 'required' },
});
export const decodeGetKVConfigRequestHeader = getKVConfig.decode;
export const encodeGetKVConfigRequestHeader = getKVConfig.encode;

export interface GetKVConfigResponseHeader {
  value?: string;
}
const getKVConfigResponse = defineHeader<GetKVConfigResponseHeader>('GetKVConfigResponseHeader', {
  value: { type: 'string', presence: 'optional' },
});
export const decodeGetKVConfigResponseHeader = getKVConfigResponse.decode;
export const encodeGetKVConfigResponseHeader = getKVConfigResponse.encode;

export interface DeleteKVConfigRequestHeader {
  namespace: string;
  key: string;
}
const deleteKVConfig = defineHeader<DeleteKVConfigRequestHeader>('DeleteKVConfigRequestHeader', {
  namespace: { type: 'string', presence: 'required' },
  key: { type: 'string', presence: 'required' },
});
export const decodeDeleteKVConfigRequestHeader = deleteKVConfig.decode;
export const encodeDeleteKVConfigRequestHeader = deleteKVConfig.encode;

export interface RegisterBrokerRequestHeader {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  haServerAddr: string;
  brokerId: number;
  /** 5.x: how long the NameServer may go without hearing from this broker before dropping it. */
  heartbeatTimeoutMillis?: number;
  /** 5.x: the broker takes part in slave acting master. */
  enableActingMaster?: boolean;
  /** The body is the deflated form of RegisterBrokerBody (see body/register.ts). */
  compressed: boolean;
  /** CRC32 of the body & 0x7FFFFFFF; 0 means "not checked". Java always sends it. */
  bodyCrc32?: number;
}
const registerBroker = defineHeader<RegisterBrokerRequestHeader>('RegisterBrokerRequestHeader', {
  brokerName: { type: 'string', presence: 'required' },
  brokerAddr: { type: 'string', presence: 'required' },
  clusterName: { type: 'string', presence: 'required' },
  haServerAddr: { type: 'string', presence: 'required' },
  brokerId: { type: 'long', presence: 'required' },
  heartbeatTimeoutMillis: { type: 'long', presence: 'optional' },
  enableActingMaster: { type: 'boolean', presence: 'optional' },
  compressed: { type: 'boolean', presence: 'primitive' },
  bodyCrc32: { type: 'int', presence: 'optional' },
});
export const decodeRegisterBrokerRequestHeader = registerBroker.decode;
export const encodeRegisterBrokerRequestHeader = registerBroker.encode;

export interface RegisterBrokerResponseHeader {
  haServerAddr?: string;
  masterAddr?: string;
}
const registerBrokerResponse = defineHeader<RegisterBrokerResponseHeader>('RegisterBrokerResponseHeader', {
  haServerAddr: { type: 'string', presence: 'optional' },
  masterAddr: { type: 'string', presence: 'optional' },
});
export const decodeRegisterBrokerResponseHeader = registerBrokerResponse.decode;
export const encodeRegisterBrokerResponseHeader = registerBrokerResponse.encode;

export interface UnRegisterBrokerRequestHeader {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  brokerId: number;
}
const unregisterBroker = defineHeader<UnRegisterBrokerRequestHeader>('UnRegisterBrokerRequestHeader', {
  brokerName: { type: 'string', presence: 'required' },
  brokerAddr: { type: 'string', presence: 'required' },
  clusterName: { type: 'string', presence: 'required' },
  brokerId: { type: 'long', presence: 'required' },
});
export const decodeUnRegisterBrokerRequestHeader = unregisterBroker.decode;
export const encodeUnRegisterBrokerRequestHeader = unregisterBroker.encode;

export interface GetRouteInfoRequestHeader {
  topic: string;
  /** 4.9.4+: ask for standard JSON (quoted numeric keys) even from an old-version request. */
  acceptStandardJsonOnly?: boolean;
}
const getRouteInfo = defineHeader<GetRouteInfoRequestHeader>('GetRouteInfoRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  acceptStandardJsonOnly: { type: 'boolean', presence: 'optional' },
});
export const decodeGetRouteInfoRequestHeader = getRouteInfo.decode;
export const encodeGetRouteInfoRequestHeader = getRouteInfo.encode;

export interface WipeWritePermOfBrokerRequestHeader {
  brokerName: string;
}
const wipeWritePerm = defineHeader<WipeWritePermOfBrokerRequestHeader>('WipeWritePermOfBrokerRequestHeader', {
  brokerName: { type: 'string', presence: 'required' },
});
export const decodeWipeWritePermOfBrokerRequestHeader = wipeWritePerm.decode;
export const encodeWipeWritePermOfBrokerRequestHeader = wipeWritePerm.encode;

export interface WipeWritePermOfBrokerResponseHeader {
  wipeTopicCount: number;
}
const wipeWritePermResponse = defineHeader<WipeWritePermOfBrokerResponseHeader>('WipeWritePermOfBrokerResponseHeader', {
  wipeTopicCount: { type: 'int', presence: 'required' },
});
export const decodeWipeWritePermOfBrokerResponseHeader = wipeWritePermResponse.decode;
export const encodeWipeWritePermOfBrokerResponseHeader = wipeWritePermResponse.encode;

export interface AddWritePermOfBrokerRequestHeader {
  brokerName: string;
}
const addWritePerm = defineHeader<AddWritePermOfBrokerRequestHeader>('AddWritePermOfBrokerRequestHeader', {
  brokerName: { type: 'string', presence: 'required' },
});
export const decodeAddWritePermOfBrokerRequestHeader = addWritePerm.decode;
export const encodeAddWritePermOfBrokerRequestHeader = addWritePerm.encode;

export interface AddWritePermOfBrokerResponseHeader {
  addTopicCount: number;
}
const addWritePermResponse = defineHeader<AddWritePermOfBrokerResponseHeader>('AddWritePermOfBrokerResponseHeader', {
  addTopicCount: { type: 'int', presence: 'required' },
});
export const decodeAddWritePermOfBrokerResponseHeader = addWritePermResponse.decode;
export const encodeAddWritePermOfBrokerResponseHeader = addWritePermResponse.encode;

export interface DeleteTopicFromNamesrvRequestHeader {
  topic: string;
  /** 4.9.x tip: delete only from this cluster's brokers. */
  clusterName?: string;
}
const deleteTopicFromNamesrv = defineHeader<DeleteTopicFromNamesrvRequestHeader>('DeleteTopicFromNamesrvRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  clusterName: { type: 'string', presence: 'optional' },
});
export const decodeDeleteTopicFromNamesrvRequestHeader = deleteTopicFromNamesrv.decode;
export const encodeDeleteTopicFromNamesrvRequestHeader = deleteTopicFromNamesrv.encode;

/** REGISTER_TOPIC_IN_NAMESRV (217), 5.x; the body is the topic's TopicRouteData. */
export interface RegisterTopicRequestHeader {
  topic: string;
}
const registerTopic = defineHeader<RegisterTopicRequestHeader>('RegisterTopicRequestHeader', {
  topic: { type: 'string', presence: 'required' },
});
export const decodeRegisterTopicRequestHeader = registerTopic.decode;
export const encodeRegisterTopicRequestHeader = registerTopic.encode;

export interface GetKVListByNamespaceRequestHeader {
  namespace: string;
}
const getKVList = defineHeader<GetKVListByNamespaceRequestHeader>('GetKVListByNamespaceRequestHeader', {
  namespace: { type: 'string', presence: 'required' },
});
export const decodeGetKVListByNamespaceRequestHeader = getKVList.decode;
export const encodeGetKVListByNamespaceRequestHeader = getKVList.encode;

export interface GetTopicsByClusterRequestHeader {
  cluster: string;
}
const getTopicsByCluster = defineHeader<GetTopicsByClusterRequestHeader>('GetTopicsByClusterRequestHeader', {
  cluster: { type: 'string', presence: 'required' },
});
export const decodeGetTopicsByClusterRequestHeader = getTopicsByCluster.decode;
export const encodeGetTopicsByClusterRequestHeader = getTopicsByCluster.encode;

export interface QueryDataVersionRequestHeader {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  brokerId: number;
}
const queryDataVersion = defineHeader<QueryDataVersionRequestHeader>('QueryDataVersionRequestHeader', {
  brokerName: { type: 'string', presence: 'required' },
  brokerAddr: { type: 'string', presence: 'required' },
  clusterName: { type: 'string', presence: 'required' },
  brokerId: { type: 'long', presence: 'required' },
});
export const decodeQueryDataVersionRequestHeader = queryDataVersion.decode;
export const encodeQueryDataVersionRequestHeader = queryDataVersion.encode;

export interface QueryDataVersionResponseHeader {
  changed: boolean;
}
const queryDataVersionResponse = defineHeader<QueryDataVersionResponseHeader>('QueryDataVersionResponseHeader', {
  changed: { type: 'boolean', presence: 'required' },
});
export const decodeQueryDataVersionResponseHeader = queryDataVersionResponse.decode;
export const encodeQueryDataVersionResponseHeader = queryDataVersionResponse.encode;

/** Codecs by name, for tests and generic tooling. */
export const namesrvHeaderCodecs = {
  putKVConfig,
  getKVConfig,
  getKVConfigResponse,
  deleteKVConfig,
  registerBroker,
  registerBrokerResponse,
  unregisterBroker,
  getRouteInfo,
  wipeWritePerm,
  wipeWritePermResponse,
  addWritePerm,
  addWritePermResponse,
  deleteTopicFromNamesrv,
  registerTopic,
  getKVList,
  getTopicsByCluster,
  queryDataVersion,
  queryDataVersionResponse,
} as const;
