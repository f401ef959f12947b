using System.CommandLine;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Cli;

/// <summary>What every command shares: the global options, the writers, colour, and how results and errors are printed.</summary>
internal sealed class Cli(TextWriter stdout, TextWriter stderr, bool colour)
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int SpecInvalid = 2;

    public TextWriter Stdout { get; } = stdout;
    public TextWriter Stderr { get; } = stderr;
    public bool Colour { get; } = colour;

    public Option<string> Spec { get; } = new("--spec") { Description = "The platform spec", DefaultValueFactory = _ => "platform/helix.yaml", Recursive = true };

    public Option<string> Output { get; } = CreateOutput();

    /// <summary>The repository root a command writes the render under.</summary>
    public static Option<string> OutDir() => new("--out") { Description = "The repository root the tree is written under", DefaultValueFactory = _ => "." };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private static Option<string> CreateOutput()
    {
        var output = new Option<string>("--output", "-o") { Description = "text, or json for machines", DefaultValueFactory = _ => "text", Recursive = true };
        output.AcceptOnlyFromAmong("text", "json");
        return output;
    }

    public bool WantsJson(ParseResult result) => result.GetValue(Output) == "json";

    /// <summary>Loads the spec and runs <paramref name="action"/> on its model; a spec that does not load prints every error and exits 2.</summary>
    public int WithModel(ParseResult result, Func<PlatformModel, int> action)
    {
        var specPath = result.GetValue(Spec)!;
        var loaded = SpecLoader.Load(specPath);
        if (!loaded.Succeeded)
        {
            PrintErrors(loaded.Errors);
            Stderr.WriteLine($"{loaded.Errors.Count} error(s) in {specPath}");
            return SpecInvalid;
        }
        return action(PlatformCompiler.Model(loaded));
    }

    /// <summary>Renders and verifies, with the time each took on <paramref name="progress"/>.</summary>
    public static (FileSet Files, VerificationResult Verification) RenderAndVerify(PlatformModel model, TextWriter progress)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = PlatformCompiler.RenderAndVerify(model);
        progress.WriteLine($"rendered and verified {result.Files.Paths.Count} files in {clock.ElapsedMilliseconds} ms");
        return result;
    }

    /// <summary>One chart a verification rendered: what <c>helix verify --charts</c> reports per chart.</summary>
    public sealed record ChartSummary(string Application, string Chart, string Version, int Wave, int Objects, int Findings, IReadOnlyList<string> Images);

    /// <summary>Prints findings (or the JSON <c>{"findings": [...], "charts": [...]}</c>) and a count; exit 1 when any is an error.</summary>
    public int Report(IReadOnlyList<Finding> findings, IReadOnlyList<ChartSummary> charts, string what, bool json)
    {
        if (json)
        {
            Stdout.WriteLine(JsonSerializer.Serialize(new { findings, charts }, Json));
        }
        else
        {
            foreach (var finding in findings)
            {
                Stdout.WriteLine($"{Red(finding.Severity.ToString().ToLowerInvariant())} {finding.File}: {finding.Resource}: [{finding.Rule}] {finding.Message}");
                Stdout.WriteLine($"    fix: {finding.Fix}");
            }
            Stdout.WriteLine($"{findings.Count(f => f.Severity == Severity.Error)} error(s), {findings.Count(f => f.Severity == Severity.Warning)} warning(s) in {what}");
        }
        return findings.Any(f => f.Severity == Severity.Error) ? Failed : Done;
    }

    public void PrintErrors(IEnumerable<SpecError> errors)
    {
        foreach (var error in errors)
        {
            Stderr.WriteLine($"{Red($"{error.File}:{error.Mark}")}: {error.Message}");
            Stderr.WriteLine($"    fix: {error.Fix}");
        }
    }

    /// <summary>Prints each change a write made, one line each.</summary>
    public void PrintChanges(IEnumerable<FileChange> changes)
    {
        foreach (var change in changes)
        {
            Stdout.WriteLine($"{change.Kind.ToString().ToLowerInvariant(),-8} {change.Path}");
        }
    }

    public string Bold(string text) => Colour ? $"\u001b[1m{text}\u001b[0m" : text;

    public string Red(string text) => Colour ? $"\u001b[31m{text}\u001b[0m" : text;
}
