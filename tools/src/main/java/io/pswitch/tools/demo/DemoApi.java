package io.pswitch.tools.demo;

import io.pswitch.control.assembly.RunSettings;
import io.pswitch.control.config.ApiSettings;
import io.pswitch.control.config.ConfigException;
import io.pswitch.control.ctl.CtlCommand;
import io.pswitch.control.rest.ApiServer;
import io.pswitch.control.run.ServedSwitch;
import java.io.PrintStream;
import java.net.BindException;
import java.util.function.Function;

/**
 * The demo's REST API: the switch is started with it on the asked address; when that address is
 * taken (another switch or any server already on 8080) the demo must still run, so it falls back
 * to an ephemeral loopback port and says which one it got. Then it prints lines to paste.
 */
final class DemoApi {
    private DemoApi() {
    }

    /**
     * Starts the switch built by {@code settings} for {@code api}; if that port is in use, once more
     * on an ephemeral port of the same host.
     */
    static ServedSwitch start(Function<ApiSettings, RunSettings> settings, ApiSettings api, PrintStream out) {
        try {
            return ServedSwitch.start(settings.apply(api));
        } catch (ConfigException e) {
            if (!api.enabled() || api.port() == 0 || !addressInUse(e)) {
                throw e;
            }
            out.printf("  (%s:%d is in use: the API takes a free port instead)%n", api.host(), api.port());
            ApiSettings ephemeral = new ApiSettings(api.host(), 0, api.tokenFile(), api.tlsCert(), api.tlsKey());
            return ServedSwitch.start(settings.apply(ephemeral));
        }
    }

    private static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** Prints where the API is and a few ready-to-paste {@code curl} and {@code ./pswitch ctl} lines. */
    static void printTryLines(PrintStream out, ApiServer api, String examplePort) {
        if (api == null) {
            out.println("  API off (--api off)");
            return;
        }
        String url = api.url();
        String ctl = "./pswitch ctl" + (url.equals(CtlCommand.DEFAULT_API) ? "" : " --api " + url);
        String curl = "curl -s" + (url.startsWith("https") ? "k" : "");
        out.println("  API at " + url + " (OpenAPI document: " + url + "/api/v1/openapi.json); try, from another terminal:");
        out.println("    " + curl + " " + url + "/api/v1/ports");
        out.println("    " + curl + " " + url + "/api/v1/fdb");
        out.println("    " + curl + " " + url + "/metrics | grep '^pswitch_port_rx_frames'");
        out.println("    " + ctl + " ports");
        out.println("    " + ctl + " fdb");
        out.println("    " + ctl + " port " + examplePort + " down     (and '... up' again)");
    }
}
