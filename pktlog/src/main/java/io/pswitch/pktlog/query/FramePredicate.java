package io.pswitch.pktlog.query;

import io.pswitch.pktlog.filter.BpfBytecodeCompiler;
import io.pswitch.pktlog.filter.BpfInterpreter;
import io.pswitch.pktlog.filter.BpfProgram;
import io.pswitch.pktlog.filter.CompiledBpfProgram;
import io.pswitch.pktlog.filter.PcapCompiler;
import java.lang.foreign.MemorySegment;

/**
 * A test over a stored frame's bytes (e.g. a compiled tcpdump filter re-applied at query time).
 * The bytes are {@code [offset, offset + storedLength)} of {@code segment}; {@code wireLength} is the
 * frame's length on the wire (the stored bytes may be a snaplen prefix).
 */
@FunctionalInterface
public interface FramePredicate {
    boolean test(MemorySegment segment, long offset, int storedLength, int wireLength);

    /**
     * The one way from a tcpdump expression to a predicate over stored records (export, replay,
     * the REST stream): compiled by libpcap, run as JVM bytecode, interpreted when too large to compile.
     *
     * @throws io.pswitch.pktlog.filter.FilterSyntaxException with libpcap's message
     */
    static FramePredicate tcpdump(String expression) {
        BpfProgram program = PcapCompiler.get().compile(expression);
        CompiledBpfProgram compiled = BpfBytecodeCompiler.compile(program);
        if (compiled != null) {
            return (segment, offset, stored, wire) -> compiled.run(segment, offset, wire, stored) != 0;
        }
        BpfInterpreter interpreter = new BpfInterpreter();
        return (segment, offset, stored, wire) -> interpreter.run(program, segment, offset, wire, stored) != 0;
    }
}
