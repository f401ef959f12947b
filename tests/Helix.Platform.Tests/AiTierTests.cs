using System.Diagnostics;
using Helix.Platform.Components;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>
/// The AI tier as it will run: every image comes out of the images workflow (built here, or mirrored,
/// scanned and signed), Ollama has its models on its volume before it serves, and a browser session
/// stays on the Steel pod that made it. The pull script runs for real under sh, against a stand-in of
/// the ollama CLI that keeps its published contract (serve, list, show, pull).
/// </summary>
public sealed class AiTierTests : IDisposable
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<Output.FileSet> Files = new(() => PlatformCompiler.Render(Model));
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helix-ai-");

    public void Dispose() => _root.Delete(recursive: true);

    private static System.Text.Json.JsonElement Object(string path, string kind) =>
        TreeVerifier.Documents(new StringReader(Files.Value.Text(path))).Select(d => d.Document).First(d => d.GetProperty("kind").GetString() == kind);

    [Fact]
    public void EveryImageThePlatformRuns_ComesOutOfTheImagesWorkflow_BuiltOrMirrored()
    {
        var images = CiWorkflows.Render(Model).Single(w => w.Path.EndsWith("images.yml", StringComparison.Ordinal)).Text;
        var built = Model.Spec.Apps.Where(a => a.Upstream is null).ToList();
        Assert.All(built, a => Assert.Contains($"- app: {a.Name}\n", images, StringComparison.Ordinal));
        var mirrors = CiWorkflows.Mirrors(Model.Spec).ToList();
        var start = images.IndexOf("for ref in ", StringComparison.Ordinal) + "for ref in ".Length;
        var promoted = images[start..images.IndexOf("; do", start, StringComparison.Ordinal)].Split(' ');
        Assert.Equal(["ollama", "steel"], mirrors.Select(m => m.App));
        foreach (var (app, upstream, target) in mirrors)
        {
            // The copy is what the spec runs, and it goes through the same scan and signature as what is built here.
            Assert.Equal(Model.Spec.Apps.Single(a => a.Name == app).Image, target);
            Assert.Contains($"upstream: {upstream}\n", images, StringComparison.Ordinal);
            Assert.Contains($"target: {target}\n", images, StringComparison.Ordinal);
            Assert.Contains(target, promoted); // promoted: the release pins its digest
        }
        var mirror = images[images.IndexOf("  mirror:", StringComparison.Ordinal)..images.IndexOf("  promote:", StringComparison.Ordinal)];
        Assert.Contains("cosign sign --yes", mirror, StringComparison.Ordinal);
        Assert.Contains("aquasecurity/trivy-action@", mirror, StringComparison.Ordinal);
        Assert.Contains("cosign attest --yes --type cyclonedx", mirror, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOrchestratorsDefaultModel_IsTheFirstOllamaPulls()
    {
        var env = Object("gitops/apps/orchestrator/base/deployment.yaml", "Deployment").GetProperty("spec").GetProperty("template").GetProperty("spec")
            .GetProperty("containers")[0].GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
        Assert.Equal("llama3.2:3b", env["Ollama__Model"]);
        Assert.Equal(Model.Spec.Apps.Single(a => a.Kind == AppKind.Ollama).Models[0], env["Ollama__Model"]);
    }

    [Fact]
    public void ASteelSession_StaysOnThePodThatMadeIt()
    {
        var spec = Object("gitops/platform/steel/base/service.yaml", "Service").GetProperty("spec");
        Assert.Equal("ClientIP", spec.GetProperty("sessionAffinity").GetString());
        Assert.Equal(Steel.SessionAffinitySeconds, spec.GetProperty("sessionAffinityConfig").GetProperty("clientIP").GetProperty("timeoutSeconds").GetInt32());
    }

    /// <summary>Runs the rendered init container's script with a stand-in ollama on the PATH; returns the exit code and the calls made.</summary>
    private (int Exit, List<string> Calls, string Output) Pull(string present, string? failing = null)
    {
        var init = Object("gitops/platform/ollama/base/stateful-set.yaml", "StatefulSet").GetProperty("spec").GetProperty("template").GetProperty("spec")
            .GetProperty("initContainers")[0];
        var script = init.GetProperty("command")[2].GetString()!;
        var env = init.GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!);
        var bin = Directory.CreateDirectory(Path.Combine(_root.FullName, "bin"));
        var calls = Path.Combine(_root.FullName, "calls");
        File.WriteAllText(Path.Combine(bin.FullName, "ollama"), $$"""
            #!/bin/sh
            echo "$OLLAMA_HOST $*" >> {{calls}}
            case "$1" in
              serve) touch {{Path.Combine(_root.FullName, "up")}}; exec sleep 300 ;;
              list) [ -f {{Path.Combine(_root.FullName, "up")}} ] ;;
              show) grep -qx "$2" {{Path.Combine(_root.FullName, "present")}} ;;
              pull) [ "$2" != "{{failing}}" ] || exit 1; echo "$2" >> {{Path.Combine(_root.FullName, "present")}} ;;
            esac
            """);
        Assert.False(OperatingSystem.IsWindows(), "the pull script runs under sh");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin.FullName, "ollama"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(Path.Combine(_root.FullName, "present"), present);
        File.WriteAllText(calls, "");
        File.Delete(Path.Combine(_root.FullName, "up")); // the stand-in answers list only once its server is up, as ollama does
        Directory.CreateDirectory(Path.Combine(_root.FullName, "tmp"));
        var start = new ProcessStartInfo("sh", ["-c", script.Replace("/tmp/", Path.Combine(_root.FullName, "tmp") + "/", StringComparison.Ordinal)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }
        start.Environment["PATH"] = $"{bin.FullName}:{Environment.GetEnvironmentVariable("PATH")}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the pull script did not finish: is the server it started left running?");
        return (process.ExitCode, [.. File.ReadAllLines(calls)], output);
    }

    [Fact]
    public void TheModelsArePulledBeforeOllamaServes_OnlyWhatIsMissing_OnLoopback()
    {
        var (exit, calls, output) = Pull(present: "");
        Assert.True(exit == 0, output);
        Assert.Contains("127.0.0.1:11434 serve", calls);
        Assert.Contains("127.0.0.1:11434 pull llama3.2:3b", calls);

        // Started again on the same volume: the model is there, nothing is fetched (the registry may well be away).
        var (again, callsAgain, outputAgain) = Pull(present: "llama3.2:3b\n");
        Assert.True(again == 0, outputAgain);
        Assert.DoesNotContain(callsAgain, c => c.Contains(" pull ", StringComparison.Ordinal));
        Assert.Contains("model llama3.2:3b is on the volume", outputAgain, StringComparison.Ordinal);
    }

    [Fact]
    public void APullThatFails_KeepsOllamaFromStarting_WithoutAModel()
    {
        var (exit, calls, _) = Pull(present: "", failing: "llama3.2:3b");
        Assert.NotEqual(0, exit);
        Assert.Contains("127.0.0.1:11434 pull llama3.2:3b", calls);
    }

    [Theory]
    [InlineData("    upstream: docker.io/ollama/ollama:0.6.5\n", "", "app 'ollama' runs an upstream image but names none to mirror")]
    [InlineData("    upstream: docker.io/ollama/ollama:0.6.5\n", "    upstream: docker.io/ollama/ollama:latest\n", "'docker.io/ollama/ollama:latest' is not an image at a version")]
    [InlineData("    image: ghcr.io/helix-platform/ollama:0.6.5\n", "    image: docker.io/ollama/ollama:0.6.5\n", "'docker.io/ollama/ollama:0.6.5' is not in the platform's registries")]
    [InlineData("    models: [llama3.2:3b]\n", "    models: [Llama 3]\n", "'Llama 3' is not an Ollama model name")]
    public void AnUpstreamAppsSpec_IsCheckedWhereItIsWritten(string find, string replace, string message)
    {
        var text = ReferenceSpec.With(find, replace);
        var loaded = SpecLoader.Parse(text, "helix.yaml");
        Assert.Contains(loaded.Errors, e => e.Message == message);
    }
}
