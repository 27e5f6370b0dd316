/**
 * {@code pswitch log}: the operator's tools over a data directory's persistent packet log —
 * {@code export} (pcap/pcapng, time windows, tcpdump filters, ports, split files),
 * {@code replay} (into a port through the switch's own drivers, paced or at top speed),
 * {@code inspect}/{@code stats} and {@code verify}.
 *
 * <p>Every command but {@code verify} opens the log through
 * {@link io.pswitch.pktlog.index.LiveLogView}: read-only, without the data directory's lock, in
 * O(log n), and safe beside a switch that keeps appending and retiring. Records are read one at a
 * time and CRC-verified on private copies, so memory stays constant and nothing half-overwritten is
 * ever emitted. Port and filter names come from {@code log-catalog.json}
 * ({@link io.pswitch.pktlog.catalog.LogCatalogDescriptor}) when the switch wrote one.
 */
package io.pswitch.tools.log;
