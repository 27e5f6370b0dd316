package io.pswitch.pktlog.filter;

import java.lang.foreign.MemorySegment;

/**
 * A {@link BpfProgram} turned into JVM bytecode by {@link BpfBytecodeCompiler}: same verdicts as
 * {@link BpfInterpreter#run}, but stateless (scratch memory lives in local variables), so one
 * instance serves every thread.
 */
public interface CompiledBpfProgram {
    /** As {@link BpfInterpreter#run}: the unsigned snap length the program returns, 0 = no match. */
    int run(MemorySegment segment, long offset, int wireLen, int capLen);
}
