package io.pswitch.dataplane.port;

/** A port could not be opened: missing interface, unreadable capture, bad option. One-line message. */
public final class PortOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PortOpenException(String message) {
        super(message);
    }

    public PortOpenException(String message, Throwable cause) {
        super(message, cause);
    }
}
