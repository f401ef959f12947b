using System.CommandLine;
using System.Text.Json;

namespace Helix.Cli.Commands;

/// <summary><c>helix order</c>: the seed's nine installation steps, each Application with its sync wave.</summary>
internal static class OrderCommand
{
    public static Command Create(Cli cli)
    {
        var command = new Command("order", "Print the bring-up order: the seed's nine steps, with ArgoCD sync waves and owners");
        command.SetAction(result => cli.WithModel(result, model =>
        {
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(model.Steps.Select(s => new
                {
                    s.Number,
                    s.SyncWave,
                    s.Owner,
                    s.Title,
                    Components = s.Parts,
                    Applications = model.Applications.Where(a => a.Step == s.Number).Select(a => new { a.Name, a.Wave, a.Folder, a.DependsOn }),
                }), Cli.Json));
                return Cli.Done;
            }
            foreach (var step in model.Steps)
            {
                var wave = step.SyncWave is { } w ? $"wave {w}" : "terraform";
                cli.Stdout.WriteLine($"{cli.Bold($"{step.Number}.")} [{wave}] {step.Title}");
                var apps = model.Applications.Where(a => a.Step == step.Number).ToList();
                cli.Stdout.WriteLine(apps.Count == 0
                    ? $"     {string.Join(", ", step.Parts)}"
                    : $"     {string.Join(", ", apps.Select(a => $"{a.Name} (wave {a.Wave})"))}");
            }
            return Cli.Done;
        }));
        return command;
    }
}
