/**
 * The first `limit` items of many ordered streams, holding no more than `limit` at any time: a max-heap
 * of the kept ones, whose top is the bar a new item must come before. A stream whose next item does not
 * is not read further (its later items come later still).
 */
export class Earliest<T> {
  private readonly heap: T[] = [];
  private readonly limit: number;
  /** Negative when a comes first; a total order (ties broken), so the result does not depend on arrival. */
  private readonly compare: (a: T, b: T) => number;

  constructor(limit: number, compare: (a: T, b: T) => number) {
    this.limit = limit;
    this.compare = compare;
  }

  /** Takes items from an ordered stream while they come before the bar; how many it read, the refused one included. */
  takeWhileEarlier(stream: Iterable<T>): number {
    let read = 0;
    for (const item of stream) {
      read++;
      if (!this.offer(item)) break;
    }
    return read;
  }

  /** Sorted, earliest first. */
  sorted(): T[] {
    return [...this.heap].sort(this.compare);
  }

  private offer(item: T): boolean {
    if (this.heap.length < this.limit) {
      this.heap.push(item);
      this.siftUp(this.heap.length - 1);
      return true;
    }
    const top = this.heap[0];
    if (top === undefined || this.compare(item, top) >= 0) return false;
    this.heap[0] = item;
    this.siftDown(0);
    return true;
  }

  private siftUp(index: number): void {
    const { heap } = this;
    for (let i = index; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.compare(heap[i] as T, heap[parent] as T) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent] as T, heap[i] as T];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const { heap } = this;
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && this.compare(heap[left] as T, heap[largest] as T) > 0) largest = left;
      if (right < heap.length && this.compare(heap[right] as T, heap[largest] as T) > 0) largest = right;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest] as T, heap[i] as T];
      i = largest;
    }
  }
}
