using System.CommandLine;
using Helix.Cli.Commands;

namespace Helix.Cli;

/// <summary>
/// The <c>helix</c> command tree, built from one file per command under <c>Commands/</c>. Exit
/// codes: 0 done, 1 findings or a stale file, 2 the spec cannot be loaded (every error printed as
/// <c>file:line:column</c>).
/// </summary>
internal static class HelixCommand
{
    /// <summary>Parses and runs one command line, help and parse errors included, on the given writers.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool redirected) =>
        Create(stdout, stderr, redirected).Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });

    public static RootCommand Create(TextWriter stdout, TextWriter stderr, bool redirected)
    {
        var cli = new Cli(stdout, stderr, !redirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);
        var root = new RootCommand("helix: one typed spec compiled into the whole platform, verified before it is written")
        {
            cli.Spec,
            cli.Output,
        };
        foreach (var command in new[]
        {
            RenderCommand.Create(cli), VerifyCommand.Create(cli), DiffCommand.Create(cli), OrderCommand.Create(cli), BringUpCommand.Create(cli), SecretsCommand.Create(cli), GraphCommand.Create(cli),
            SchemaCommand.Create(cli), OnboardCommand.Create(cli), OffboardCommand.Create(cli), ReleaseCommand.Create(cli), ChartsCommand.Create(cli),
            CostCommand.Create(cli),
        })
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}
