package io.pswitch.tools.log;

/** {@code --speed}: {@code original} (1), {@code top} (0: no pacing) or a factor {@code Nx}. */
public record ReplaySpeed(double factor) {
    public static final ReplaySpeed TOP = new ReplaySpeed(0);
    public static final ReplaySpeed ORIGINAL = new ReplaySpeed(1);

    public static ReplaySpeed parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("top")) {
            return TOP;
        }
        if (t.equals("original")) {
            return ORIGINAL;
        }
        if (t.endsWith("x")) {
            try {
                double f = Double.parseDouble(t.substring(0, t.length() - 1));
                if (f > 0 && Double.isFinite(f)) {
                    return new ReplaySpeed(f);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("--speed " + text + " is not original, top or a factor such as 2x or 0.5x");
    }

    public boolean paced() {
        return factor > 0;
    }
}
