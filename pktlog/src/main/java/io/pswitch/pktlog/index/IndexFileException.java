package io.pswitch.pktlog.index;

/** The index file cannot be created, opened or attached; the message says which file and why, in one line. */
public final class IndexFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public IndexFileException(String message) {
        super(message);
    }

    public IndexFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
