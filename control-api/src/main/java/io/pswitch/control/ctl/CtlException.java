package io.pswitch.control.ctl;

/** A failure of a {@code ctl} command, shown to the user as one line. */
public final class CtlException extends RuntimeException {
    public CtlException(String message) {
        super(message, null, false, false);
    }
}
