package io.pswitch.tools.cli;

import io.pswitch.control.cli.OneLineErrors;
import io.pswitch.control.ctl.CtlCommand;
import io.pswitch.control.run.RunCommand;
import io.pswitch.control.stat.StatCommand;
import io.pswitch.tools.bench.BenchCommand;
import io.pswitch.tools.demo.DemoCommand;
import io.pswitch.tools.gen.GenCommand;
import io.pswitch.tools.log.LogCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./pswitch} command line: one entry point, a sub-command per job. */
@Command(name = "pswitch", mixinStandardHelpOptions = true, versionProvider = Pswitch.Version.class,
        description = {"A multi-port L2 software switch on PASTE-style memory-mapped packet buffers.", ""},
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run './pswitch COMMAND --help' for a command's options."},
        subcommands = {DemoCommand.class, RunCommand.class, CtlCommand.class, StatCommand.class, GenCommand.class, LogCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Pswitch implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the error handling every sub-command shares. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Pswitch());
        cl.setExecutionExceptionHandler(new OneLineErrors());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // As RunCommand.commandLine: a flag given twice takes its last value (wrappers set defaults first).
        cl.setOverwrittenOptionsAllowed(true);
        return cl;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Pswitch.class.getPackage().getImplementationVersion();
            return new String[] {"pswitch " + (v == null ? "0.1.0-SNAPSHOT" : v) + " on Java " + Runtime.version()};
        }
    }
}
