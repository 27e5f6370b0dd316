package io.pswitch.control.warmup;

import io.pswitch.control.config.ConfigException;

/** Whether {@code pswitch run} warms the dataplane's code up before its first real frame ({@link DataplaneWarmup}). */
public enum WarmupMode {
    /** Start at once: the first frames run on code the JIT has not compiled yet. */
    NONE,
    /** Push synthetic frames through a throw-away switch first (the default of {@code pswitch run}). */
    AUTO;

    public static WarmupMode parse(String s) {
        for (WarmupMode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new ConfigException("--warmup '" + s + "' is not one of none, auto");
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
