package io.pswitch.tools.log;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pswitch log}: the operator's tools over the persistent packet log of a data directory. */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = {"Operator tools over the persistent packet log in a data directory.",
                "They open the log read-only, without its lock: they run beside a live switch."},
        commandListHeading = "%nCommands:%n",
        subcommands = {ExportCommand.class, ReplayCommand.class, InspectCommand.class, StatsCommand.class,
                VerifyCommand.class})
public final class LogCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: export, replay, inspect, stats or verify");
    }
}
