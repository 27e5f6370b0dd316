/**
 * The segment tier: the log's capacity on a block file system. Preallocated, fixed-size segment
 * files in {@code <data dir>/segments/}, written strictly sequentially with direct I/O by the
 * drain thread, straight from the hot tier's pool buffers; FIFO retention of whole segments.
 *
 * <ul>
 *   <li>Formats: {@link io.pswitch.pktlog.segment.SegmentDescriptor} (file, header, sparse time
 *       index, footer), {@link io.pswitch.pktlog.segment.ChunkDescriptor} (chunk = one gathered
 *       {@code pwritev}: header, record descriptors with CRC32C over descriptor + bytes, packed
 *       small frames, gathered large frames) and
 *       {@link io.pswitch.pktlog.segment.CheckpointDescriptor} (the tail position, two slots
 *       updated in place) and {@link io.pswitch.pktlog.segment.SealedListDescriptor} (what
 *       recovery needs of every sealed segment, appended at each seal).</li>
 *   <li>Writer: {@link io.pswitch.pktlog.segment.SegmentWriter} ({@code add} / {@code write} /
 *       {@code sync}; allocation-free in steady state). Native calls only through
 *       {@code NativeIo} (FFM): {@code O_DIRECT} open, {@code pwritev}, {@code fdatasync},
 *       {@code fallocate}, {@code statx STATX_DIOALIGN}.</li>
 *   <li>Around the writer, each an Agrona {@code Agent} on a thread of its own:
 *       {@link io.pswitch.pktlog.segment.SegmentSyncer} (group commit: the flushes of {@code batch}
 *       and {@code async} durability, overlapping the drain's writes) and
 *       {@link io.pswitch.pktlog.segment.SegmentPreparer} (for {@code sync}: the next segment's file
 *       ahead of need, its blocks written with zeros, so a flush needs no journal commit).</li>
 *   <li>Recovery: {@link io.pswitch.pktlog.segment.SegmentRecovery}, bounded by the checkpoint
 *       (the tail's walk) and the list of sealed segments (the writer opens no sealed segment's
 *       file); reports dropped chunks ({@link io.pswitch.pktlog.segment.ChunkStatus}) and refused
 *       segments by name; idempotent. A sealed segment damaged after its seal is not seen by the
 *       writer's recovery; readers check every segment's header and footer and refuse it by name
 *       (or walk it chunk by chunk when only its footer is damaged), the rest stays readable.</li>
 *   <li>Reader: {@link io.pswitch.pktlog.segment.SegmentReader}: time search through segment
 *       headers and sparse indexes, every record CRC-checked, {@code LogRecord} +
 *       {@code RecordConsumer} like the hot tier's {@code LogReader}.</li>
 *   <li>{@link io.pswitch.pktlog.segment.SegmentBandwidthProbe}: the disk's {@code O_DIRECT}
 *       sequential write bandwidth, the physical limit benchmarks print.</li>
 * </ul>
 *
 * <p>Choices of the writer an operator relies on:
 * <ul>
 *   <li>Open runs recovery. A tail segment left unsealed (crash, kill -9) is sealed at its last
 *       valid chunk (its index rebuilt from its chunk headers) and writing goes on in a new
 *       segment: a restart costs the rest of that segment's space, never a record.</li>
 *   <li>Retention: before a segment is created the oldest whole segments go until the new one
 *       fits in the capacity (the oldest is recycled: renamed to the new segment's name and
 *       overwritten, see {@link io.pswitch.pktlog.segment.SegmentConfig#recycle()}), held ones too (the capacity is a hard bound: see
 *       {@link io.pswitch.pktlog.segment.SegmentHold}). When the file system is full (something else filled it), older
 *       segments go too, never the newest one and only if that frees enough; else
 *       {@link io.pswitch.pktlog.segment.SegmentWriter#write} returns {@link io.pswitch.pktlog.segment.SegmentWriter#NO_SPACE}, keeps the chunk staged,
 *       and the next write tries again (the drain stops draining meanwhile; the hot tier fills and
 *       the dataplane skips and counts new matches).</li>
 *   <li>A file system that refuses {@code O_DIRECT} gets buffered writes ({@link io.pswitch.pktlog.segment.SegmentWriter#directIo()} false).</li>
 * </ul>
 *
 * Nothing here imports the dataplane or the hot tier's writer; records arrive as plain fields and a
 * (pool segment, offset) pair.
 */
package io.pswitch.pktlog.segment;
