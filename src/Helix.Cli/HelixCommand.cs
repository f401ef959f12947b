using System.CommandLine;
using System.Text.Json;
using Helix.Platform.Model;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Cli;

/// <summary>
/// The <c>helix</c> command tree. Exit codes: 0 done, 1 findings or a stale file, 2 the spec
/// cannot be loaded (every error printed as <c>file:line:column</c>).
/// </summary>
internal static class HelixCommand
{
    public const int SpecInvalid = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Parses and runs one command line, help and parse errors included, on the given writers.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool redirected) =>
        Create(stdout, stderr, redirected).Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });

    public static RootCommand Create(TextWriter stdout, TextWriter stderr, bool redirected)
    {
        var spec = new Option<string>("--spec") { Description = "The platform spec", DefaultValueFactory = _ => "platform/helix.yaml", Recursive = true };
        var output = new Option<string>("--output", "-o") { Description = "text, or json for machines", DefaultValueFactory = _ => "text", Recursive = true };
        output.AcceptOnlyFromAmong("text", "json");
        var colour = !redirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

        var order = new Command("order", "Print the bring-up order: the seed's nine steps, with ArgoCD sync waves and owners");
        order.SetAction(result => WithModel(result.GetValue(spec)!, stderr, colour, model =>
        {
            if (result.GetValue(output) == "json")
            {
                stdout.WriteLine(JsonSerializer.Serialize(model.Steps.Select(s => new { s.Number, s.SyncWave, s.Owner, s.Title, s.Components }), Json));
                return 0;
            }
            foreach (var step in model.Steps)
            {
                var wave = step.SyncWave is { } w ? $"wave {w}" : "terraform";
                stdout.WriteLine($"{Bold($"{step.Number}.", colour)} [{wave}] {step.Title}");
                stdout.WriteLine($"     {string.Join(", ", step.Components)}");
            }
            return 0;
        }));

        var target = new Option<string>("--out") { Description = "Where the diagram is written", DefaultValueFactory = _ => "docs/architecture/platform.md" };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 when the file on disk differs" };
        var graph = new Command("graph", "Write the architecture diagram (Mermaid), derived from the model") { target, check };
        graph.SetAction(result => WithModel(result.GetValue(spec)!, stderr, colour, model =>
            WriteOrCheck(result.GetValue(target)!, MermaidGraph.Render(model), result.GetValue(check), "helix graph", stdout, stderr)));

        var schemaOut = new Option<string>("--out") { Description = "Where the JSON Schema is written", DefaultValueFactory = _ => "platform/helix.schema.json" };
        var schema = new Command("schema", "Write the JSON Schema of the spec, generated from its records") { schemaOut, check };
        schema.SetAction(result =>
            WriteOrCheck(result.GetValue(schemaOut)!, SpecSchema.Generate(), result.GetValue(check), "helix schema", stdout, stderr));

        var tree = new Option<string>("--tree") { Description = "A rendered tree on disk to verify as a cluster would receive it", DefaultValueFactory = _ => "gitops" };
        var verify = new Command("verify", "Verify a tree of manifests: CRD schemas, no plaintext Secret; exit 1 on any error") { tree };
        verify.SetAction(result =>
        {
            var root = result.GetValue(tree)!;
            if (!Directory.Exists(root))
            {
                stderr.WriteLine($"{root}: no such directory (pass the tree with --tree)");
                return SpecInvalid;
            }
            var findings = TreeVerifier.Verify(root);
            if (result.GetValue(output) == "json")
            {
                stdout.WriteLine(JsonSerializer.Serialize(findings, Json));
            }
            else
            {
                foreach (var finding in findings)
                {
                    stdout.WriteLine($"{Red(finding.Severity.ToString().ToLowerInvariant(), colour)} {finding.File}: {finding.Resource}: [{finding.Rule}] {finding.Message}");
                    stdout.WriteLine($"    fix: {finding.Fix}");
                }
                stdout.WriteLine($"{findings.Count(f => f.Severity == Severity.Error)} error(s), {findings.Count(f => f.Severity == Severity.Warning)} warning(s) in {root}");
            }
            return findings.Any(f => f.Severity == Severity.Error) ? 1 : 0;
        });

        return new RootCommand("helix: one typed spec compiled into the whole platform, verified before it is written")
        {
            spec, output, order, graph, schema, verify,
        };
    }

    /// <summary>Writes a generated file when it differs, or with <paramref name="check"/> only says whether it is stale (exit 1).</summary>
    private static int WriteOrCheck(string path, string content, bool check, string command, TextWriter stdout, TextWriter stderr)
    {
        var current = File.Exists(path) ? File.ReadAllText(path) : null;
        if (check)
        {
            if (current == content)
            {
                stdout.WriteLine($"{path} is up to date");
                return 0;
            }
            stderr.WriteLine($"{path} is stale: run '{command}' and commit the result");
            return 1;
        }
        if (current == content)
        {
            stdout.WriteLine($"{path} unchanged");
            return 0;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, content);
        stdout.WriteLine($"wrote {path}");
        return 0;
    }

    private static int WithModel(string specPath, TextWriter stderr, bool colour, Func<PlatformModel, int> action)
    {
        var loaded = SpecLoader.Load(specPath);
        if (!loaded.Succeeded)
        {
            foreach (var error in loaded.Errors)
            {
                stderr.WriteLine($"{Red($"{error.File}:{error.Mark}", colour)}: {error.Message}");
                stderr.WriteLine($"    fix: {error.Fix}");
            }
            stderr.WriteLine($"{loaded.Errors.Count} error(s) in {specPath}");
            return SpecInvalid;
        }
        return action(ModelBuilder.Build(loaded.Spec!));
    }

    private static string Bold(string text, bool colour) => colour ? $"\u001b[1m{text}\u001b[0m" : text;

    private static string Red(string text, bool colour) => colour ? $"\u001b[31m{text}\u001b[0m" : text;
}
