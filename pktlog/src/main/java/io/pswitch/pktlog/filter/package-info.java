/**
 * Logging filters: tcpdump syntax compiled by libpcap ({@link io.pswitch.pktlog.filter.PcapCompiler}),
 * validated as classic BPF ({@link io.pswitch.pktlog.filter.BpfProgram}), and evaluated in-process
 * over a pool buffer without copying. One program runs in {@link io.pswitch.pktlog.filter.BpfInterpreter}
 * or as JVM bytecode ({@link io.pswitch.pktlog.filter.BpfBytecodeCompiler}); a whole set runs as one
 * hidden class ({@code FilterSetCompiler}). All give, for every frame, exactly what libpcap's
 * {@code pcap_offline_filter} gives (the tests compare them frame by frame and, for sets of up to
 * 2,000 random filters, filter by filter).
 *
 * <p>The dataplane sees a {@link io.pswitch.pktlog.filter.FilterSet}: an immutable set of
 * {@link io.pswitch.pktlog.filter.Filter}s with ports resolved to indices, swapped whole; each worker
 * evaluates frames into its own reusable {@link io.pswitch.pktlog.filter.FilterMatch}.
 *
 * <p>Why one class per set: with a hidden class per program, a set of 1,000 distinct programs cost
 * about 27-29 µs per frame (megamorphic calls, instruction-cache misses, and every program reloading
 * the same header fields), so the set fell back to the interpreter above 16 programs. Compiled as one
 * class, a set loads each header field once ({@code MemoLoads}), tests a guard shared by many programs
 * once ({@code GuardChain}, {@code GuardTrie}) and finds the programs comparing one field with
 * different constants by a {@code lookupswitch}; the frame costs one call. Filter cost is measured by
 * {@code FilterSetBenchmark} (pktlog's tests, README "Logging").
 */
package io.pswitch.pktlog.filter;
