package io.pswitch.pktlog.pool;

/** The pool file cannot be created or opened; the message says which file and why, in one line. */
public final class PoolFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolFileException(String message) {
        super(message);
    }

    public PoolFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
