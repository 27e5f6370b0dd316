package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;

/**
 * A benchmark figure as this noisy VM allows it: the median of repeated runs with its min–max,
 * never one run alone.
 */
public record Spread(double median, double min, double max, List<Double> values) {
    public static <T> Spread of(List<T> runs, ToDoubleFunction<T> figure) {
        List<Double> v = new ArrayList<>();
        for (T r : runs) {
            v.add(figure.applyAsDouble(r));
        }
        return of(v);
    }

    /** One figure per round from two runs made next to each other (e.g. a ratio). */
    public static <T> Spread ofPairs(List<T> a, List<T> b, BiFunction<T, T, Double> figure) {
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            v.add(figure.apply(a.get(i), b.get(i)));
        }
        return of(v);
    }

    public static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            return new Spread(0, 0, 0, List.of());
        }
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int n = s.size();
        double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        return new Spread(median, s.getFirst(), s.getLast(), List.copyOf(values));
    }

    /** "median [min–max]" with {@code decimals} digits. */
    public String text(int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " [" + f + "–" + f + "]", median, min, max);
    }

    public void put(ObjectNode n) {
        n.put("median", median);
        n.put("min", min);
        n.put("max", max);
        values.forEach(n.putArray("runs")::add);
    }
}
