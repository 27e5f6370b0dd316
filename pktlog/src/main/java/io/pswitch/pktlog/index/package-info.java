/**
 * The persistent packet log: frames stay in place in their {@code BufferPool} buffers (PASTE), and
 * a circular index of 64-byte records points at them.
 *
 * <ul>
 *   <li>Formats: {@link io.pswitch.pktlog.index.IndexFileDescriptor} (header, retention blocks,
 *       slots; explains the valid window) and {@link io.pswitch.pktlog.index.IndexRecordDescriptor}
 *       (record, CRC32C over record + frame bytes, filter and decision encodings).</li>
 *   <li>Writer: {@link io.pswitch.pktlog.index.PacketLog}, single-threaded. Persistence order:
 *       frame bytes (flushed in {@code append}), then the record, then {@code commit()} (one flush
 *       of the slots written since the last commit). Durability modes are the caller's: sync =
 *       commit before transmitting the batch; batch = commit every N records or T us (use
 *       {@code pendingCount()}); async = commit from the duty cycle, the lag is
 *       {@code pendingCount()}. Commit latency: {@code commitLatency()} (p50/p99).</li>
 *   <li>Retention: FIFO, in batches; the new oldest sequence is flushed before buffers are freed
 *       or slots reused, so recovery never resurrects a record whose buffer may have been reused
 *       (retired records are counted as retired, not corrupt).</li>
 *   <li>Recovery: {@link io.pswitch.pktlog.index.Recovery} via {@link io.pswitch.pktlog.index.IndexScan}:
 *       linear, idempotent; keeps the contiguous valid run from the oldest sequence, zeroes and
 *       reports every other non-empty slot with a {@link io.pswitch.pktlog.index.RecordStatus},
 *       rebuilds the pool's free list with {@code BufferPool.claimAll}.</li>
 *   <li>Offline: {@link io.pswitch.pktlog.index.LogVerifier}, {@link io.pswitch.pktlog.index.ClosedLog}.</li>
 *   <li>Tests drive all writes and flushes through {@link io.pswitch.pktlog.index.LogStorage} to
 *       build power-loss images.</li>
 * </ul>
 */
package io.pswitch.pktlog.index;
