package dev.berth.local.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", description = {"Print the shell completion script for bash and zsh.", "",
        "  source <(berth completion)            # this shell (bash; zsh after 'autoload -U +X bashcompinit && bashcompinit')",
        "  berth completion > /etc/bash_completion.d/berth", ""})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("berth", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
