package io.pswitch.control.run;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.assembly.SwitchAssembly;
import io.pswitch.control.rest.ApiServer;

/**
 * A running switch and its REST API: what {@code ./pswitch run} and the system tests start. The
 * assembly knows nothing of HTTP; the API is started on top of it here, after the dataplane runs,
 * and stopped before it, so no request waits on a dataplane that is being stopped.
 */
public final class ServedSwitch implements AutoCloseable {
    private final SwitchAssembly assembly;
    private final ApiServer api;

    private ServedSwitch(SwitchAssembly assembly, ApiServer api) {
        this.assembly = assembly;
        this.api = api;
    }

    /** Starts the switch, then its API when {@code settings.api()} is enabled. */
    public static ServedSwitch start(RunSettings settings) {
        return start(settings, tiers -> { });
    }

    /** As {@link #start(RunSettings)}, with {@link SwitchAssembly#start(RunSettings, java.util.function.Consumer)}'s hook. */
    public static ServedSwitch start(RunSettings settings, java.util.function.Consumer<io.pswitch.pktlog.tier.TieredLog> beforeStart) {
        SwitchAssembly assembly = SwitchAssembly.start(settings, beforeStart);
        if (!settings.api().enabled()) {
            return new ServedSwitch(assembly, null);
        }
        try {
            return new ServedSwitch(assembly, ApiServer.start(settings.api(), assembly));
        } catch (RuntimeException e) {
            assembly.close();
            throw e;
        }
    }

    public SwitchAssembly assembly() {
        return assembly;
    }

    /** The running API server, or null when it is off. */
    public ApiServer api() {
        return api;
    }

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        assembly.close();
    }
}
