/**
 * A worker's books on deliveries: per subscriber only an `Int32Array` of the last sequence
 * number per publisher of its topic (publisher j belongs to topic j % T, so its slot is
 * floor(j / T)), and worker-wide counters. That keeps 18,000 subscribers' state small and
 * every delivery O(1) with no allocation.
 *
 * Classification of a delivery with sequence `s` after `last`:
 * s = last + 1 is in order; s > last + 1 counts the gap as lost; s = last is a duplicate;
 * s < last is out of order and fills one counted gap (a late duplicate is taken for a late
 * arrival: the table does not keep a bitmap). Messages never received are added as lost at
 * the end from the publishers' final counts.
 *
 * @module
 */
import { LatencyHistogram } from "./latency_histogram.ts";

/** Worker-wide delivery counters and latency histogram. */
export class DeliveryBook {
  readonly topics: number;
  readonly publishers: number;
  readonly latency: LatencyHistogram = new LatencyHistogram();
  /** Receive time of the frame being scanned, epoch ms; set once per frame. */
  now = 0;
  /** Measurement window, epoch ms; deliveries outside it are tracked but not counted. */
  window_start = Infinity;
  window_end = Infinity;
  deliveries = 0;
  received = 0;
  lost = 0;
  duplicated = 0;
  out_of_order = 0;
  misrouted = 0;

  constructor(topics: number, publishers: number) {
    this.topics = topics;
    this.publishers = publishers;
  }

  /** A fresh sequence table for a subscriber of `topic`, every slot "nothing seen yet". */
  table_for(topic: number): Int32Array {
    const slots = Math.max(0, Math.ceil((this.publishers - topic) / this.topics));
    return new Int32Array(slots).fill(-1);
  }

  /** Books one delivery to a subscriber of `topic` whose table is `last`. */
  record(last: Int32Array, topic: number, publisher: number, seq: number, sent_at: number): void {
    const slot = (publisher - topic) / this.topics;
    if (slot !== (slot | 0) || slot < 0 || slot >= last.length) {
      this.misrouted++;
      return;
    }
    this.received++;
    const prev = last[slot];
    if (seq > prev) {
      this.lost += seq - prev - 1;
      last[slot] = seq;
    } else if (seq === prev) {
      this.duplicated++;
    } else {
      this.out_of_order++;
      this.lost--;
    }
    const now = this.now;
    if (now >= this.window_start && now < this.window_end) {
      this.deliveries++;
      this.latency.record(now - sent_at);
    }
  }

  /** How many deliveries a subscriber of `topic` should have got in total. */
  expected_for(topic: number, published: number[]): number {
    let sum = 0;
    for (let j = topic; j < this.publishers; j += this.topics) sum += published[j] ?? 0;
    return sum;
  }

  /** Adds as lost every message after the last one a subscriber saw. */
  settle(last: Int32Array, topic: number, published: number[]): void {
    for (let slot = 0; slot < last.length; slot++) {
      const total = published[topic + slot * this.topics] ?? 0;
      if (total - 1 > last[slot]) this.lost += total - 1 - last[slot];
    }
  }
}
