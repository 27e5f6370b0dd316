/**
 * Queries over a live ({@code PacketLog}) or closed ({@code ClosedLog}) packet log: time range by
 * binary search in sequence order, ingress port, and a caller's {@link io.pswitch.pktlog.query.FramePredicate}
 * over the stored bytes. Every record is CRC-verified on a private copy before it is returned, and
 * records retired by the writer while being read are skipped and counted.
 */
package io.pswitch.pktlog.query;
