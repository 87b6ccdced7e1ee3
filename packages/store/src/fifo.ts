/** An array-backed FIFO with O(1) push/shift (the put and flush waiter queues). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item (oldest first). */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }

  /** Removes items from the tail while `pred` holds; returns them, oldest first. */
  popTailWhile(pred: (item: T) => boolean): T[] {
    const out: T[] = [];
    while (this.items.length > this.head) {
      const last = this.items[this.items.length - 1] as T;
      if (!pred(last)) break;
      this.items.pop();
      out.push(last);
    }
    return out.reverse();
  }
}
