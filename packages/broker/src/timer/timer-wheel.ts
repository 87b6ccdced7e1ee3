/**
 * The in-memory index of pending timed messages: a time wheel of one-second
 * slots kept in a min-heap of slot times, so one JS timer serves every
 * pending message whatever their number.
 *
 * Each entry is four numbers (the timer topic's queue offset, where the
 * record is in the CommitLog, its size, and its due time in ms), stored
 * flat in the slot's array: no object per message. A slot is sorted by due
 * time (then queue offset) only when it becomes the one due next, so
 * entries due within the same second still go out at their exact
 * millisecond and in arrival order.
 */

/** Slot width. Memory grows with the number of non-empty slots, precision does not depend on it. */
export const TIMER_SLOT_MS = 1000;
/** Numbers per entry: queueOffset, commitLogOffset, size, dueMs. */
const STRIDE = 4;

/** One pending timed message. */
export interface TimerEntry {
  /** Offset in the timer topic's queue: the entry's identity. */
  queueOffset: number;
  commitLogOffset: number;
  size: number;
  /** When it is due (epoch ms, TIMER_OUT_MS). */
  dueMs: number;
}

class Slot {
  /** Flat entries; the live ones are [head, data.length). */
  data: number[] = [];
  head = 0;
  sorted = true;

  get count(): number {
    return (this.data.length - this.head) / STRIDE;
  }

  sort(): void {
    if (this.sorted) return;
    const n = this.count;
    const order: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = this.head + i * STRIDE;
    const d = this.data;
    order.sort((a, b) => (d[a + 3] as number) - (d[b + 3] as number) || (d[a] as number) - (d[b] as number));
    const out: number[] = new Array<number>(n * STRIDE);
    for (let i = 0; i < n; i++) {
      const p = order[i] as number;
      const q = i * STRIDE;
      out[q] = d[p] as number;
      out[q + 1] = d[p + 1] as number;
      out[q + 2] = d[p + 2] as number;
      out[q + 3] = d[p + 3] as number;
    }
    this.data = out;
    this.head = 0;
    this.sorted = true;
  }
}

/** Binary min-heap of slot keys. */
class KeyHeap {
  private readonly a: number[] = [];

  get size(): number {
    return this.a.length;
  }

  peek(): number | undefined {
    return this.a[0];
  }

  push(k: number): void {
    const a = this.a;
    a.push(k);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as number) <= k) break;
      a[i] = a[parent] as number;
      i = parent;
    }
    a[i] = k;
  }

  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= last) break;
      a[i] = a[c] as number;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

export class TimerWheel {
  private readonly slots = new Map<number, Slot>();
  private readonly heap = new KeyHeap();
  private count = 0;

  /** Pending entries. */
  get size(): number {
    return this.count;
  }

  /** Non-empty slots (a memory figure). */
  get slotCount(): number {
    return this.slots.size;
  }

  add(queueOffset: number, commitLogOffset: number, size: number, dueMs: number): void {
    const key = Math.floor(dueMs / TIMER_SLOT_MS);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = new Slot();
      this.slots.set(key, slot);
      this.heap.push(key);
    }
    const d = slot.data;
    if (slot.sorted && d.length > slot.head) {
      const last = d.length - STRIDE;
      if ((d[last + 3] as number) > dueMs || ((d[last + 3] as number) === dueMs && (d[last] as number) > queueOffset)) slot.sorted = false;
    }
    d.push(queueOffset, commitLogOffset, size, dueMs);
    this.count++;
  }

  /** The earliest due time, or undefined when nothing is pending. */
  nextDueMs(): number | undefined {
    const slot = this.headSlot();
    if (slot === undefined) return undefined;
    slot.sort();
    return slot.data[slot.head + 3];
  }

  /**
   * Removes the entries due at or before `nowMs`, earliest first, at most
   * `max` of them, and appends them to `out`. Returns how many it took.
   */
  takeDue(nowMs: number, max: number, out: TimerEntry[]): number {
    let taken = 0;
    while (taken < max) {
      const key = this.heap.peek();
      if (key === undefined || key * TIMER_SLOT_MS > nowMs) break;
      const slot = this.slots.get(key) as Slot;
      slot.sort();
      const d = slot.data;
      while (taken < max && slot.head < d.length && (d[slot.head + 3] as number) <= nowMs) {
        const h = slot.head;
        out.push({ queueOffset: d[h] as number, commitLogOffset: d[h + 1] as number, size: d[h + 2] as number, dueMs: d[h + 3] as number });
        slot.head += STRIDE;
        taken++;
        this.count--;
      }
      if (slot.head < d.length) break;
      this.slots.delete(key);
      this.heap.pop();
    }
    return taken;
  }

  /** The smallest queue offset and the earliest due time pending (for checkpoints); O(n). */
  minima(): { queueOffset: number; dueMs: number } | undefined {
    if (this.count === 0) return undefined;
    let qo = Number.MAX_SAFE_INTEGER;
    let due = Number.MAX_SAFE_INTEGER;
    for (const slot of this.slots.values()) {
      const d = slot.data;
      for (let i = slot.head; i < d.length; i += STRIDE) {
        if ((d[i] as number) < qo) qo = d[i] as number;
        if ((d[i + 3] as number) < due) due = d[i + 3] as number;
      }
    }
    return { queueOffset: qo, dueMs: due };
  }

  clear(): void {
    this.slots.clear();
    while (this.heap.size > 0) this.heap.pop();
    this.count = 0;
  }

  private headSlot(): Slot | undefined {
    const key = this.heap.peek();
    return key === undefined ? undefined : this.slots.get(key);
  }
}
