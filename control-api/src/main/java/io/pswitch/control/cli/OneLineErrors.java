package io.pswitch.control.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Every failure a user can cause (bad spec, missing interface, full disk, malformed capture,
 * missing libpcap) reaches the screen as one line and exit code 2; a stack trace only with
 * PSWITCH_DEBUG=1.
 */
public final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        Throwable t = ex;
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        }
        boolean expected = t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t instanceof java.io.UncheckedIOException || t instanceof java.io.IOException
                || t.getClass().getName().startsWith("io.pswitch.");
        err.println("pswitch: " + (expected ? "" : "internal error: ") + msg.split("\n")[0]);
        if (System.getenv("PSWITCH_DEBUG") != null) {
            t.printStackTrace(err);
        } else if (!expected) {
            err.println("pswitch: run with PSWITCH_DEBUG=1 for the stack trace");
        }
        err.flush();
        return 2;
    }
}
