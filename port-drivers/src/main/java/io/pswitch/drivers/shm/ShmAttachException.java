package io.pswitch.drivers.shm;

/** A peer could not attach to a shared-memory port. One-line message naming the port and the reason. */
public final class ShmAttachException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShmAttachException(String message) {
        super(message);
    }

    public ShmAttachException(String message, Throwable cause) {
        super(message, cause);
    }
}
