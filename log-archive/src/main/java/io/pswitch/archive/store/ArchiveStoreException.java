package io.pswitch.archive.store;

/** An object store operation that failed: the message names the object and the operation. */
public class ArchiveStoreException extends RuntimeException {
    private final boolean missing;

    public ArchiveStoreException(String message, Throwable cause, boolean missing) {
        super(message, cause);
        this.missing = missing;
    }

    /** The object does not exist (404), as opposed to a store that is down or refusing. */
    public boolean missing() {
        return missing;
    }
}
