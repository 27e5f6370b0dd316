package io.pswitch.tools.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Modes and figures of the reliability tests. CI mode is short; {@code -Dpswitch.long=true} runs the
 * long soak. A CI duration can be shortened (or lengthened) for local runs with
 * {@code -Dpswitch.overload.seconds=N}.
 *
 * <p>Every test reports what it measured twice: one summary line on stdout and
 * {@code target/reliability/<test>.json}, so the figures can be copied into RELIABILITY.md.
 */
final class Reliability {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reliability() {
    }

    static boolean longMode() {
        return Boolean.getBoolean("pswitch.long");
    }

    /** The CI duration, the long-mode duration, or the override given by {@code property}. */
    static Duration duration(String property, Duration ci, Duration longRun) {
        String override = System.getProperty(property);
        if (override != null && !override.isBlank()) {
            return Duration.ofMillis((long) (Double.parseDouble(override.trim()) * 1000));
        }
        return longMode() ? longRun : ci;
    }

    static int scale(int ci, int longRun) {
        return longMode() ? longRun : ci;
    }

    /** Figures of one test, in insertion order. */
    static final class Figures {
        private final String test;
        private final Map<String, Object> values = new LinkedHashMap<>();

        Figures(String test) {
            this.test = test;
            values.put("mode", longMode() ? "long" : "ci");
        }

        Figures put(String key, Object value) {
            values.put(key, value);
            return this;
        }

        Map<String, Object> values() {
            return values;
        }

        /** Prints the summary line and writes {@code target/reliability/<test>.json} (module directory = working directory). */
        void report() {
            String line = values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
            System.out.println("RELIABILITY " + test + ": " + line);
            try {
                Path dir = Path.of("target", "reliability");
                Files.createDirectories(dir);
                JSON.writeValue(dir.resolve(test + ".json").toFile(), values);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
