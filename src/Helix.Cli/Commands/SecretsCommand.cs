using System.CommandLine;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Model;

namespace Helix.Cli.Commands;

/// <summary><c>helix secrets</c>: every Secret the platform needs, who makes it and how; <c>--script</c> writes what the operator runs.</summary>
internal static class SecretsCommand
{
    public static Command Create(Cli cli)
    {
        var script = new Option<bool>("--script") { Description = "Print the script that makes every operator Secret, SOPS-encrypted under secrets/<namespace>/ (shared values made once)" };
        var command = new Command("secrets", "List every Secret the platform needs: namespace, name, keys and where each value comes from, who creates it") { script };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            if (PlatformCompiler.UnresolvedSecrets(model) is { Count: > 0 } unresolved)
            {
                foreach (var missing in unresolved)
                {
                    cli.Stderr.WriteLine($"{missing}: the value it shares is not made by the operator (declare the source Secret's key in its component)");
                }
                return Cli.Failed;
            }
            if (result.GetValue(script))
            {
                cli.Stdout.Write(PlatformCompiler.SecretsScript(model));
                return Cli.Done;
            }
            var secrets = model.Secrets();
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(secrets.Select(s => new
                {
                    s.Namespace,
                    s.Name,
                    s.Creator,
                    s.Why,
                    Keys = s.Keys.Select(k => new { Name = k, s.Source(k).Origin, s.Source(k).Detail }),
                }), Cli.Json));
                return Cli.Done;
            }
            foreach (var secret in secrets)
            {
                cli.Stdout.WriteLine($"{cli.Bold($"{secret.Namespace}/{secret.Name}")} ({secret.Creator.ToString().ToLowerInvariant()}): {secret.Why}");
                if (secret.Creator == SecretCreator.Controller)
                {
                    continue;
                }
                foreach (var key in secret.Keys)
                {
                    var source = secret.Source(key);
                    cli.Stdout.WriteLine($"    {key}: {source.Origin switch
                    {
                        KeyOrigin.Random => "random",
                        KeyOrigin.Literal => $"\"{source.Detail}\"",
                        KeyOrigin.Issued => $"issued: {source.Detail}",
                        _ => $"same as {source.Detail}",
                    }}");
                }
            }
            cli.Stdout.WriteLine($"{secrets.Count} Secrets, {secrets.Count(s => s.Creator == SecretCreator.Operator)} made by the operator (helix secrets --script)");
            return Cli.Done;
        }));
        return command;
    }
}
