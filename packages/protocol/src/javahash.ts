/**
 * Java's String.hashCode and HashMap iteration order.
 *
 * Tags are stored in the ConsumeQueue as the tag's String.hashCode widened to
 * a long; and a Java peer writes header fields in HashMap iteration order,
 * which follows the same hash.
 */

/** Java String.hashCode: 31-polynomial over UTF-16 code units, in int32. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The tags code a broker writes into the ConsumeQueue for a message's TAGS
 * (MessageExtBrokerInner.tagsString2tagsCode): the Java hash of the tag, a
 * signed int widened to long; 0 when there is no tag.
 */
export function tagsString2hashCode(tags: string | undefined | null): number {
  if (tags === undefined || tags === null || tags.length === 0) return 0;
  return javaStringHashCode(tags);
}

const DEFAULT_CAPACITY = 16;
const LOAD_FACTOR = 0.75;

function spread(hash: number): number {
  return hash ^ (hash >>> 16);
}

/**
 * The order a `new HashMap<String, ?>()` filled with `keys` (in that order)
 * iterates them: by bucket of the final table size, then by insertion.
 * Buckets that Java would turn into trees (8+ colliding keys) are not
 * modelled; header maps never get there.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = DEFAULT_CAPACITY;
  while (keys.length > capacity * LOAD_FACTOR) capacity *= 2;
  const mask = capacity - 1;
  return keys
    .map((key, index) => ({ key, index, bucket: spread(javaStringHashCode(key)) & mask }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.key);
}
