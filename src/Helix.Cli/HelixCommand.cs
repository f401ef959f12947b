using System.CommandLine;
using System.Text.Json;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
using Helix.Platform.Verification;

namespace Helix.Cli;

/// <summary>
/// The <c>helix</c> command tree. Exit codes: 0 done, 1 findings or a stale file, 2 the spec
/// cannot be loaded (every error printed as <c>file:line:column</c>).
/// </summary>
internal static partial class HelixCommand
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?@sha256:[a-f0-9]{64}$")]
    private static partial System.Text.RegularExpressions.Regex Digest();

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
                stdout.WriteLine(JsonSerializer.Serialize(model.Steps.Select(s => new
                {
                    s.Number,
                    s.SyncWave,
                    s.Owner,
                    s.Title,
                    s.Components,
                    Applications = model.Applications.Where(a => a.Step == s.Number).Select(a => new { a.Name, a.Wave, a.Folder, a.DependsOn }),
                }), Json));
                return 0;
            }
            foreach (var step in model.Steps)
            {
                var wave = step.SyncWave is { } w ? $"wave {w}" : "terraform";
                stdout.WriteLine($"{Bold($"{step.Number}.", colour)} [{wave}] {step.Title}");
                var apps = model.Applications.Where(a => a.Step == step.Number).ToList();
                stdout.WriteLine(apps.Count == 0
                    ? $"     {string.Join(", ", step.Components)}"
                    : $"     {string.Join(", ", apps.Select(a => $"{a.Name} (wave {a.Wave})"))}");
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

        var tree = new Option<string>("--tree") { Description = "Verify this tree on disk (what ArgoCD syncs, hand edits included) instead of a fresh render" };
        var matrix = new Option<bool>("--matrix") { Description = "Also print the reachability matrix by zone, and who reaches the world" };
        var svg = new Option<string?>("--svg") { Description = "With --matrix: write the matrix as an SVG picture to this path" };
        var verify = new Command("verify", "Verify the render of the spec, or a tree on disk: schemas, zero trust, signatures, SSO, waves, owners, workloads, secrets; exit 1 on any error") { tree, matrix, svg };
        verify.SetAction(result =>
        {
            var json = result.GetValue(output) == "json";
            if (result.GetValue(tree) is not { } root)
            {
                return WithModel(result.GetValue(spec)!, stderr, colour, model =>
                {
                    var (files, report) = RenderAndVerify(model, stderr);
                    if (result.GetValue(matrix))
                    {
                        Matrix(report, model, result.GetValue(svg), stdout);
                    }
                    return Report(report.Findings, $"the render of {result.GetValue(spec)} ({files.Paths.Count} files)", json, stdout, colour);
                });
            }
            if (!Directory.Exists(root))
            {
                stderr.WriteLine($"{root}: no such directory (pass the tree with --tree)");
                return SpecInvalid;
            }
            var specPath = result.GetValue(spec)!;
            if (!File.Exists(specPath))
            {
                stderr.WriteLine($"no spec at {specPath}: checking {root} without the platform's statement of intent");
                return Report(TreeVerifier.Verify(root), root, json, stdout, colour);
            }
            return WithModel(specPath, stderr, colour, model =>
            {
                var report = TreeVerifier.Analyse(TreeVerifier.Files(root), file => new StreamReader(Path.Combine(root, file)), model);
                if (result.GetValue(matrix))
                {
                    Matrix(report, model, result.GetValue(svg), stdout);
                }
                return Report(report.Findings, root, json, stdout, colour);
            });
        });

        var outDir = new Option<string>("--out") { Description = "The repository root the tree is written under", DefaultValueFactory = _ => "." };
        var render = new Command("render", "Render the GitOps tree and the architecture diagram from the spec, verified before anything is written") { outDir };
        render.SetAction(result => WithModel(result.GetValue(spec)!, stderr, colour, model =>
        {
            var (files, report) = RenderAndVerify(model, stderr);
            var findings = report.Findings;
            if (findings.Any(f => f.Severity == Severity.Error))
            {
                Report(findings, "the render", result.GetValue(output) == "json", stdout, colour);
                stderr.WriteLine("nothing written: the render does not pass verification");
                return 1;
            }
            var changes = files.Write(result.GetValue(outDir)!, PlatformRenderer.OwnedFolders);
            if (result.GetValue(output) == "json")
            {
                stdout.WriteLine(JsonSerializer.Serialize(changes.Select(c => new { c.Path, c.Kind }), Json));
                return 0;
            }
            foreach (var change in changes)
            {
                stdout.WriteLine($"{change.Kind.ToString().ToLowerInvariant(),-8} {change.Path}");
            }
            stdout.WriteLine($"{changes.Count} file(s) changed, {files.Paths.Count - changes.Count(c => c.Kind != FileChangeKind.Deleted)} unchanged");
            return 0;
        }));

        var diff = new Command("diff", "Show what render would change on disk, as a unified diff; exit 1 when the tree is stale") { outDir };
        diff.SetAction(result => WithModel(result.GetValue(spec)!, stderr, colour, model =>
        {
            var (files, _) = RenderAndVerify(model, TextWriter.Null);
            var changes = files.Diff(result.GetValue(outDir)!, PlatformRenderer.OwnedFolders);
            if (result.GetValue(output) == "json")
            {
                stdout.WriteLine(JsonSerializer.Serialize(changes, Json));
            }
            else
            {
                foreach (var change in changes)
                {
                    stdout.Write(colour ? Colourise(change.UnifiedDiff) : change.UnifiedDiff);
                }
                stderr.WriteLine(changes.Count == 0 ? "up to date" : $"{changes.Count} file(s) differ: run 'helix render' and commit the result");
            }
            return changes.Count == 0 ? 0 : 1;
        }));

        var tenantName = new Argument<string>("tenant") { Description = "The tenant's name: its namespace, AppProject and Devtron environment" };
        var team = new Option<string>("--team") { Description = "The team that owns the tenant", Required = true };
        var zone = new Option<string>("--zone") { Description = "Its network zone", DefaultValueFactory = _ => "app" };
        var cpu = new Option<string>("--cpu") { Description = "CPU quota (requests)", DefaultValueFactory = _ => "4" };
        var memory = new Option<string>("--memory") { Description = "Memory quota", DefaultValueFactory = _ => "8Gi" };
        var pods = new Option<int>("--pods") { Description = "Pod quota", DefaultValueFactory = _ => 50 };
        var flows = new Option<string[]>("--flow") { Description = "A connection it may open, as target:port (repeatable), such as postgres-pooler:5432", AllowMultipleArgumentsPerToken = true };
        var onboard = new Command("onboard", "Add a tenant to the spec and render it: namespace, quota, default deny plus its flows, image checks, AppProject") { tenantName, team, zone, cpu, memory, pods, flows, outDir };
        onboard.SetAction(result =>
        {
            var specPath = result.GetValue(spec)!;
            var name = result.GetValue(tenantName)!;
            var declared = new List<FlowSpec>();
            foreach (var flow in result.GetValue(flows) ?? [])
            {
                var colon = flow.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(flow[(colon + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var port))
                {
                    stderr.WriteLine($"--flow {flow}: write it as target:port, such as postgres-pooler:5432");
                    return SpecInvalid;
                }
                declared.Add(new FlowSpec { To = flow[..colon], Port = port });
            }
            var tenant = new TenantSpec
            {
                Name = name,
                Team = result.GetValue(team)!,
                Zone = result.GetValue(zone)!,
                Quota = new QuotaSpec { Cpu = result.GetValue(cpu)!, Memory = result.GetValue(memory)!, Pods = result.GetValue(pods) },
                Flows = declared,
            };
            return EditSpec(specPath, text =>
                SpecLoader.Parse(text, specPath).Spec?.Tenants.Any(t => t.Name == name) == true ? null : SpecEditor.AddTenant(text, tenant),
                $"tenant '{name}' is already onboarded", $"onboarded {name}", result.GetValue(outDir)!, stdout, stderr, colour);
        });

        var offboardName = new Argument<string>("tenant") { Description = "The tenant to remove, with everything rendered for it" };
        var offboard = new Command("offboard", "Remove a tenant from the spec and render: its namespace, quota, policies and project go") { offboardName, outDir };
        offboard.SetAction(result =>
        {
            var name = result.GetValue(offboardName)!;
            return EditSpec(result.GetValue(spec)!, text => SpecEditor.RemoveTenant(text, name),
                $"the spec has no tenant '{name}'", $"offboarded {name}", result.GetValue(outDir)!, stdout, stderr, colour);
        });

        var images = new Option<string[]>("--image") { Description = "A released image pinned by digest, name@sha256:<64 hex> (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var release = new Command("release", "Pin released images by digest in the spec and render: the promotion commit of the delivery pipeline") { images, outDir };
        release.SetAction(result =>
        {
            var pinned = result.GetValue(images) ?? [];
            foreach (var image in pinned.Where(i => !Digest().IsMatch(i)))
            {
                stderr.WriteLine($"--image {image}: pin it by digest, as name@sha256:<64 hex digits> (the digest the CI pushed and signed)");
                return SpecInvalid;
            }
            return EditSpec(result.GetValue(spec)!, text =>
                pinned.Aggregate<string, string?>(text, (current, image) => current is null ? null : SpecEditor.SetImage(current, image)),
                $"no app runs {string.Join(" or ", pinned.Select(SpecEditor.Repository))}", $"released {pinned.Length} image(s)", result.GetValue(outDir)!, stdout, stderr, colour);
        });

        return new RootCommand("helix: one typed spec compiled into the whole platform, verified before it is written")
        {
            spec, output, render, verify, diff, order, graph, schema, onboard, offboard, release,
        };
    }

    /// <summary>
    /// Applies an edit to the spec's text, and writes the spec and its render only when the edited
    /// spec loads and its render verifies: a refused edit leaves every file as it was.
    /// </summary>
    private static int EditSpec(string specPath, Func<string, string?> edit, string refused, string done, string outDir, TextWriter stdout, TextWriter stderr, bool colour)
    {
        if (!File.Exists(specPath))
        {
            stderr.WriteLine($"{specPath}: no such spec (pass it with --spec)");
            return SpecInvalid;
        }
        var text = File.ReadAllText(specPath);
        if (edit(text) is not { } edited)
        {
            stderr.WriteLine($"{specPath}: {refused}");
            return SpecInvalid;
        }
        var loaded = SpecLoader.Parse(edited, specPath);
        if (!loaded.Succeeded)
        {
            PrintErrors(loaded.Errors, stderr, colour);
            stderr.WriteLine($"nothing written: the spec would not load");
            return SpecInvalid;
        }
        var model = ModelBuilder.Build(loaded.Spec!);
        var (files, report) = RenderAndVerify(model, stderr);
        if (report.Findings.Any(f => f.Severity == Severity.Error))
        {
            Report(report.Findings, "the render", false, stdout, colour);
            stderr.WriteLine("nothing written: the render does not pass verification");
            return 1;
        }
        File.WriteAllText(specPath, edited);
        var changes = files.Write(outDir, PlatformRenderer.OwnedFolders);
        foreach (var change in changes)
        {
            stdout.WriteLine($"{change.Kind.ToString().ToLowerInvariant(),-8} {change.Path}");
        }
        stdout.WriteLine($"{done}: {specPath} and {changes.Count} rendered file(s) changed; review and commit them together");
        return 0;
    }

    /// <summary>Renders, verifies, and adds the zero-trust picture drawn from the rendered policies.</summary>
    private static (FileSet Files, TreeVerifier.TreeReport Report) RenderAndVerify(PlatformModel model, TextWriter progress)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var files = PlatformRenderer.Render(model);
        progress.WriteLine($"rendered {files.Paths.Count} files in {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        var report = TreeVerifier.Analyse(files, model);
        var infra = InfraVerifier.Verify(files.Paths.Where(p => p.StartsWith("infra/", StringComparison.Ordinal)).ToList(), files.Text, model);
        files.Add(ZeroTrustPicture, MatrixView.Svg(report.Reachability ?? Reachability.Analyse(report.Objects, model)));
        progress.WriteLine($"verified {files.Paths.Count(p => p.StartsWith("gitops/", StringComparison.Ordinal) || p.StartsWith("infra/", StringComparison.Ordinal))} files in {clock.ElapsedMilliseconds} ms");
        return (files, report with { Findings = [.. report.Findings, .. infra] });
    }

    public const string ZeroTrustPicture = "docs/architecture/zero-trust.svg";

    private static void Matrix(TreeVerifier.TreeReport tree, PlatformModel model, string? svgPath, TextWriter stdout)
    {
        var report = tree.Reachability ?? Reachability.Analyse(tree.Objects, model);
        stdout.Write(MatrixView.Table(report));
        stdout.WriteLine();
        if (svgPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(svgPath))!);
            File.WriteAllText(svgPath, MatrixView.Svg(report));
            stdout.WriteLine($"wrote {svgPath}");
        }
    }

    private static int Report(IReadOnlyList<Finding> findings, string what, bool json, TextWriter stdout, bool colour)
    {
        if (json)
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
            stdout.WriteLine($"{findings.Count(f => f.Severity == Severity.Error)} error(s), {findings.Count(f => f.Severity == Severity.Warning)} warning(s) in {what}");
        }
        return findings.Any(f => f.Severity == Severity.Error) ? 1 : 0;
    }

    private static string Colourise(string diff) => string.Concat(diff.Split('\n').Select(line => line switch
    {
        "" => "",
        _ when line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) => $"\u001b[1m{line}\u001b[0m\n",
        _ when line.StartsWith('+') => $"\u001b[32m{line}\u001b[0m\n",
        _ when line.StartsWith('-') => $"\u001b[31m{line}\u001b[0m\n",
        _ when line.StartsWith("@@", StringComparison.Ordinal) => $"\u001b[36m{line}\u001b[0m\n",
        _ => line + "\n",
    }));

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
            PrintErrors(loaded.Errors, stderr, colour);
            stderr.WriteLine($"{loaded.Errors.Count} error(s) in {specPath}");
            return SpecInvalid;
        }
        return action(ModelBuilder.Build(loaded.Spec!));
    }

    private static void PrintErrors(IEnumerable<SpecError> errors, TextWriter stderr, bool colour)
    {
        foreach (var error in errors)
        {
            stderr.WriteLine($"{Red($"{error.File}:{error.Mark}", colour)}: {error.Message}");
            stderr.WriteLine($"    fix: {error.Fix}");
        }
    }

    private static string Bold(string text, bool colour) => colour ? $"\u001b[1m{text}\u001b[0m" : text;

    private static string Red(string text, bool colour) => colour ? $"\u001b[31m{text}\u001b[0m" : text;
}
