/**
 * A growable ring buffer: O(1) push and shift. Array#shift is O(n) once V8
 * stops special-casing the array, and executor queues hold thousands.
 */
export class Fifo<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.buf = new Array<T | undefined>(cap);
  }

  get length(): number {
    return this.size;
  }

  push(value: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = value;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size--;
    return value;
  }

  /** Visits items oldest first without removing them. */
  forEach(visit: (value: T) => void): void {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.size; i++) visit(this.buf[(this.head + i) & mask] as T);
  }

  clear(): void {
    this.buf.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
