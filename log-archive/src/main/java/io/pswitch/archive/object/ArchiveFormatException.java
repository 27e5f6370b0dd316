package io.pswitch.archive.object;

/** An archive object (or one of its chunks) that does not verify: the message names it and says why. */
public class ArchiveFormatException extends RuntimeException {
    public ArchiveFormatException(String message) {
        super(message);
    }
}
