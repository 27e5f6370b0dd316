package io.pswitch.pktlog.query;

import io.pswitch.pktlog.filter.BpfBytecodeCompiler;
import io.pswitch.pktlog.filter.BpfInterpreter;
import io.pswitch.pktlog.filter.BpfProgram;
import io.pswitch.pktlog.filter.CompiledBpfProgram;
import io.pswitch.pktlog.filter.PcapCompiler;

/**
 * A tcpdump expression as a {@link FramePredicate} over stored records: compiled by libpcap, then
 * run as JVM bytecode, or interpreted when the program is too large to compile. The one way every
 * query (REST export, {@code pswitch export}/{@code replay}) re-applies a filter to stored bytes.
 */
public final class TcpdumpPredicate {
    private TcpdumpPredicate() {
    }

    /**
     * @throws io.pswitch.pktlog.filter.FilterSyntaxException with libpcap's message
     * @throws io.pswitch.pktlog.libpcap.LibpcapMissingException when libpcap cannot be loaded
     */
    public static FramePredicate compile(String expression) {
        BpfProgram program = PcapCompiler.get().compile(expression);
        CompiledBpfProgram compiled = BpfBytecodeCompiler.compile(program);
        if (compiled != null) {
            return (segment, offset, stored, wire) -> compiled.run(segment, offset, wire, stored) != 0;
        }
        // One interpreter per predicate: a predicate serves one query on one thread.
        BpfInterpreter interpreter = new BpfInterpreter();
        return (segment, offset, stored, wire) -> interpreter.run(program, segment, offset, wire, stored) != 0;
    }
}
