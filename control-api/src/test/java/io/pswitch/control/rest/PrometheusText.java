package io.pswitch.control.rest;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small parser of the Prometheus text exposition format 0.0.4 for tests: samples keyed as
 * {@code name{label="value",...}} with labels sorted, plus each family's TYPE. Refuses lines it
 * cannot parse, so a malformed scrape fails the test.
 */
final class PrometheusText {
    final Map<String, Double> samples = new HashMap<>();
    final Map<String, String> types = new HashMap<>();

    static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                p.types.put(parts[0], parts[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            p.sample(line);
        }
        return p;
    }

    private void sample(String line) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("no metric name in: " + line);
        }
        TreeMap<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted in: " + line);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char ch = line.charAt(j);
                    if (ch == '\\') {
                        char next = line.charAt(++j);
                        v.append(next == 'n' ? '\n' : next);
                    } else {
                        v.append(ch);
                    }
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        samples.put(key(name, labels), value);
    }

    static String key(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        String sep = "";
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            sb.append(sep).append(e.getKey()).append("=\"").append(e.getValue()).append('"');
            sep = ",";
        }
        return sb.append('}').toString();
    }

    double value(String name, String... labelPairs) {
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            labels.put(labelPairs[i], labelPairs[i + 1]);
        }
        Double v = samples.get(key(name, labels));
        if (v == null) {
            throw new AssertionError("no sample " + key(name, labels));
        }
        return v;
    }
}
