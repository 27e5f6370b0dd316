package io.pswitch.pktlog.filter;

/** A classic BPF program that must not run; the message names the offending instruction. */
public final class BpfValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int instruction;

    BpfValidationException(int instruction, String problem) {
        super(instruction < 0 ? "invalid BPF program: " + problem
                : "invalid BPF program: instruction " + instruction + ": " + problem);
        this.instruction = instruction;
    }

    /** Index of the offending instruction, or -1 when the problem is the program as a whole. */
    public int instruction() {
        return instruction;
    }
}
