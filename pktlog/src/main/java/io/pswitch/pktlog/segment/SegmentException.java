package io.pswitch.pktlog.segment;

/** A segment-tier failure with a one-line message naming the path, what was asked and why it failed. */
public class SegmentException extends RuntimeException {
    public SegmentException(String message) {
        super(message);
    }

    public SegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
