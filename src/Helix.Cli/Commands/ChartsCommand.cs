using System.CommandLine;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Charts;

namespace Helix.Cli.Commands;

/// <summary><c>helix charts</c>: the pinned charts and whether the chart cache has them; <c>--pull</c> fetches the missing ones.</summary>
internal static class ChartsCommand
{
    public static Command Create(Cli cli)
    {
        var pull = new Option<bool>("--pull") { Description = "Fetch every pinned chart the cache does not have, with helm pull from its repository (online)" };
        var command = new Command("charts", "List the pinned charts and whether the chart cache (HELIX_CHARTS) has each; with --pull, fetch the missing ones") { pull };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            var cache = ChartCache.FromEnvironment(Environment.GetEnvironmentVariable);
            var failed = 0;
            var rows = new List<(string Chart, string Version, string Repository, string Status)>();
            foreach (var (pin, folder) in PlatformCompiler.ChartPins(model, cache))
            {
                var status = folder is not null ? "cached" : "missing";
                if (folder is null && result.GetValue(pull))
                {
                    var error = PlatformCompiler.PullChart(pin, cache, Environment.GetEnvironmentVariable);
                    status = error is null ? "pulled" : "missing";
                    if (error is not null)
                    {
                        failed++;
                        cli.Stderr.WriteLine($"{pin.Chart} {pin.Version}: {error}");
                    }
                }
                else if (folder is null)
                {
                    failed++;
                }
                rows.Add((pin.Chart, pin.Version, pin.Repo, status));
            }
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(new { cache = cache.Root, charts = rows.Select(r => new { r.Chart, r.Version, r.Repository, r.Status }) }, Cli.Json));
            }
            else
            {
                foreach (var row in rows)
                {
                    cli.Stdout.WriteLine($"{row.Chart,-24} {row.Version,-10} {row.Status,-8} {row.Repository}");
                }
                cli.Stdout.WriteLine($"{rows.Count} charts, {failed} missing, cache {cache.Root}{(failed > 0 && !result.GetValue(pull) ? " (helix charts --pull fetches them)" : "")}");
            }
            return failed == 0 ? Cli.Done : Cli.Failed;
        }));
        return command;
    }
}
