package io.pswitch.pktlog.libpcap;

/** libpcap (or a function in it) cannot be loaded; the message says what to install. */
public final class LibpcapMissingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LibpcapMissingException(String message, Throwable cause) {
        super(message, cause);
    }
}
