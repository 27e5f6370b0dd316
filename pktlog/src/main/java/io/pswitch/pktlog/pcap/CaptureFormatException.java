package io.pswitch.pktlog.pcap;

/**
 * A capture file is not what it claims: bad magic, unsupported version, inconsistent lengths,
 * a truncated record. The message names the file, the byte offset and the problem on one line.
 */
public final class CaptureFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;
    private final String problem;

    public CaptureFormatException(String file, long offset, String problem) {
        super(file + ": at byte " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    public CaptureFormatException(String file, long offset, String problem, Throwable cause) {
        super(file + ": at byte " + offset + ": " + problem, cause);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    public String file() {
        return file;
    }

    /** Byte offset in the file of the header or field that is wrong. */
    public long offset() {
        return offset;
    }

    /** The problem alone, without file and offset. */
    public String problem() {
        return problem;
    }
}
