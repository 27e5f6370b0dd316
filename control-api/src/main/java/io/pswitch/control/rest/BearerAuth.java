package io.pswitch.control.rest;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks {@code Authorization: Bearer TOKEN}. The comparison takes the same time wherever the
 * first differing byte is ({@link MessageDigest#isEqual}), so timing does not reveal a prefix;
 * the token itself is never logged nor echoed.
 */
final class BearerAuth {
    private static final String PREFIX = "Bearer ";
    private final byte[] token;

    BearerAuth(byte[] token) {
        this.token = token.clone();
    }

    void check(Context ctx) {
        String header = ctx.header("Authorization");
        byte[] given = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                ? header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!MessageDigest.isEqual(token, given)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "unauthorized");
        }
    }
}
