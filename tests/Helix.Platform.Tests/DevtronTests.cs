using System.Diagnostics;
using System.Text.Json;
using Helix.Platform.Charts;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Verification;
using CsCheck;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>
/// Devtron on the platform's data tier, proven on the chart's real output: the repo-server's helm-trim
/// plugin (run here under sh and awk as Argo CD runs it), the Secrets the platform writes in place of the
/// chart's hooks, the databases CNPG creates, and the settings each Devtron container ends up with.
/// </summary>
public sealed class DevtronTests
{
    private static PlatformModel Model => ReferenceSpec.Model;

    private static readonly Lazy<Output.FileSet> Files = new(() => PlatformCompiler.Render(Model));

    private static readonly Lazy<ChartResult> Chart = new(() =>
    {
        var verification = PlatformCompiler.Verify(Files.Value, Model);
        return PlatformCompiler.VerifyCharts(verification.Tree, Model, Environment.GetEnvironmentVariable).Charts.Single(c => c.Release.Application == Devtron.Name);
    });

    private static ChartResult RequireChart()
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        return Chart.Value;
    }

    private static string Kind(JsonElement o) => o.GetProperty("kind").GetString()!;

    private static string Name(JsonElement o) => o.GetProperty("metadata").GetProperty("name").GetString()!;

    /// <summary>Devtron's own namespace's objects (the chart also writes into argo and the runners' namespaces).</summary>
    private static List<JsonElement> InDevtroncd(IEnumerable<JsonElement> objects) =>
        [.. objects.Where(o => !o.GetProperty("metadata").TryGetProperty("namespace", out var ns) || ns.GetString() == Devtron.Namespace)];

    [Fact]
    public void ThePlugin_RunUnderShAndAwk_LeavesOutExactlyWhatVerificationLeavesOut()
    {
        var helm = TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        var charts = TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var chart = RequireChart();
        var release = chart.Release;
        Assert.Equal("devtron-operator", release.Pin.Chart);
        Assert.NotEmpty(release.Removed);

        // The plugin's parameters as Argo CD hands them over: PARAM_<NAME>, upper case, '-' as '_'.
        var application = TreeVerifier.Analyse(Files.Value, null).Objects.Single(o => o.File.EndsWith("platform/devtron/application.yaml", StringComparison.Ordinal)).Object;
        var plugin = application.GetProperty("spec").GetProperty("sources").EnumerateArray()
            .Select(s => s.TryGetProperty("plugin", out var p) ? p : default)
            .Single(p => p.ValueKind == JsonValueKind.Object && p.GetProperty("name").GetString() == HelmTrim.Name);
        var environment = plugin.GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => "PARAM_" + p.GetProperty("name").GetString()!.ToUpperInvariant().Replace('-', '_'), p => p.GetProperty("string").GetString()!);
        environment["ARGOCD_APP_NAMESPACE"] = Devtron.Namespace;

        // The one stand-in: the chart repository. This helm takes the chart from the vendored sources and
        // passes everything else to the real Helm.
        var folder = Directory.CreateTempSubdirectory("helix-helm-trim-");
        try
        {
            var shim = Path.Combine(folder.FullName, "helm");
            File.WriteAllText(shim, $$"""
                #!/bin/sh
                # Stands in for the chart repository: the pinned chart from the vendored sources, the rest as given.
                n=$#
                skip=0
                for a in "$@"; do
                  if [ "$skip" = 1 ]; then skip=0; continue; fi
                  case "$a" in
                    --repo|--version) skip=1 ;;
                    "$PARAM_CHART") set -- "$@" "{{charts}}/$PARAM_CHART-$PARAM_VERSION" ;;
                    *) set -- "$@" "$a" ;;
                  esac
                done
                shift "$n"
                exec "{{helm}}" "$@"
                """.Replace("\r", "", StringComparison.Ordinal));
            Assert.False(OperatingSystem.IsWindows(), "the plugin runs under sh");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var (exit, output, error) = Run("sh", ["-c", HelmTrim.Script], environment, folder.FullName);
            Assert.True(exit == 0, error);
            var trimmed = TreeVerifier.Documents(new StringReader(output)).Where(d => d.Error is null && d.Document.ValueKind == JsonValueKind.Object)
                .Select(d => d.Document).ToList();

            // Job names end in five random characters, on every render.
            static string Key(JsonElement o) => $"{Kind(o)}/{(Kind(o) == "Job" ? Name(o)[..^6] : Name(o))}";
            Assert.Equal(chart.Objects.Select(Key).Order(StringComparer.Ordinal), trimmed.Select(Key).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(trimmed, o => Kind(o) == "Secret" && Name(o) is "devtron-secret" or "postgresql-migrator" or "devtron-custom-secret" or "postgresql-postgresql");
            Assert.DoesNotContain(trimmed, o => Name(o).StartsWith("devtron-nats", StringComparison.Ordinal) || Name(o).StartsWith("postgresql-create-databases-", StringComparison.Ordinal));

            // Without the removals the same run keeps them: the test above could fail.
            environment["PARAM_REMOVE"] = "";
            var (_, whole, _) = Run("sh", ["-c", HelmTrim.Script], environment, folder.FullName);
            Assert.Contains("name: \"devtron-secret\"", whole, StringComparison.Ordinal);
            Assert.Contains("name: devtron-nats", whole, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void EverySecretDevtronsPodsRead_IsInTheChartsOutputOrTheInventory_AndItsDatabasePassword_IsTheRolesOwn()
    {
        var objects = RequireChart().Objects;
        var inventory = Model.Secrets().Where(s => s.Namespace == Devtron.Namespace).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var written = objects.Where(o => Kind(o) == "Secret").Select(Name).ToHashSet(StringComparer.Ordinal);
        var read = Containers(objects).SelectMany(c => SecretsRead(c.Container)).ToHashSet();
        Assert.Contains(("devtron-secret", "PG_PASSWORD"), read);
        Assert.Contains(("postgresql-migrator", (string?)null), read);
        foreach (var (secret, key) in read)
        {
            Assert.True(written.Contains(secret) || inventory.ContainsKey(secret), $"{secret} is read by a Devtron pod and written by nobody");
            if (key is not null && inventory.TryGetValue(secret, out var need))
            {
                Assert.Contains(key, need.Keys);
            }
        }
        var role = KeySource.Same(Cnpg.Namespace, Cnpg.RoleSecret(Devtron.Name), "password");
        Assert.Equal(role, inventory["devtron-secret"].Sources["PG_PASSWORD"]);
        Assert.Equal(role, inventory["postgresql-migrator"].Sources["DB_PASSWORD"]);
        Assert.Equal(KeyOrigin.Issued, inventory["devtron-secret"].Sources["ACD_PASSWORD"].Origin);
    }

    [Fact]
    public void EachDevtronContainer_EndsUpOnThePlatformsNatsAndSessionPooler_WhateverTheChartHardCodes()
    {
        var objects = InDevtroncd(RequireChart().Objects);
        var configMaps = objects.Where(o => Kind(o) == "ConfigMap").ToDictionary(Name, o => o, StringComparer.Ordinal);
        var nats = 0;
        var postgres = 0;
        foreach (var (workload, container) in Containers(objects))
        {
            var env = Effective(container, configMaps);
            if (env.TryGetValue("NATS_SERVER_HOST", out var host))
            {
                nats++;
                Assert.True(host == Nats.Url(Model.Spec), $"{workload} reaches NATS at {host}");
            }
            if (env.TryGetValue("PG_ADDR", out var address))
            {
                postgres++;
                Assert.True(address == Cnpg.SessionPoolerHost, $"{workload} reaches PostgreSQL at {address}");
            }
            if (env.TryGetValue("ACD_URL", out var argo))
            {
                Assert.Equal(Meta.Dns("argocd-server", ArgoCd.Namespace), argo);
                Assert.Equal(Devtron.ArgoCdAccount, env["ACD_USERNAME"]);
            }
        }
        // The orchestrator, kubelink, lens and the migrations at least: the loops above checked something.
        Assert.True(nats >= 3, $"{nats} containers name NATS");
        Assert.True(postgres >= 5, $"{postgres} containers name PostgreSQL");
        // The chart's own NATS is gone, and devtron-cm still names it: only the override ordering makes the above hold.
        Assert.DoesNotContain(objects, o => Kind(o) == "StatefulSet" && Name(o) == "devtron-nats");
        Assert.Contains("devtron-nats", configMaps["devtron-cm"].GetProperty("data").GetProperty("NATS_SERVER_HOST").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDatabaseDevtronMigratesOrReads_IsACnpgDatabaseOwnedByItsRole()
    {
        var objects = InDevtroncd(RequireChart().Objects);
        var configMaps = objects.Where(o => Kind(o) == "ConfigMap").ToDictionary(Name, o => o, StringComparer.Ordinal);
        var named = Containers(objects).Select(c => Effective(c.Container, configMaps).GetValueOrDefault("PG_DATABASE")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["casbin", "git_sensor", "lens", "orchestrator"], named.Order(StringComparer.Ordinal));

        var databases = TreeVerifier.Analyse(Files.Value, null).Objects.Where(o => o.Object.GetProperty("kind").GetString() == "Database")
            .Select(o => o.Object.GetProperty("spec")).Where(s => s.GetProperty("owner").GetString() == Devtron.Name)
            .Select(s => s.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(named, databases);
    }

    [Fact]
    [Trait("breaks", PromiseRules.PoolingRule)]
    public void ASessionPoolerInTransactionMode_IsReported()
    {
        var pooler = "gitops/platform/cnpg/base/pooler.yaml";
        var text = Files.Value.Text(pooler);
        var at = text.IndexOf("  name: postgres-pooler-session", StringComparison.Ordinal);
        var edited = text[..at] + text[at..].Replace("poolMode: session", "poolMode: transaction", StringComparison.Ordinal);
        var files = new Output.FileSet();
        foreach (var path in Files.Value.Paths)
        {
            files.Add(path, path == pooler ? edited : Files.Value.Text(path));
        }
        var finding = Assert.Single(PlatformCompiler.Verify(files, Model).Findings, f => f.Rule == PromiseRules.PoolingRule);
        Assert.Equal("Pooler/postgres/postgres-pooler-session", finding.Resource);
        Assert.Contains("session clients need session", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", ChartVerifier.RenderRule)]
    public void APluginParameterThatCannotBeRead_IsAFinding_NotACrash()
    {
        var chart = WithApplicationEdited(text =>
        {
            var values = text.Split('\n').Single(l => l.TrimStart().StartsWith("string: '{\"installer\"", StringComparison.Ordinal));
            return text.Replace(values, values[..values.IndexOf('\'', StringComparison.Ordinal)] + "'[1]'", StringComparison.Ordinal)
                .Replace("Job/postgresql-create-databases-[a-z0-9]+", "Job/postgresql-create-databases-(\n              Pod/a\\.b", StringComparison.Ordinal);
        });
        Assert.Contains(chart.Findings, f => f.Rule == ChartVerifier.ValuesRule && f.Message.Contains("values parameter is not a JSON object", StringComparison.Ordinal));
        Assert.Contains(chart.Findings, f => f.Rule == ChartVerifier.RenderRule && f.Message.Contains("is not a regular expression", StringComparison.Ordinal));
        Assert.Contains(chart.Findings, f => f.Rule == ChartVerifier.RenderRule && f.Message.Contains("has a backslash", StringComparison.Ordinal));
        // The readable removals still apply: the hook Secrets stay out.
        Assert.DoesNotContain(chart.Objects, o => Kind(o) == "Secret" && Name(o) == "devtron-secret");
    }

    [Fact]
    [Trait("breaks", ChartVerifier.HookSecretRule)]
    public void WithoutTheRemovalOfItsHookSecrets_DevtronsChartIsReported()
    {
        var chart = WithApplicationEdited(text =>
            text.Replace(text.Split('\n').Single(l => l.TrimStart().StartsWith("Secret/postgresql-postgresql|", StringComparison.Ordinal)) + "\n", "", StringComparison.Ordinal));

        var findings = chart.Findings
            .Where(f => f.Rule == ChartVerifier.HookSecretRule).Select(f => f.Resource).Order(StringComparer.Ordinal);
        Assert.Equal(["Secret/devtroncd/devtron-custom-secret", "Secret/devtroncd/devtron-secret", "Secret/devtroncd/postgresql-migrator", "Secret/devtroncd/postgresql-postgresql"],
            findings);
    }

    [Fact]
    [Trait("breaks", ChartVerifier.ValuesRule)]
    public void AMapATemplateTakesWholeUnderWith_TakesAnyKey_ButASiblingTheChartNeverReads_IsReported()
    {
        var chart = WithApplicationEdited(text => text.Replace("\"kubewatch\":{\"configs\":{", "\"kubewatch\":{\"nosuch\":1,\"configs\":{", StringComparison.Ordinal));

        var values = chart.Findings.Where(f => f.Rule == ChartVerifier.ValuesRule).ToList();
        // `with .Values.components.kubewatch` ... `toYaml .configs`: NATS_SERVER_HOST, which values.yaml lacks, is read.
        var finding = Assert.Single(values);
        Assert.Contains("components.kubewatch.nosuch", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSsoJob_CreatesAuthentiksConnector_ThenUpdatesItInPlace_WithTheSecretFromItsSecretOnly()
    {
        var job = TreeVerifier.Documents(new StringReader(Files.Value.Text("gitops/platform/devtron/base/sso.yaml"))).Single().Document;
        // Devtron's answers as its published OpenAPI contract (specs/sso/configuration.yaml) gives them.
        var (exit, calls, output) = RunSso("""{"code":200,"status":"OK","result":[{"id":1,"name":"google","label":"Google","url":"","config":{},"active":false}]}""");
        Assert.True(exit == 0, output);
        var create = Assert.Single(calls, c => c.StartsWith("POST ", StringComparison.Ordinal));
        Assert.EndsWith("/orchestrator/sso/create", create.Split(' ')[1], StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(create[(create.IndexOf('{', StringComparison.Ordinal))..]))
        {
            var oidc = body.RootElement.GetProperty("config").GetProperty("config");
            Assert.Equal("s3cr3t-from-the-secret", oidc.GetProperty("clientSecret").GetString());
            Assert.Equal($"https://{Model.Host(Authentik.Name)}/application/o/devtron/", oidc.GetProperty("issuer").GetString());
            Assert.Equal($"https://{Model.Host(Devtron.Name)}/orchestrator/api/dex/callback", oidc.GetProperty("redirectURI").GetString());
            Assert.Equal("devtron", oidc.GetProperty("clientID").GetString());
            Assert.False(body.RootElement.TryGetProperty("id", out _));
        }

        (exit, calls, output) = RunSso("""{"code":200,"status":"OK","result":[{"id":1,"name":"google","label":"Google","url":"","config":{},"active":false},"""
            + """{"id":7,"name":"oidc","label":"Authentik","url":"","config":{},"active":true}]}""");
        Assert.True(exit == 0, output);
        Assert.DoesNotContain(calls, c => c.StartsWith("POST ", StringComparison.Ordinal));
        var update = Assert.Single(calls, c => c.StartsWith("PUT ", StringComparison.Ordinal));
        using var updated = JsonDocument.Parse(update[(update.IndexOf('{', StringComparison.Ordinal))..]);
        Assert.Equal(7, updated.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("oidc", updated.RootElement.GetProperty("name").GetString());

        // The manifest itself holds no secret: the placeholder is all the Job's body has.
        Assert.DoesNotContain("s3cr3t", Files.Value.Text("gitops/platform/devtron/base/sso.yaml"), StringComparison.Ordinal);

        // Devtron refusing (the stand-in fails the call) fails the Job, so Argo CD shows the hook failed and retries.
        (exit, _, _) = RunSso("", failList: true);
        Assert.NotEqual(0, exit);

        // Before anyone made Devtron's API token (Devtron's first sync), the Job succeeds doing nothing: the wave goes on.
        (exit, calls, output) = RunSso("", token: null);
        Assert.True(exit == 0, output);
        Assert.Empty(calls);
        Assert.Contains("devtron-api-token is not there yet", output, StringComparison.Ordinal);
        Assert.True(Containers([job]).Single().Container.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "DEVTRON_TOKEN")
            .GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("optional").GetBoolean());
    }

    [Fact]
    public void AnyEditOfDevtronsApplication_OrAnyRemovalText_IsReadWithoutACrash()
    {
        var application = JsonSerializer.SerializeToNode(TreeVerifier.Documents(new StringReader(Files.Value.Text("gitops/platform/devtron/application.yaml"))).Single().Document)!;
        HostileEdits.Edit.Array[1, 4].Sample(edits =>
        {
            var edited = application.DeepClone();
            foreach (var (_, where, value) in edits)
            {
                HostileEdits.Apply(edited, where, value);
            }
            foreach (var release in ChartRelease.FromTree([("platform/devtron/application.yaml", JsonSerializer.SerializeToElement(edited))]))
            {
                foreach (var removal in release.Removed)
                {
                    _ = HelmTrim.Problem(removal);
                    _ = HelmTrim.Matcher(removal)?.Invoke("Secret", "devtron-secret");
                }
            }
        }, iter: 200);
        // Removal lines as any hand could write them: any Unicode, regex metacharacters, a slash or none.
        Helix.Testing.HostileJson.Text.Where(l => l.Unicode).Select(l => l.Text!).Sample(text =>
        {
            foreach (var removal in new[] { text, $"Secret/{text}", $"{text}/x", $"Secret/({text}" })
            {
                var problem = HelmTrim.Problem(removal);
                var removes = HelmTrim.Matcher(removal)?.Invoke("Secret", "devtron-secret") ?? false;
                Assert.False(problem is not null && removes, $"'{removal}' is refused yet removes");
            }
        }, iter: 500);
        // What .NET reads but awk's extended expressions do not (or read otherwise) is refused, not half applied.
        Assert.Contains("read alike", HelmTrim.Problem("Secret/(?i)devtron-secret"), StringComparison.Ordinal);
        Assert.Contains("read alike", HelmTrim.Problem("Secret/devtron secret"), StringComparison.Ordinal);
        Assert.Contains("read alike", HelmTrim.Problem("Job/postgresql-create-databases-[a-z0-9]{5}"), StringComparison.Ordinal);
        Assert.Null(HelmTrim.Problem("Job/postgresql-create-databases-[a-z0-9]+"));
    }

    /// <summary>Devtron's chart, verified from its Application as <paramref name="edit"/> leaves it.</summary>
    private static ChartResult WithApplicationEdited(Func<string, string> edit)
    {
        RequireChart();
        const string Path = "gitops/platform/devtron/application.yaml";
        var tree = TreeVerifier.Analyse([Path], _ => new StringReader(edit(Files.Value.Text(Path))), Model);
        return Assert.Single(PlatformCompiler.VerifyCharts(tree, Model, Environment.GetEnvironmentVariable).Charts);
    }

    /// <summary>Runs the rendered SSO Job's script with a stand-in curl on the PATH; returns its exit code and the calls it made (method, URL, data).</summary>
    private static (int Exit, List<string> Calls, string Output) RunSso(string list, bool failList = false, string? token = "token")
    {
        var job = TreeVerifier.Documents(new StringReader(Files.Value.Text("gitops/platform/devtron/base/sso.yaml"))).Single().Document;
        var container = job.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        var folder = Directory.CreateTempSubdirectory("helix-devtron-sso-");
        try
        {
            var calls = Path.Combine(folder.FullName, "calls");
            File.WriteAllText(Path.Combine(folder.FullName, "list.json"), list);
            File.WriteAllText(Path.Combine(folder.FullName, "curl"), $$"""
                #!/bin/sh
                # Stands in for Devtron's API: the list it answers is the test's; writes are recorded.
                method=GET; out=""; data=""
                while [ $# -gt 1 ]; do
                  case "$1" in
                    -X) method=$2; shift ;;
                    -o) out=$2; shift ;;
                    -d) data=$2; shift ;;
                    -H) shift ;;
                  esac
                  shift
                done
                echo "$method $1 $data" >> {{calls}}
                case "$1" in
                  */sso/list) {{(failList ? "exit 22" : "true")}}; cat {{folder.FullName}}/list.json > "$out" ;;
                esac
                """);
            Assert.False(OperatingSystem.IsWindows(), "the Job's script runs under sh");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(folder.FullName, "curl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var environment = container.GetProperty("env").EnumerateArray().Where(e => e.TryGetProperty("value", out _))
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!);
            environment["CLIENT_SECRET"] = "s3cr3t-from-the-secret";
            if (token is not null)
            {
                environment["DEVTRON_TOKEN"] = token;
            }
            var script = container.GetProperty("command")[2].GetString()!.Replace("/tmp/", folder.FullName + "/", StringComparison.Ordinal);
            var (exit, output, error) = Run("sh", ["-c", script], environment, folder.FullName);
            return (exit, File.Exists(calls) ? [.. File.ReadAllLines(calls)] : [], output + error);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Every container of every pod template (and bare Pod) in the output, by its workload.</summary>
    private static IEnumerable<(string Workload, JsonElement Container)> Containers(IEnumerable<JsonElement> objects)
    {
        foreach (var o in objects)
        {
            var pod = Kind(o) switch
            {
                "Pod" => o.GetProperty("spec"),
                "CronJob" => o.GetProperty("spec").GetProperty("jobTemplate").GetProperty("spec").GetProperty("template").GetProperty("spec"),
                "Deployment" or "StatefulSet" or "DaemonSet" or "Job" => o.GetProperty("spec").GetProperty("template").GetProperty("spec"),
                _ => default,
            };
            if (pod.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var list in new[] { "initContainers", "containers" })
            {
                if (pod.TryGetProperty(list, out var containers))
                {
                    foreach (var container in containers.EnumerateArray())
                    {
                        yield return ($"{Kind(o)}/{Name(o)}/{container.GetProperty("name").GetString()}", container);
                    }
                }
            }
        }
    }

    /// <summary>The Secrets a container reads, whole (envFrom, null key) or by key.</summary>
    private static IEnumerable<(string Secret, string? Key)> SecretsRead(JsonElement container)
    {
        if (container.TryGetProperty("envFrom", out var from))
        {
            foreach (var source in from.EnumerateArray().Where(s => s.TryGetProperty("secretRef", out _)))
            {
                yield return (source.GetProperty("secretRef").GetProperty("name").GetString()!, null);
            }
        }
        if (container.TryGetProperty("env", out var env))
        {
            foreach (var variable in env.EnumerateArray())
            {
                if (variable.TryGetProperty("valueFrom", out var valueFrom) && valueFrom.TryGetProperty("secretKeyRef", out var reference))
                {
                    yield return (reference.GetProperty("name").GetString()!, reference.GetProperty("key").GetString());
                }
            }
        }
    }

    /// <summary>
    /// A container's environment as the kubelet builds it from ConfigMaps: envFrom sources in order, a later
    /// one's key winning, then env (values and configMapKeyRefs) over them.
    /// </summary>
    private static Dictionary<string, string> Effective(JsonElement container, Dictionary<string, JsonElement> configMaps)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (container.TryGetProperty("envFrom", out var from))
        {
            foreach (var source in from.EnumerateArray())
            {
                if (source.TryGetProperty("configMapRef", out var reference) && configMaps.TryGetValue(reference.GetProperty("name").GetString()!, out var map)
                    && map.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in data.EnumerateObject())
                    {
                        result[entry.Name] = entry.Value.ToString();
                    }
                }
            }
        }
        if (container.TryGetProperty("env", out var env))
        {
            foreach (var variable in env.EnumerateArray())
            {
                var name = variable.GetProperty("name").GetString()!;
                if (variable.TryGetProperty("value", out var value))
                {
                    result[name] = value.ToString();
                }
                else if (variable.TryGetProperty("valueFrom", out var valueFrom) && valueFrom.TryGetProperty("configMapKeyRef", out var reference)
                    && configMaps.TryGetValue(reference.GetProperty("name").GetString()!, out var map)
                    && map.GetProperty("data").TryGetProperty(reference.GetProperty("key").GetString()!, out var keyed))
                {
                    result[name] = keyed.ToString();
                }
            }
        }
        return result;
    }

    private static (int Exit, string Output, string Error) Run(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string path)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        info.Environment["PATH"] = $"{path}:{Environment.GetEnvironmentVariable("PATH")}";
        info.Environment["HELM_CONFIG_HOME"] = Path.Combine(path, "config");
        info.Environment["HELM_CACHE_HOME"] = Path.Combine(path, "cache");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the plugin did not finish");
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
