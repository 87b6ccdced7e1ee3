/**
 * Bits of a stored message's sysFlag, as in Apache RocketMQ's
 * common/.../sysflag/MessageSysFlag.java (identical on 4.9.x and 5.x):
 *
 *   bit 0      0x1    body compressed
 *   bit 1      0x2    multi tags (TopicFilterType.MULTI_TAG)
 *   bits 2-3   0xC    transaction type: 0 none, 0x4 prepared, 0x8 commit, 0xC rollback
 *   bit 4      0x10   born host is IPv6 (16-byte address in the record)
 *   bit 5      0x20   store host is IPv6
 *   bit 6      0x40   NEED_UNWRAP (5.x inner-batch bookkeeping; never set in a 4.9 store)
 *   bit 7      0x80   INNER_BATCH (5.x; never set in a 4.9 store)
 *   bits 8-10  0x700  compression type: 0 (= zlib, older writers), 1 LZ4, 2 ZSTD, 3 ZLIB
 *
 * Named `SysFlag` here (not MessageSysFlag) so it cannot collide with other
 * modules of this package.
 */
export const SysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_NOT_TYPE: 0,
  TRANSACTION_PREPARED_TYPE: 0x4,
  TRANSACTION_COMMIT_TYPE: 0x8,
  TRANSACTION_ROLLBACK_TYPE: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
  NEED_UNWRAP: 0x40,
  INNER_BATCH: 0x80,
  COMPRESSION_LZ4_TYPE: 0x100,
  COMPRESSION_ZSTD_TYPE: 0x200,
  COMPRESSION_ZLIB_TYPE: 0x300,
  COMPRESSION_TYPE_MASK: 0x700,
} as const;

/** The transaction bits (0, 0x4 prepared, 0x8 commit, 0xC rollback). */
export function transactionTypeOf(sysFlag: number): number {
  return sysFlag & SysFlag.TRANSACTION_ROLLBACK_TYPE;
}

/** Compression algorithms a sysFlag can name. */
export const CompressionKind = {
  ZLIB: 'ZLIB',
  LZ4: 'LZ4',
  ZSTD: 'ZSTD',
} as const;
export type CompressionKind = (typeof CompressionKind)[keyof typeof CompressionKind];

/**
 * The algorithm of a compressed body. Type 0 means zlib: writers older than
 * the compression-type bits only ever used zlib (CompressionType.findByValue).
 * Returns undefined for the unassigned values 4..7.
 */
export function compressionKindOf(sysFlag: number): CompressionKind | undefined {
  switch ((sysFlag & SysFlag.COMPRESSION_TYPE_MASK) >>> 8) {
    case 0:
    case 3:
      return CompressionKind.ZLIB;
    case 1:
      return CompressionKind.LZ4;
    case 2:
      return CompressionKind.ZSTD;
    default:
      return undefined;
  }
}
