package io.pswitch.control.rest;

import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Query parameter checks. An unknown parameter is refused rather than ignored: {@code DELETE
 * /fdb?prot=a} must not flush the whole table because of a typo.
 */
final class QueryParams {
    private QueryParams() {
    }

    static void allowOnly(Context ctx, String... known) {
        Set<String> allowed = Set.of(known);
        for (String name : new TreeSet<>(ctx.queryParamMap().keySet())) {
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown query parameter '" + name + "'"
                        + (known.length == 0 ? " (this route takes none)" : " (known: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
            }
        }
    }

    /** The single value of a parameter, or null when absent; refuses repeats and empty values. */
    static String single(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiException.badRequest("query parameter '" + name + "' is given " + values.size() + " times");
        }
        if (values.get(0).isEmpty()) {
            throw ApiException.badRequest("query parameter '" + name + "' is empty");
        }
        return values.get(0);
    }
}
