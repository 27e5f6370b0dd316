/**
 * The log catalog: which name each port index and filter id in the index records stands for,
 * kept by the switch in {@code DIR/log-catalog.json} (rewritten atomically at start and on every
 * filter change) so that exports can name interfaces and filters. Advisory: the log never depends
 * on it, and readers fall back to {@code port<N>} / {@code filter<N>}.
 */
package io.pswitch.pktlog.catalog;
