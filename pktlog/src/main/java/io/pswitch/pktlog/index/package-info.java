/**
 * The persistent packet log: frames stay in place in their {@code BufferPool} buffers (PASTE), and
 * a circular index of 64-byte records points at them.
 *
 * <ul>
 *   <li>Formats: {@link io.pswitch.pktlog.index.IndexFileDescriptor} (header, retention blocks,
 *       slots; explains the valid window) and {@link io.pswitch.pktlog.index.IndexRecordDescriptor}
 *       (record, CRC32C over record + frame bytes, filter and decision encodings).</li>
 *   <li>Writer: {@link io.pswitch.pktlog.index.PacketLog}, one writer thread. {@code append}
 *       writes the record and remembers the frame's range. {@code publish()} shows records to
 *       readers before they are durable.</li>
 *   <li>Durability: {@code GroupCommit} flushes the frames' bytes, then the slots written since
 *       the last commit. {@code commit()} does it on the caller's thread (the switch's sync mode,
 *       before transmitting the batch); {@code requestCommit()} hands it to the
 *       {@code LogCommitAgent}, an Agrona agent on its own thread (batch and async modes: group
 *       commit, the writer never waits). Commit latency: {@code commitLatency()} (p50/p99).</li>
 *   <li>Retention: {@code Retirement} flushes the new oldest sequence before buffers are freed or
 *       slots reused, so recovery never resurrects a record whose buffer may have been reused
 *       (retired records are counted as retired, not corrupt). When: {@code UntieredRetention}
 *       (FIFO, in batches, ahead of need through the agent) or, under a segment tier,
 *       {@code TieredRetention} (only committed records the segments hold: written there when
 *       the pool is volatile, flushed there when it survives a power cut). A writer that needs room
 *       now flushes a requested marker itself rather than wait for the agent's thread.</li>
 *   <li>Recovery: {@link io.pswitch.pktlog.index.Recovery} via {@link io.pswitch.pktlog.index.IndexScan}:
 *       linear, idempotent; keeps the contiguous valid run from the oldest sequence, zeroes and
 *       reports every other non-empty slot with a {@link io.pswitch.pktlog.index.RecordStatus},
 *       rebuilds the pool's free list with {@code BufferPool.claimAll}. Under a segment tier it
 *       starts at the segments' end (a floor): the records they hold retire there unread, so it
 *       reads and checks only the records not yet drained.</li>
 *   <li>Offline: {@link io.pswitch.pktlog.index.LogVerifier}, {@link io.pswitch.pktlog.index.ClosedLog}.</li>
 *   <li>Tests drive all writes and flushes through {@link io.pswitch.pktlog.index.LogStorage} to
 *       build power-loss images.</li>
 * </ul>
 */
package io.pswitch.pktlog.index;
