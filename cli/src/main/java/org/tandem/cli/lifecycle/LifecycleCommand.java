package org.tandem.cli.lifecycle;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code signerctl lifecycle ...}: trying a zone's key lifecycle policy before it runs. */
@Command(
        name = "lifecycle",
        description = "Try a key lifecycle policy: simulate its rollovers on this host's HSMs.",
        subcommands = {SimulateCommand.class})
public final class LifecycleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "lifecycle: give a subcommand (simulate)");
    }
}
